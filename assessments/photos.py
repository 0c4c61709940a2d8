"""Evidence photos on deductions (issue 21 item 3), through the media pipeline.

A scorer uploads photos with POST /uploads (purpose "wish" until used, like every photo) and
names them in `photo_ids` when scoring: they become purpose "assessment" in one conditional
UPDATE (only the caller's own, unused, not judged risky) and are linked to the deduction
(unique upload: a photo is on one deduction only). The links show on the team's sheet, so a
photo is seen by whoever sees that line: the committee, the scoring office, the team itself.
media/ learns from `describe` what the photo is for and whose secretaries judge it (the
team's branch) when WeChat's image check asks for a person's judgement.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select, update

from assessments.errors import PhotoNotUsable, TooManyPhotos
from media import owners
from models import Deduction, DeductionPhoto, SheetItem, Unit, Upload, db

PURPOSE = "assessment"
MAX_PHOTOS = 3


def set_photos(person_id: int, deduction: Deduction, photo_ids: list[int]) -> None:
    """Make the deduction's evidence photos exactly `photo_ids`: keep those already on it,
    attach the caller's new uploads, unlink the others (the caller commits)."""
    wanted = list(dict.fromkeys(photo_ids))
    if len(wanted) > MAX_PHOTOS:
        raise TooManyPhotos(errors={"photo_ids": [f"最多 {MAX_PHOTOS} 张"]})
    current = set(
        db.session.scalars(
            select(DeductionPhoto.upload_id).where(DeductionPhoto.deduction_id == deduction.id)
        )
    )
    new = sorted(set(wanted) - current)
    gone = sorted(current - set(wanted))
    if gone:
        db.session.execute(
            delete(DeductionPhoto)
            .where(DeductionPhoto.deduction_id == deduction.id, DeductionPhoto.upload_id.in_(gone))
            .execution_options(synchronize_session=False)
        )
    if not new:
        return
    moved = db.session.execute(
        update(Upload)
        .where(
            Upload.id.in_(new),
            Upload.owner_id == person_id,
            Upload.purpose == "wish",
            Upload.wish_id.is_(None),
            Upload.check_status != "risky",
        )
        .values(purpose=PURPOSE)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != len(new):
        raise PhotoNotUsable(errors={"photo_ids": ["须为您本人上传且未使用的照片"]})
    for upload_id in new:
        db.session.add(
            DeductionPhoto(deduction_id=deduction.id, upload_id=upload_id, added_by_id=person_id)
        )
    db.session.flush()


def photos_by_deduction(deduction_ids: list[int]) -> dict[int, list[Upload]]:
    """Deduction id → its evidence photos (uploads), in the order they were added."""
    found: dict[int, list[Upload]] = defaultdict(list)
    if not deduction_ids:
        return found
    for link, upload in db.session.execute(
        select(DeductionPhoto, Upload)
        .join(Upload, Upload.id == DeductionPhoto.upload_id)
        .where(DeductionPhoto.deduction_id.in_(sorted(set(deduction_ids))))
        .order_by(DeductionPhoto.id)
    ).tuples():
        found[link.deduction_id].append(upload)
    return found


def _use(upload: Upload) -> owners.Use | None:
    row = db.session.execute(
        select(Unit.name, Unit.branch_id, SheetItem.title)
        .select_from(DeductionPhoto)
        .join(Deduction, Deduction.id == DeductionPhoto.deduction_id)
        .join(Unit, Unit.id == Deduction.team_id)
        .join(SheetItem, SheetItem.id == Deduction.item_id)
        .where(DeductionPhoto.upload_id == upload.id)
    ).first()
    if row is None:
        return None
    team, branch_id, title = row
    return owners.Use(f"{team}考核「{title}」扣分的证据照片", None, branch_id)


def register_owner() -> None:
    owners.register(PURPOSE, owners.Owner(describe=_use))
