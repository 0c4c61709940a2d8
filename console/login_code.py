"""The login code image: a mini-program code whose scene is the ticket (the one place that asks
WeChat for it), or a stand-in picture in demo mode."""

from __future__ import annotations

import io

from flask import current_app

from wechat import get_wechat


def login_code_image(ticket_id: str) -> tuple[bytes, str]:
    """(image bytes, content type) of the code the secretary scans: WeChat's getwxacodeunlimit
    (scene = the ticket; WeChat sends JPEG), or a demo picture (PNG)."""
    client = get_wechat()
    if client is None:
        return placeholder_png(ticket_id), "image/png"
    code = client.share_code(ticket_id, current_app.config["CONSOLE_LOGIN_PAGE"])
    return code.data, code.content_type


def placeholder_png(ticket_id: str) -> bytes:
    """A code-like picture for demo mode: nothing to scan, the page offers demo sign-in."""
    from PIL import Image, ImageDraw

    size, cell, cells = 280, 10, 21
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    offset = (size - cell * cells) // 2
    seed = int.from_bytes(ticket_id.encode()[:16].ljust(16, b"0"), "big")
    for i in range(cells):
        for j in range(cells):
            finder = min(i, j) < 7 and (i < 7 or i >= cells - 7) and (j < 7 or j >= cells - 7)
            if finder:
                on = i % 6 == 0 or j % 6 == 0 or (2 <= i % 14 <= 4 and 2 <= j % 14 <= 4)
                on = on and not (i >= cells - 7 and j >= cells - 7)
            else:
                on = (seed >> ((i * cells + j) % 120)) & 1 == 1
            if on:
                x, y = offset + i * cell, offset + j * cell
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=(30, 30, 30))
    draw.rectangle((size // 2 - 34, size // 2 - 14, size // 2 + 34, size // 2 + 14), fill="white")
    draw.text((size // 2 - 14, size // 2 - 6), "DEMO", fill=(192, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
