"""The zone's placard (挂牌上墙): a printable A5 PNG (Pillow) with the zone, its place and 区队,
the responsible member's name, photo (contained in its box, never stretched; a labelled
placeholder when they have none) and phone tail (never the whole number), the covered equipment
and a mini-program code that opens the zone's page (scene "z=<id>"), from which anyone bound
reports a danger there. WeChat unavailable or not configured: a placeholder box, labelled.

The CJK font is ZONE_PLACARD_FONT (Debian's fonts-noto-cjk by default); missing → 503
placard_font_missing, never a placard of empty boxes."""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field

from models import Zone
from zones.errors import PlacardFontMissing, ZoneEnded
from zones.queries import phone_tail
from zones.services import is_active

log = logging.getLogger(__name__)

# A5 at 150 dpi, portrait.
WIDTH, HEIGHT = 874, 1240
RED = (178, 34, 34)
INK = (33, 33, 33)
CODE_SIZE = 360
# The member's photo: a 3:4 box right of the details (a 一寸照's proportions).
PHOTO_BOX = (WIDTH - 70 - 180, 300, WIDTH - 70, 540)


@dataclass
class Placard:
    png: bytes
    size: tuple[int, int]
    # name → (left, top, right, bottom) of what was drawn, for tests and print checks
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    code_placeholder: bool = False
    photo_placeholder: bool = False


def zone_code(zone: Zone, page: str) -> bytes | None:
    """The zone's mini-program code from WeChat, or None when WeChat is unavailable."""
    from wechat import get_wechat

    client = get_wechat()
    if client is None:
        return None
    try:
        return client.share_code(f"z={zone.id}", page).data
    except Exception as exc:  # noqa: BLE001 - the placard renders with a placeholder instead
        log.warning("zone %s: no mini-program code (%s)", zone.id, exc)
        return None


def render(
    zone: Zone, font_path: str, code: bytes | None, photo: bytes | None | bool = True
) -> Placard:
    """The placard; `photo` is the member's photo (True: look it up, None: the placeholder)."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    if photo is True:
        from zones.portraits import photo_bytes

        photo = photo_bytes(zone.member_id)

    if not font_path or not os.path.isfile(font_path):
        raise PlacardFontMissing()
    if not is_active(zone):
        raise ZoneEnded("该责任区已撤销，不能生成责任区牌")

    def font(size: int):
        return ImageFont.truetype(font_path, size)

    img = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(img)
    boxes: dict[str, tuple[int, int, int, int]] = {}
    draw.rectangle((20, 20, WIDTH - 21, HEIGHT - 21), outline=RED, width=8)
    draw.rectangle((20, 20, WIDTH - 21, 170), fill=RED)

    def text(name: str, xy: tuple[int, int], value: str, size: int, fill=INK, center=False):
        f = font(size)
        left, top, right, bottom = draw.textbbox((0, 0), value, font=f)
        x, y = xy
        if center:
            x = (WIDTH - (right - left)) // 2
        draw.text((x, y), value, font=f, fill=fill)
        boxes[name] = draw.textbbox((x, y), value, font=f)

    text("title", (0, 55), "党员安全责任区", 64, fill="white", center=True)
    text("zone", (0, 210), _fit(zone.name, 14), 56, fill=RED, center=True)
    y = 320
    for name, label, value in (
        ("place", "地点", zone.place),
        ("unit", "区队", zone.unit.name),
        ("member", "责任人", zone.member.name),
        ("phone", "联系电话", f"尾号 {phone_tail(zone.member.phone) or '—'}"),
    ):
        text(name, (70, y), f"{label}：{_fit(value, 11)}", 36)
        y += 62
    if zone.equipment:
        text("equipment", (70, y), f"设备：{_fit(zone.equipment, 13)}", 30)
        y += 54
    photo_placeholder = True
    if photo:
        try:
            portrait = ImageOps.exif_transpose(Image.open(io.BytesIO(photo))).convert("RGB")
            width, height = PHOTO_BOX[2] - PHOTO_BOX[0], PHOTO_BOX[3] - PHOTO_BOX[1]
            portrait = ImageOps.contain(portrait, (width, height))  # keeps its proportions
            left_ = PHOTO_BOX[0] + (width - portrait.width) // 2
            top_ = PHOTO_BOX[1] + (height - portrait.height) // 2
            img.paste(portrait, (left_, top_))
            boxes["photo"] = (left_, top_, left_ + portrait.width, top_ + portrait.height)
            photo_placeholder = False
        except Exception:  # noqa: BLE001 - an unreadable photo is drawn as the placeholder
            photo_placeholder = True
    if photo_placeholder:
        draw.rectangle(PHOTO_BOX, fill=(240, 240, 240), outline=(190, 190, 190), width=3)
        f = font(28)
        l_, t_, r_, b_ = draw.textbbox((0, 0), "暂无照片", font=f)
        draw.text(
            (
                (PHOTO_BOX[0] + PHOTO_BOX[2] - (r_ - l_)) // 2,
                (PHOTO_BOX[1] + PHOTO_BOX[3] - (b_ - t_)) // 2,
            ),
            "暂无照片",
            font=f,
            fill=(150, 150, 150),
        )
        boxes["photo"] = PHOTO_BOX
    code_top = max(y + 30, 640)
    left = (WIDTH - CODE_SIZE) // 2
    box = (left, code_top, left + CODE_SIZE, code_top + CODE_SIZE)
    placeholder = code is None
    if code is not None:
        try:
            qr = Image.open(io.BytesIO(code)).convert("RGB").resize((CODE_SIZE, CODE_SIZE))
            img.paste(qr, box[:2])
        except Exception:  # noqa: BLE001 - an unreadable code is drawn as the placeholder
            placeholder = True
    if placeholder:
        draw.rectangle(box, outline=INK, width=4)
        draw.line((box[0], box[1], box[2], box[3]), fill=(200, 200, 200), width=2)
        draw.line((box[0], box[3], box[2], box[1]), fill=(200, 200, 200), width=2)
        f = font(28)
        msg = "小程序码暂不可用"
        l_, t_, r_, b_ = draw.textbbox((0, 0), msg, font=f)
        draw.rectangle(
            (
                (WIDTH - (r_ - l_)) // 2 - 10,
                code_top + CODE_SIZE // 2 - 30,
                (WIDTH + (r_ - l_)) // 2 + 10,
                code_top + CODE_SIZE // 2 + 30,
            ),
            fill="white",
        )
        draw.text(((WIDTH - (r_ - l_)) // 2, code_top + CODE_SIZE // 2 - 20), msg, font=f, fill=INK)
    boxes["code"] = box
    text("scan", (0, box[3] + 30), "扫码上报隐患 · 查看责任区", 32, fill=RED, center=True)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(150, 150))
    return Placard(buf.getvalue(), img.size, boxes, placeholder, photo_placeholder)


def _fit(value: str, max_chars: int) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= max_chars else value[: max_chars - 1] + "…"
