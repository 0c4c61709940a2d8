"""Small real images for uploads (no database: any test may import this)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), gps: bool = False) -> bytes:
    """A small real image; with gps=True a JPEG carrying an EXIF GPS position."""
    img = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestPhone"  # Make
        exif[0x0112] = 6  # Orientation: rotate 90°
        gps_ifd = {1: "N", 2: (37.0, 51.0, 30.0), 3: "E", 4: (112.0, 33.0, 10.0)}
        exif[0x8825] = gps_ifd
        kwargs["exif"] = exif.tobytes()
    img.save(out, fmt, **kwargs)
    return out.getvalue()
