"""The zones' side of photos: what a danger's or patrol's photo is used for (registered with
media/ as the owner of purpose "danger")."""

from __future__ import annotations

from sqlalchemy import select

from media import owners
from models import Danger, Patrol, Upload, Zone, ZonePhoto, db
from zones.dangers import DETAIL_PAGE


def _use(upload: Upload) -> owners.Use | None:
    link = db.session.scalar(select(ZonePhoto).where(ZonePhoto.upload_id == upload.id))
    if link is None:
        return None
    if link.danger_id is not None:
        danger = db.session.get(Danger, link.danger_id)
        if danger is None:
            return None
        return owners.Use(
            "隐患整改照片" if link.stage == "fix" else "隐患报告照片",
            DETAIL_PAGE.format(id=danger.id),
            danger.unit.branch_id,
            anonymous=danger.anonymous and link.stage != "fix",
        )
    patrol = db.session.get(Patrol, link.patrol_id) if link.patrol_id else None
    zone = db.session.get(Zone, patrol.zone_id) if patrol else None
    if zone is None:
        return None
    return owners.Use(f"责任区「{zone.name}」的巡查照片", None, zone.unit.branch_id)


def register_owner() -> None:
    owners.register("danger", owners.Owner(describe=_use))
