"""A shareable poster (分享海报) of a candidate, or of an honour: a fixed-size PNG (Pillow) with
the photo (scaled to fit, never stretched; a placeholder when there is none), the name, unit,
category or title, a trimmed 事迹 and the mini-program code that opens their page. Never a phone
number: the poster is made from `PosterData`, which has no field for one.

Text is measured with ImageDraw.textbbox and wrapped by characters (Chinese has no spaces), so a
long name or unit wraps and is cut with "…" rather than running off the card; every drawn text
box is returned for tests. The CJK font is POSTER_FONT (Debian's fonts-noto-cjk, OFL, by
default); missing → 503 poster_font_missing, never a poster of empty boxes.

Rendered posters are cached in Redis under a hash of everything drawn on them, so any change
of the candidate (story, photo, name, unit) makes a new poster and an unchanged one is served
from the cache."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import warnings
from dataclasses import asdict, dataclass, field

from models import get_redis
from models.redis_store import REDIS_UNAVAILABLE_ERRORS
from votes.errors import PosterFontMissing

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 750, 1334
RED = (178, 34, 34)
GOLD = (230, 162, 60)
INK = (33, 33, 33)
MUTED = (110, 110, 110)
PAPER = (255, 250, 240)
PHOTO_BOX = (175, 185, 575, 635)  # left, top, right, bottom: 400 × 450
CODE_SIZE = 220
MARGIN = 60
CACHE_TTL = 7 * 24 * 3600
VERSION = "1"  # bump when the layout changes: old cached posters are never served again


@dataclass(frozen=True)
class PosterData:
    """Everything a poster shows (and nothing else: no phone, no employee number)."""

    heading: str  # 2026年度“六大员”评选 / 荣誉榜
    name: str
    unit: str
    label: str  # the category, or the honour's title
    story: str
    footer: str  # 扫码为TA投票 / 扫码查看荣誉
    scene: str  # what the code opens, part of the cache key


@dataclass
class Poster:
    png: bytes
    size: tuple[int, int]
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    photo_placeholder: bool = False
    code_placeholder: bool = False


def cache_key(data: PosterData, photo_name: str | None, code_id: str) -> str:
    raw = json.dumps([VERSION, asdict(data), photo_name, code_id], ensure_ascii=False)
    return "poster:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(key: str) -> bytes | None:
    try:
        value = get_redis().get(key)
    except REDIS_UNAVAILABLE_ERRORS:
        return None
    return base64.b64decode(value) if value else None


def remember(key: str, png: bytes) -> None:
    try:
        get_redis().set(key, base64.b64encode(png).decode("ascii"), ex=CACHE_TTL)
    except REDIS_UNAVAILABLE_ERRORS:
        pass  # rendered again next time, nothing worse


def wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """`text` cut into lines no wider than `width` (measured), at most `max_lines`; the last
    line ends with "…" when text is left over."""
    text = " ".join((text or "").split())
    lines: list[str] = []
    line = ""
    for i, ch in enumerate(text):
        if draw.textlength(line + ch, font=font) <= width:
            line += ch
            continue
        lines.append(line)
        line = ch
        if len(lines) == max_lines:
            rest = text[i:]
            last = lines[-1]
            while last and draw.textlength(last + "…", font=font) > width:
                last = last[:-1]
            lines[-1] = last + "…" if rest else last
            return lines
    if line:
        lines.append(line)
    return lines[:max_lines]


def _load_photo(data: bytes | None, max_pixels: int):
    """The photo as an RGB image no bigger than the photo box needs, or None (missing,
    unreadable or over the pixel budget). A JPEG is decoded at a fraction of its size."""
    from PIL import Image

    if not data:
        return None
    box = (PHOTO_BOX[2] - PHOTO_BOX[0], PHOTO_BOX[3] - PHOTO_BOX[1])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format == "JPEG":
                img.draft("RGB", box)
            if img.width * img.height > max_pixels:
                return None
            img.load()
            return img.convert("RGB")
    except Exception:  # noqa: BLE001 - any unreadable photo is drawn as the placeholder
        log.warning("poster: unreadable photo")
        return None


def render(
    data: PosterData,
    font_path: str,
    photo: bytes | None,
    code: bytes | None,
    max_pixels: int = 24_000_000,
) -> Poster:
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    if not font_path or not os.path.isfile(font_path):
        raise PosterFontMissing()

    def font(size: int):
        return ImageFont.truetype(font_path, size)

    img = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(img)
    boxes: dict[str, tuple[int, int, int, int]] = {}
    draw.rectangle((0, 0, WIDTH, 150), fill=RED)
    draw.rectangle((16, 16, WIDTH - 17, HEIGHT - 17), outline=GOLD, width=4)

    def lines(name: str, text: str, size: int, top: int, max_lines: int, fill=INK) -> int:
        """Draw `text` centred, wrapped to the card; the y below it."""
        f = font(size)
        y = top
        for n, line in enumerate(wrap(draw, text, f, WIDTH - 2 * MARGIN, max_lines)):
            left, t, right, bottom = draw.textbbox((0, 0), line, font=f)
            x = (WIDTH - (right - left)) // 2 - left
            draw.text((x, y), line, font=f, fill=fill)
            boxes[f"{name}.{n}"] = draw.textbbox((x, y), line, font=f)
            y += int(size * 1.3)
        return y

    lines("heading", data.heading, 40, 50, 1, fill="white")

    # The photo: scaled to fit the box with its aspect ratio kept, centred; or a placeholder.
    picture = _load_photo(photo, max_pixels)
    draw.rectangle(PHOTO_BOX, fill=(238, 232, 220))
    if picture is not None:
        box_w, box_h = PHOTO_BOX[2] - PHOTO_BOX[0], PHOTO_BOX[3] - PHOTO_BOX[1]
        fitted = ImageOps.contain(picture, (box_w, box_h), Image.Resampling.LANCZOS)
        x = PHOTO_BOX[0] + (box_w - fitted.width) // 2
        y = PHOTO_BOX[1] + (box_h - fitted.height) // 2
        img.paste(fitted, (x, y))
        boxes["photo"] = (x, y, x + fitted.width, y + fitted.height)
    else:
        cx, cy = (PHOTO_BOX[0] + PHOTO_BOX[2]) // 2, (PHOTO_BOX[1] + PHOTO_BOX[3]) // 2
        draw.ellipse((cx - 90, cy - 150, cx + 90, cy + 30), fill=(205, 196, 180))
        draw.pieslice((cx - 170, cy + 40, cx + 170, cy + 380), 180, 360, fill=(205, 196, 180))
        boxes["photo"] = PHOTO_BOX
    draw.rectangle(PHOTO_BOX, outline=GOLD, width=3)

    y = lines("name", data.name, 52, PHOTO_BOX[3] + 25, 2, fill=RED)
    y = lines("label", data.label, 32, y + 5, 2, fill=INK)
    y = lines("unit", data.unit, 28, y, 1, fill=MUTED)
    story_bottom = HEIGHT - CODE_SIZE - 90
    room = max(0, (story_bottom - y - 10) // int(26 * 1.3))
    if data.story and room:
        lines("story", data.story, 26, y + 10, min(room, 4), fill=INK)

    # The mini-program code, bottom left; the footer beside it.
    code_box = (MARGIN, HEIGHT - CODE_SIZE - 50, MARGIN + CODE_SIZE, HEIGHT - 50)
    placeholder = code is None
    if code is not None:
        try:
            qr = Image.open(io.BytesIO(code)).convert("RGB")
            img.paste(qr.resize((CODE_SIZE, CODE_SIZE)), code_box[:2])  # a square code
        except Exception:  # noqa: BLE001 - an unreadable code is drawn as the placeholder
            placeholder = True
    if placeholder:
        draw.rectangle(code_box, outline=INK, width=3)
        f = font(22)
        draw.text(
            (code_box[0] + 30, code_box[1] + CODE_SIZE // 2 - 14),
            "小程序码暂不可用",
            font=f,
            fill=INK,
        )
    boxes["code"] = code_box
    f = font(34)
    fx = code_box[2] + 30
    for n, line in enumerate(wrap(draw, data.footer, f, WIDTH - fx - MARGIN, 2)):
        at = (fx, code_box[1] + 60 + n * 48)
        draw.text(at, line, font=f, fill=RED)
        boxes[f"footer.{n}"] = draw.textbbox(at, line, font=f)

    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return Poster(buf.getvalue(), img.size, boxes, picture is None, placeholder)


def candidate_poster_data(campaign, candidate) -> PosterData:
    from models.votes import CATEGORY_NAMES

    person = candidate.person
    return PosterData(
        heading=campaign.title,
        name=person.name,
        unit=person.unit.name if person.unit else "",
        label=f"“{CATEGORY_NAMES.get(candidate.category, candidate.category)}”候选人",
        story=candidate.story or "",
        footer="长按识别小程序码，为TA投票",
        scene=f"c={campaign.id}&k={candidate.id}",
    )


def photo_bytes(name: str | None) -> bytes | None:
    """A candidate photo's bytes if WeChat's image check passed it; None otherwise."""
    from werkzeug.exceptions import NotFound

    from votes.share import read_photo

    if not name:
        return None
    try:
        return read_photo(name).data
    except NotFound:
        return None


def candidate_poster(campaign, candidate, font_path: str, max_pixels: int) -> bytes:
    """The candidate's poster PNG, from the cache while nothing on it changed."""
    from votes.share import share_code

    data = candidate_poster_data(campaign, candidate)
    key = cache_key(data, candidate.photo, _code_id())
    png = cached(key)
    if png is not None:
        return png
    try:
        code = share_code(campaign.id, candidate.id).data
    except Exception as exc:  # noqa: BLE001 - the poster renders with a placeholder instead
        log.warning("candidate %s: no mini-program code (%s)", candidate.id, exc)
        code = None
    png = render(data, font_path, photo_bytes(candidate.photo), code, max_pixels).png
    if code is not None:
        remember(key, png)
    return png


def _code_id() -> str:
    """Which mini-program build the codes open (a change of build makes new posters)."""
    from wechat import get_wechat

    client = get_wechat()
    return client.env_version if client is not None else "demo"
