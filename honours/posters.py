"""An honour's shareable poster: the votes poster's layout with the honour's title and citation,
and the mini-program code that opens the honour's page (scene "h=<id>"). The photo is the
honour's own (a campaign honouree's candidate photo), else the person's photo (the one the zone
placard draws: an 优秀班组长's), else the placeholder."""

from __future__ import annotations

import logging

from honours.settings import honour_page
from media.store import read
from models import Honour, MemberPhoto, Upload, db
from votes import poster

log = logging.getLogger(__name__)


def honour_poster_data(honour: Honour) -> poster.PosterData:
    person = honour.person
    return poster.PosterData(
        heading="荣誉榜 · 选树典型",
        name=person.name if person else (honour.unit.name if honour.unit else ""),
        unit=honour.unit.name if honour.unit and person else "",
        label=honour.title,
        story=honour.citation or "",
        footer="长按识别小程序码，查看TA的荣誉",
        scene=f"h={honour.id}",
    )


def portrait_of(honour: Honour) -> Upload | None:
    """The person's photo when the honour has none of its own (never a withdrawn one)."""
    if honour.photo or honour.person_id is None:
        return None
    upload = db.session.scalar(
        db.select(Upload)
        .join(MemberPhoto, MemberPhoto.upload_id == Upload.id)
        .where(MemberPhoto.person_id == honour.person_id)
    )
    return upload if upload is not None and upload.check_status != "risky" else None


def _photo(honour: Honour, portrait: Upload | None) -> bytes | None:
    if portrait is None:
        return poster.photo_bytes(honour.photo)
    try:
        return read(portrait)
    except Exception:  # noqa: BLE001 - a lost file draws the placeholder, never a 500
        return None


def honour_code(honour: Honour) -> bytes | None:
    """The honour page's mini-program code from WeChat; a placeholder in demo mode; None when
    WeChat cannot answer now."""
    from votes.share import placeholder_code
    from wechat import get_wechat

    client = get_wechat()
    if client is None:
        return placeholder_code(0, honour.id)
    try:
        return client.share_code(f"h={honour.id}", honour_page()).data
    except Exception as exc:  # noqa: BLE001 - the poster renders with a placeholder instead
        log.warning("honour %s: no mini-program code (%s)", honour.id, exc)
        return None


def honour_poster(honour: Honour, font_path: str, max_pixels: int) -> bytes:
    """The honour's poster PNG, from the cache while nothing on it changed."""
    data = honour_poster_data(honour)
    portrait = portrait_of(honour)
    photo_key = f"portrait:{portrait.id}" if portrait is not None else honour.photo
    key = poster.cache_key(data, photo_key, poster._code_id())
    png = poster.cached(key)
    if png is not None:
        return png
    code = honour_code(honour)
    png = poster.render(data, font_path, _photo(honour, portrait), code, max_pixels).png
    if code is not None:
        poster.remember(key, png)
    return png
