"""图片审核: the photos WeChat's image check left for a person (review, no verdict in time,
WeChat could not check), judged pass or withdrawn; and the console's own image links, which
show a photo to whoever may see it before WeChat's verdict (its uploader and managers)."""

from __future__ import annotations

from flask import Response, render_template, request
from sqlalchemy.orm import joinedload

from console.auth import done, principal
from console.blueprint import bp
from console.tables import arg_str, paginate
from console.views.branch import _form
from domain_errors import InvalidInput, NotFound
from inputs import MAX_ID
from media.store import read
from models import UPLOAD_CHECKS, Upload, db
from web import unit_of_work
from wishes import photos


def _upload(upload_id: int) -> Upload:
    upload = db.session.get(Upload, upload_id) if 0 < upload_id <= MAX_ID else None
    if upload is None:
        raise NotFound("图片不存在或无权查看")
    return upload


@bp.get("/photos")
def photo_review():
    """Photos of the caller's branch (secretary) or mine (committee) by check status; by
    default those waiting for a person, oldest first."""
    p = principal()
    p.require("secretary", "committee")
    status = arg_str("status", 16, UPLOAD_CHECKS) if "status" in request.args else "review"
    stmt = photos.review_queue(p, status or None).options(joinedload(Upload.owner))
    page = paginate(
        stmt,
        {"created_at": Upload.created_at, "checked_at": Upload.checked_at},
        "created_at",
        "asc" if status == "review" else "desc",
        tiebreak=Upload.id,
    )
    rows = [photos.review_row(u, p) | {"upload": u} for u in page.items]
    return render_template(
        "photos/review.html", page=page, rows=rows, status=status, statuses=UPLOAD_CHECKS
    )


@bp.get("/photos/<int:upload_id>/image")
def photo_image(upload_id: int):
    """A photo's bytes for the console (its uploader, managers; anyone once it passed; nobody
    once withdrawn), as the API decides who may see it."""
    upload = _upload(upload_id)
    if not photos.may_view(principal(), upload):
        raise NotFound("图片不存在或无权查看")
    return Response(
        read(upload),
        mimetype=upload.content_type,
        headers={"Cache-Control": "private, no-store"},
    )


@bp.post("/photos/<int:upload_id>/judge")
def photo_judge(upload_id: int):
    """Pass a photo waiting for review (it becomes public), or withdraw a photo with a reason
    (taken down everywhere; its uploader is told why)."""
    decision = request.form.get("decision")
    if decision not in ("pass", "withdraw"):
        raise InvalidInput(errors={"decision": ["请选择通过或撤下"]})
    reason = _form("reason", 200, multiline=True)
    if decision == "withdraw" and len(reason) < 2:
        raise InvalidInput(errors={"reason": ["撤下图片请填写原因（至少 2 个字），将告知上传人"]})
    upload = photos.judge(principal(), _upload(upload_id).id, decision == "pass", reason or None)
    unit_of_work.flush()
    use = photos.review_row(upload, principal())["use"]
    return done(f"已{'通过' if decision == 'pass' else '撤下'}：{use}")
