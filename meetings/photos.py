"""The meetings' side of photos: what a meeting photo is used for (media/ owner "meeting")."""

from __future__ import annotations

from media import owners
from models import Meeting, MeetingPhoto, Upload, db


def _use(upload: Upload) -> owners.Use | None:
    link = db.session.scalar(db.select(MeetingPhoto).where(MeetingPhoto.upload_id == upload.id))
    meeting = db.session.get(Meeting, link.meeting_id) if link else None
    if meeting is None:
        return None
    return owners.Use(f"会议「{meeting.topic}」的照片", None, meeting.branch_id)


def register_owner() -> None:
    owners.register("meeting", owners.Owner(describe=_use))
