"""Photos waiting for a person: the branch secretary's (or committee's) review of photos that
WeChat's image check could not clear."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from inputs import Boolean
from miniapp_api.auth import current_principal, login_required
from miniapp_api.fields import Text
from miniapp_api.pagination import page_of
from miniapp_api.wishes_api import photo_url
from models import UPLOAD_CHECKS
from people import MAX_ID
from web import unit_of_work
from wishes import photos
from wishes.errors import WishNotFound

blp = Blueprint(
    "photo_review", __name__, url_prefix="/api/v1", description="图片人工复核（支部书记、党委）"
)


class PhotoQuery(ma.Schema):
    status = ma.fields.String(load_default="review", validate=ma.validate.OneOf(UPLOAD_CHECKS))


class UploaderRef(ma.Schema):
    id = ma.fields.Integer(
        allow_none=True, metadata={"description": "null：匿名报告的照片（仅党委可见上传人）"}
    )
    name = ma.fields.String(metadata={"description": "匿名报告的照片为「匿名」"})


class ReviewPhotoOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(allow_none=True)
    purpose = ma.fields.String(
        metadata={"enum": ["wish", "candidate", "danger", "assessment", "portrait"]}
    )
    use = ma.fields.String()
    wish_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(
        metadata={
            "enum": list(UPLOAD_CHECKS),
            "description": "review：等待人工判断（微信建议复核、未能检测或超时未返回）",
        }
    )
    check = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    label = ma.fields.Integer(allow_none=True)
    uploader = ma.fields.Nested(UploaderRef)
    created_at = ma.fields.DateTime()
    checked_at = ma.fields.DateTime(allow_none=True)


class JudgeIn(ma.Schema):
    approve = Boolean(required=True)
    reason = Text(200, multiline=True, load_default=None, allow_none=True)


def _row(upload) -> dict[str, Any]:
    row = photos.review_row(upload, current_principal())
    row["url"] = photo_url(upload) if upload.check_status != "risky" else None
    return row


@blp.route("/admin/photos")
class ReviewQueueView(MethodView):
    @blp.arguments(PhotoQuery, location="query")
    @blp.response(200, ReviewPhotoOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Photos of my branch (secretary) or mine (committee) by check status; default the
        ones waiting for a person's judgement, oldest first."""
        stmt = photos.review_queue(current_principal(), query["status"])
        return [_row(u) for u in page_of(stmt, pagination_parameters)]


@blp.route("/admin/photos/<int:upload_id>/judge")
class JudgeView(MethodView):
    @blp.arguments(JudgeIn)
    @blp.response(200, ReviewPhotoOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], upload_id: int):
        """Approve a photo waiting for review (it becomes public), or withdraw any photo (its
        uploader is told why)."""
        if upload_id > MAX_ID:
            raise WishNotFound("图片不存在或无权查看")
        upload = photos.judge(current_principal(), upload_id, data["approve"], data["reason"])
        unit_of_work.flush()
        return _row(upload)
