"""Micro-wishes (群众微心愿) and image uploads over HTTP."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from domain_errors import NotFound
from media import signing, store
from media.errors import ImageInvalid, ImageTooLarge
from media.storage import StorageError
from miniapp_api import body
from miniapp_api.attempts import AttemptLimit, account_key, limited
from miniapp_api.auth import (
    current_principal,
    login_required,
)
from miniapp_api.extensions import limiter
from miniapp_api.fields import Pattern
from miniapp_api.pagination import page_of
from models import Branch, Upload, Wish, db
from spreadsheets import XLSX_MIME
from web import unit_of_work
from web.downloads import attachment, file_name
from wishes import export, photos, privacy, queries, services
from wishes.schemas import (
    ConfirmIn,
    FulfilIn,
    ManagedQuery,
    OptionalReasonIn,
    PoolQuery,
    ReasonIn,
    ReviewIn,
    StatsQuery,
    StatusQuery,
    WishIn,
)

blp = Blueprint("wishes", __name__, url_prefix="/api/v1", description="群众微心愿与图片上传")


# -- schemas ------------------------------------------------------------------------------


class WishCreated(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)


class WishPersonRef(ma.Schema):
    id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)


class WishBranchRef(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class WishPhotoOut(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    check = ma.fields.String(metadata={"enum": ["checking", "pass", "risky"]})


class WishEventOut(ma.Schema):
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    actor = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class WishSummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    branch = ma.fields.Nested(WishBranchRef)
    wisher = ma.fields.Nested(
        WishPersonRef, metadata={"description": "公开列表中为脱敏姓名（张*），无电话"}
    )
    claimer = ma.fields.Nested(WishPersonRef, allow_none=True)
    created_at = ma.fields.DateTime()
    claim_deadline = ma.fields.DateTime(allow_none=True)


class WishDetail(WishSummary):
    content = ma.fields.String()
    content_check = ma.fields.String(allow_none=True)
    on_behalf = ma.fields.Boolean()
    author = ma.fields.Nested(WishPersonRef, allow_none=True)
    source_talk_id = ma.fields.Integer(allow_none=True)
    reviewed_at = ma.fields.DateTime(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    claimed_at = ma.fields.DateTime(allow_none=True)
    fulfil_note = ma.fields.String(allow_none=True)
    fulfilled_at = ma.fields.DateTime(allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(WishPhotoOut))
    rating = ma.fields.Integer(allow_none=True)
    thanks = ma.fields.String(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    closed_reason = ma.fields.String(allow_none=True)
    my_relation = ma.fields.List(ma.fields.String())
    actions = ma.fields.List(ma.fields.String())
    history = ma.fields.List(ma.fields.Nested(WishEventOut), allow_none=True)


class MonthCount(ma.Schema):
    month = ma.fields.String()
    posted = ma.fields.Integer()
    completed = ma.fields.Integer()
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class UploadOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    check = ma.fields.String(
        required=True,
        metadata={
            "enum": ["checking", "pass", "risky"],
            "description": "微信图片安全检测：checking 时仅上传者、支部书记和党委可见",
        },
    )
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    content_type = ma.fields.String()


class UploadFile(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class SignedQuery(ma.Schema):
    expires = ma.fields.Integer(load_default=None, validate=ma.validate.Range(0, 2**40))
    sig = ma.fields.String(load_default=None, validate=Pattern(r"^[0-9a-f]{0,64}$"))


# -- helpers ------------------------------------------------------------------------------


def photo_url(upload: Upload) -> str:
    """A signed link the mini-program's <image> can load without a token."""
    expires, sig = signing.sign(upload.id)
    return url_for("wishes.UploadContent", upload_id=upload.id, expires=expires, sig=sig)


def _detail(wish: Wish) -> dict[str, Any]:
    p = current_principal()
    return privacy.detail(wish, p, photo_url, services.history(wish.id))


