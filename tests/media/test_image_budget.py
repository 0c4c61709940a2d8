"""issue 9 #3: decoding an uploaded image is bounded — a pixel budget, JPEG draft mode, a limit
on decodes at once per process — and one upload stays under ~300 MB of peak memory, measured as
the growth of a fresh process's peak RSS (Pillow's pixel buffers live outside Python's
allocator, so tracemalloc would not see them)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from media import images
from tests.support.images import image_bytes

BUDGET_MB = 300
ROOT = Path(__file__).resolve().parents[2]

# Runs clean_image() on a file in a fresh interpreter and prints the growth of its peak RSS.
MEASURE = """
import json, resource, sys
from flask import Flask
from config import load_settings
from media import images
from domain_errors import DomainError

app = Flask("measure")
app.config.update(load_settings(sys.argv[2], env={}))
data = open(sys.argv[1], "rb").read()
with app.app_context():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        image = images.clean_image(data)
        outcome = ["accepted", image.width, image.height, image.content_type]
    except DomainError as exc:
        outcome = ["refused", exc.reason]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_mb": (after - before) / 1024, "outcome": outcome}))
"""


def png_file(path: Path, width: int, height: int) -> Path:
    """A valid, tiny RGBA PNG of any size (all zero pixels), written without holding it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\x00" * (width * 4)
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", compressed)
        + chunk(b"IEND", b"")
    )  # fmt: skip
    return path


def jpeg_file(path: Path, width: int, height: int) -> Path:
    """A large JPEG, made in a child process so this one does not hold its pixels."""
    script = (
        "import sys; from PIL import Image, ImageDraw\n"
        "w, h = int(sys.argv[2]), int(sys.argv[3])\n"
        "img = Image.new('RGB', (w, h), (90, 120, 200))\n"
        "ImageDraw.Draw(img).ellipse((w // 4, h // 4, w // 2, h // 2), fill=(200, 40, 40))\n"
        "img.save(sys.argv[1], 'JPEG', quality=85)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), str(width), str(height)], check=True)
    return path


def measure(path: Path, tmp: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(tmp)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_issue9_3_decompression_bomb_png_is_refused_within_budget(tmp_path):
    """issue 9 #3: a 7070×7070 RGBA PNG (a few hundred KB, under the old 50 MP cap) cost up
    to 2.7 GiB; it is now refused before its pixels are decoded."""
    bomb = png_file(tmp_path / "bomb.png", 7070, 7070)
    assert bomb.stat().st_size < 1_000_000
    result = measure(bomb, tmp_path)
    assert result["outcome"] == ["refused", "invalid_image"], result
    assert result["grew_mb"] < BUDGET_MB, result


def test_issue9_3_largest_accepted_png_stays_under_budget(tmp_path):
    """The largest PNG the budget lets through (24 MP of RGBA) is decoded and shrunk within
    ~300 MB."""
    big = png_file(tmp_path / "big.png", 4896, 4896)
    result = measure(big, tmp_path)
    assert result["outcome"] == ["accepted", 2560, 2560, "image/png"], result
    assert result["grew_mb"] < BUDGET_MB, result


def test_issue9_3_large_jpeg_is_decoded_in_draft_mode_under_budget(tmp_path):
    """A 48 MP phone photo is decoded at half size by the JPEG decoder itself (draft mode), so
    it is accepted and stays within budget."""
    photo = jpeg_file(tmp_path / "phone.jpg", 8000, 6000)
    assert photo.stat().st_size < 5 * 1024 * 1024
    result = measure(photo, tmp_path)
    assert result["outcome"] == ["accepted", 2560, 1920, "image/jpeg"], result
    assert result["grew_mb"] < BUDGET_MB, result


def test_issue9_3_decodes_at_once_are_limited_per_process(
    app, client, world, upload_wish_photo, wish_scene
):
    """Every decode slot of the process is taken: an upload waits IMAGE_DECODE_WAIT_SECONDS,
    then answers 503 image_busy with Retry-After; a free slot serves it."""
    s = wish_scene()
    saved = app.config["IMAGE_DECODE_WAIT_SECONDS"]
    app.config["IMAGE_DECODE_WAIT_SECONDS"] = 0.1
    with app.app_context():
        slots = images.decode_slots()
    taken = 0
    try:
        while slots.acquire(blocking=False):
            taken += 1
        assert taken == app.config["IMAGE_DECODE_CONCURRENCY"] == 2
        r = upload_wish_photo(s, s.wisher, image_bytes("PNG"))
        assert r.status_code == 503 and r.json["reason"] == "image_busy", r.json
        assert r.headers["Retry-After"]
        slots.release()
        taken -= 1
        assert upload_wish_photo(s, s.wisher, image_bytes("PNG")).status_code == 201
    finally:
        for _ in range(taken):
            slots.release()
        app.config["IMAGE_DECODE_WAIT_SECONDS"] = saved
