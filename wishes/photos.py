"""The wish's side of photos: which photo proves which wish, who may see a photo, and the
secretary's review of photos WeChat's image check left for a person. Storing, signing and the
checks themselves are media/'s; this module registers the "wish" owner with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from accounts.principal import Principal
from media import checks, owners
from media.store import public_check
from models import Person, Unit, Upload, Wish, db, utcnow
from people import branch_of
from wishes import services
from wishes.errors import PhotoNotJudgeable, WishNotFound


def _wish_use(upload: Upload) -> owners.Use | None:
    """A proof photo is used on its wish (None until it is attached to one)."""
    if upload.wish_id is None:
        return None
    wish = db.session.get(Wish, upload.wish_id)
    if wish is None:
        return None
    return owners.Use(
        f"心愿「{wish.title}」的圆梦照片", services.DETAIL_PAGE.format(id=wish.id), wish.branch_id
    )


def register_owner() -> None:
    """Tell media/ what a wish's photos are used for."""
    owners.register("wish", owners.Owner(describe=_wish_use))


# -- who sees a photo ---------------------------------------------------------------------------


def manages(p: Principal, upload: Upload) -> bool:
    """The secretary of the uploader's branch (or of the wish's), or committee of the mine."""
    owner = upload.owner
    if p.manages_branch(branch_of(owner), owner.mine_id):
        return True
    if upload.wish_id is not None:
        wish = db.session.get(Wish, upload.wish_id)
        return wish is not None and p.manages_branch(wish.branch_id, wish.mine_id)
    return False


def may_view(p: Principal, upload: Upload) -> bool:
    """Withdrawn: nobody. Before WeChat passed it: its uploader and managers. After: anyone
    who may see the wish it proves."""
    if upload.check_status == "risky":
        return False
    if p.person_id is not None and upload.owner_id == p.person_id:
        return True
    if p.person_id is not None and manages(p, upload):
        return True
    if upload.check_status != "pass" or upload.wish_id is None:
        return False
    try:
        services.get_visible(p, upload.wish_id)
    except Exception:  # noqa: BLE001 - not visible is the only answer wanted here
        return False
    return True


def shown_on_wish(p: Principal, wish: Wish) -> list[Upload]:
    """The proof photos of a wish this viewer may see (never a withdrawn one)."""
    uploads = services.photos_of(wish.id)
    rel = services.relations(p, wish)
    managers = bool(rel & {"secretary", "committee"})
    return [
        u
        for u in uploads
        if u.check_status == "pass"
        or (u.check_status != "risky" and (managers or u.owner_id == p.person_id))
    ]


# -- the secretary's review -----------------------------------------------------------------------


def managed_scope(p: Principal):
    """Uploads whose uploader (or wish) is in a branch the caller manages, or their mine."""
    p.require("secretary", "committee")
    conditions = []
    if p.secretary_of:
        branch_ids = list(p.secretary_of)
        conditions.append(Person.branch_id.in_(branch_ids))
        conditions.append(Person.branch_id.is_(None) & Unit.branch_id.in_(branch_ids))
        conditions.append(Wish.branch_id.in_(branch_ids))
    if p.committee_of:
        conditions.append(Person.mine_id.in_(list(p.committee_of)))
    return (
        select(Upload)
        .join(Person, Person.id == Upload.owner_id)
        .join(Unit, Unit.id == Person.unit_id)
        .outerjoin(Wish, Wish.id == Upload.wish_id)
        .where(or_(*conditions))
    )


def review_queue(p: Principal, status: str | None = "review"):
    """Photos for the caller to look at (default: those waiting for a judgement), oldest first."""
    stmt = managed_scope(p)
    if status:
        stmt = stmt.where(Upload.check_status == status)
    return stmt.order_by(Upload.created_at, Upload.id)


def judge(p: Principal, upload_id: int, approve: bool, reason: str | None) -> Upload:
    """A secretary's (or committee's) verdict: approve a photo waiting for review, or withdraw
    any photo that is not withdrawn already."""
    person = p.require("secretary", "committee")
    upload = db.session.get(Upload, upload_id, with_for_update=True)
    if upload is None or not manages(p, upload):
        raise WishNotFound("图片不存在或无权查看")
    now = utcnow()
    if approve:
        if upload.check_status != "review":
            raise PhotoNotJudgeable()
        checks.set_verdict(upload, "pass", reason or "approved", now, person.id)
    else:
        if upload.check_status == "risky":
            raise PhotoNotJudgeable("该图片已撤下")
        why = (reason or "").strip() or "经支部书记审核，该图片不宜公开"
        checks.withdraw(upload, why, now, person.id)
    return upload


ANONYMOUS = {"id": None, "name": "匿名"}


def review_row(upload: Upload, viewer: Principal) -> dict[str, Any]:
    """What the secretary's list shows of a photo (the caller adds the link). The uploader of a
    photo of an anonymous report is named to the committee only, as the report is."""
    use = owners.use_of(upload)
    named = not use.anonymous or upload.owner.mine_id in viewer.committee_of
    return {
        "id": upload.id,
        "purpose": upload.purpose,
        "use": use.what,
        "wish_id": upload.wish_id,
        "status": upload.check_status,
        "check": public_check(upload),
        "note": upload.check_note,
        "label": upload.check_label,
        "uploader": {"id": upload.owner.id, "name": upload.owner.name} if named else ANONYMOUS,
        "created_at": upload.created_at,
        "checked_at": upload.checked_at,
    }