# Only stored wishes count; the attempt is counted first and given back for any refusal.
WISH_POSTS = AttemptLimit(
    "wishes-post",
    lambda: current_app.config["WISH_POST_LIMITS"],
    account_key,
    lambda status: status == 201,
)


# -- the wisher's and the pool's views ---------------------------------------------------------


@blp.route("/wishes")
class WishesView(MethodView):
    @limited(WISH_POSTS)
    @blp.arguments(WishIn)
    @blp.response(201, WishCreated)
    @login_required()
    def post(self, data: dict[str, Any]):
        """Post a wish; it waits for the branch secretary's review."""
        person = current_principal().person
        wish = services.submit_wish(person, data["title"], data["content"], data["category"])
        unit_of_work.flush()
        return {"id": wish.id, "status": wish.status}

    @blp.arguments(PoolQuery, location="query")
    @blp.response(200, WishSummary(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """The public pool of the caller's mine (default status=open); wishers masked."""
        p = current_principal()
        stmt = queries.public_pool(p, query["status"], query["category"], query["branch_id"])
        return [privacy.summary(w, p) for w in page_of(stmt, pagination_parameters)]


@blp.route("/wishes/mine")
class MyWishesView(MethodView):
    @blp.arguments(StatusQuery, location="query")
    @blp.response(200, WishSummary(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """Wishes I posted (for myself or for an employee)."""
        p = current_principal()
        stmt = queries.my_wishes(p, query["status"])
        return [privacy.summary(w, p) for w in page_of(stmt, pagination_parameters)]


@blp.route("/wishes/claims")
class MyClaimsView(MethodView):
    @blp.arguments(StatusQuery, location="query")
    @blp.response(200, WishSummary(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """Wishes I have claimed (claimed, fulfilled, completed, or closed while mine)."""
        p = current_principal()
        stmt = queries.my_claims(p, query["status"])
        return [privacy.summary(w, p) for w in page_of(stmt, pagination_parameters)]


@blp.route("/wishes/<int:wish_id>")
class WishView(MethodView):
    @blp.response(200, WishDetail)
    @login_required()
    def get(self, wish_id: int):
        """A wish; the wisher's name and phone only for the claimer, secretary and committee."""
        return _detail(services.get_visible(current_principal(), wish_id))


@blp.route("/wishes/<int:wish_id>/review")
class ReviewView(MethodView):
    @blp.arguments(ReviewIn)
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, data: dict[str, Any], wish_id: int):
        """Approve or reject (with a reason): the secretary of the wisher's branch."""
        wish = services.review_wish(current_principal(), wish_id, data["approve"], data["reason"])
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/claim")
class ClaimView(MethodView):
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, wish_id: int):
        """Claim an open wish (party members); 409 already_claimed / claim_limit."""
        wish = services.claim_wish(current_principal(), wish_id)
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/release")
class ReleaseView(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, data: dict[str, Any], wish_id: int):
        """Give a claimed wish back to the pool, with a reason (the claimer)."""
        wish = services.release_wish(current_principal(), wish_id, data["reason"])
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/fulfil")
class FulfilView(MethodView):
    @blp.arguments(FulfilIn)
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, data: dict[str, Any], wish_id: int):
        """Mark fulfilled with a note and photos from /uploads (the claimer)."""
        wish = services.fulfil_wish(current_principal(), wish_id, data["note"], data["photo_ids"])
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/confirm")
class ConfirmView(MethodView):
    @blp.arguments(ConfirmIn)
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, data: dict[str, Any], wish_id: int):
        """Confirm fulfilment with a rating 1..5 and thanks (the wisher)."""
        wish = services.confirm_wish(current_principal(), wish_id, data["rating"], data["thanks"])
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/withdraw")
class WithdrawView(MethodView):
    @blp.arguments(OptionalReasonIn, required=False)
    @blp.response(200, WishDetail)
    @login_required()
    def post(self, data: dict[str, Any], wish_id: int):
        """Withdraw a wish before anyone claims it (the wisher)."""
        wish = services.withdraw_wish(current_principal(), wish_id, data.get("reason"))
        unit_of_work.flush()
        return _detail(wish)


@blp.route("/wishes/<int:wish_id>/close")
class CloseView(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, WishDetail)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], wish_id: int):
        """Close a wish with a reason (the branch secretary or committee)."""
        wish = services.close_wish(current_principal(), wish_id, data["reason"])
        unit_of_work.flush()
        return _detail(wish)


