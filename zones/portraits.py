"""A person's photo for the zone placard (issue 24 item 1), through the media pipeline.

The person (or the secretary of their branch, or the committee of their mine) uploads a photo
with POST /uploads and names it: it becomes purpose "portrait" (only the caller's own, unused,
not judged risky — one conditional UPDATE) and replaces the person's previous photo (one row per
person, unique). A photo WeChat withdraws is not drawn: the placard shows the placeholder.
media/ learns from `describe` what the photo is for and whose secretaries judge it.
"""

from __future__ import annotations

from sqlalchemy import select, update

from accounts.principal import Principal
from domain_errors import NotFound
from media import owners
from media.store import read
from models import MemberPhoto, Person, Upload, db, utcnow
from models.unit_of_work import insert_once
from zones.errors import NotPhotoManager, PhotoNotUsable

PURPOSE = "portrait"


def _person(principal: Principal, person_id: int) -> Person:
    """The person whose photo the caller may set: themself, or one of a branch they manage."""
    me = principal.require_bound()
    person = db.session.get(Person, person_id)
    if person is None or person.mine_id != me.mine_id:
        raise NotFound("花名册中没有这个人")
    if person.id != me.id and not principal.manages_branch(person.branch_id, person.mine_id):
        raise NotPhotoManager()
    return person


def set_photo(principal: Principal, person_id: int, photo_id: int) -> MemberPhoto:
    """Make an upload of the caller's the person's photo (replacing the last one)."""
    person = _person(principal, person_id)
    me = principal.person
    moved = db.session.execute(
        update(Upload)
        .where(
            Upload.id == photo_id,
            Upload.owner_id == me.id,
            Upload.purpose == "wish",
            Upload.wish_id.is_(None),
            Upload.check_status != "risky",
        )
        .values(purpose=PURPOSE)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise PhotoNotUsable()
    now = utcnow()
    row = db.session.scalar(select(MemberPhoto).where(MemberPhoto.person_id == person.id))
    if row is None:
        row = MemberPhoto(person_id=person.id, upload_id=photo_id, set_by_id=me.id, set_at=now)
        if insert_once(row):
            return row
        # Set by someone else at the same instant: replace theirs.
        row = db.session.scalar(select(MemberPhoto).where(MemberPhoto.person_id == person.id))
    row.upload_id, row.set_by_id, row.set_at = photo_id, me.id, now
    db.session.flush()
    return row


def photo_of(person_id: int) -> Upload | None:
    """The person's photo, unless withdrawn."""
    upload = db.session.scalar(
        select(Upload)
        .join(MemberPhoto, MemberPhoto.upload_id == Upload.id)
        .where(MemberPhoto.person_id == person_id)
    )
    return upload if upload is not None and upload.check_status != "risky" else None


def photo_bytes(person_id: int) -> bytes | None:
    """The photo's bytes for drawing, or None (none set, withdrawn, or the store lost it)."""
    upload = photo_of(person_id)
    if upload is None:
        return None
    try:
        return read(upload)
    except Exception:  # noqa: BLE001 - a missing file draws the placeholder, never a 500
        return None


def _use(upload: Upload) -> owners.Use | None:
    person = db.session.scalar(
        select(Person)
        .join(MemberPhoto, MemberPhoto.person_id == Person.id)
        .where(MemberPhoto.upload_id == upload.id)
    )
    if person is None:
        return None
    return owners.Use(f"{person.name}的照片（责任区牌）", None, person.branch_id)


def register_owner() -> None:
    owners.register(PURPOSE, owners.Owner(describe=_use))