# -- secretaries and committee --------------------------------------------------------------


@blp.route("/admin/wishes")
class ManagedWishesView(MethodView):
    @blp.arguments(ManagedQuery, location="query")
    @blp.response(200, WishSummary(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Wishes of my branch (secretary) or mine (committee), by status, month, category."""
        p = current_principal()
        stmt = queries.managed(
            p, query["branch_id"], query["status"], query["month"], query["category"]
        )
        return [privacy.summary(w, p) for w in page_of(stmt, pagination_parameters)]


@blp.route("/admin/wishes/stats")
class WishStatsView(MethodView):
    @blp.arguments(StatsQuery, location="query")
    @blp.response(200, MonthCount(many=True))
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """Counts per China-time month of a year: posted (by status) and completed."""
        return queries.monthly_counts(current_principal(), query["year"], query["branch_id"])


@blp.route("/admin/wishes/export.xlsx")
class WishExportView(MethodView):
    @blp.arguments(ManagedQuery, location="query")
    @blp.response(200, content_type=XLSX_MIME)
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The wishes (and their history) as a workbook: the 台账 inspections ask for."""
        p = current_principal()
        stmt = queries.managed(
            p, query["branch_id"], query["status"], query["month"], query["category"]
        )
        data = export.workbook(db.session.scalars(stmt).all())
        branch = db.session.get(Branch, query["branch_id"]) if query["branch_id"] else None
        name = file_name("wishes", (branch.name, branch.id) if branch else None)
        return attachment(data, name, XLSX_MIME)


# -- uploads ----------------------------------------------------------------------------------


@blp.route("/uploads")
class UploadsView(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["UPLOAD_LIMITS"], key_func=account_key, scope="uploads"
        )
    ]

    @blp.arguments(UploadFile, location="files")
    @blp.response(201, UploadOut)
    @blp.doc(**body.image_upload_doc())
    @login_required()
    def post(self, files: dict[str, Any]):
        """Upload a jpeg/png/webp image (≤ 5 MB, by content); EXIF location is stripped. Until
        WeChat's image check passes it, only the uploader, secretary and committee see it."""
        storage_file = files["file"]
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        data = storage_file.stream.read(limit + 1)
        if len(data) > limit:
            raise ImageTooLarge()
        if not data:
            # An empty file is no image: the image's own reason, like a damaged one.
            raise ImageInvalid(message="文件为空，请重新上传", errors={"file": ["文件为空"]})
        upload = store.store_upload(current_principal().person, data)
        unit_of_work.flush()
        return {
            "id": upload.id,
            "url": photo_url(upload),
            "check": store.public_check(upload),
            "width": upload.width,
            "height": upload.height,
            "content_type": upload.content_type,
        }


@blp.route("/uploads/<int:upload_id>/content", endpoint="UploadContent")
class UploadContent(MethodView):
    @blp.doc(security=[])
    @blp.arguments(SignedQuery, location="query")
    @blp.response(200, content_type="image/*")
    def get(self, query: dict[str, Any], upload_id: int):
        """The image: with the signed link from a wish or upload answer, or a bearer token of
        someone allowed to see it."""
        upload = db.session.get(Upload, upload_id)
        if upload is None or upload.check_status == "risky":
            raise NotFound()  # withdrawn: not even a signed link shows it
        signed = query["expires"] is not None and signing.verify(
            upload_id, query["expires"], query["sig"]
        )
        if not signed and not photos.may_view(current_principal(), upload):
            raise NotFound()
        try:
            data = store.read(upload)
        except StorageError as exc:
            raise NotFound() from exc
        response = Response(data, mimetype=upload.content_type)
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
