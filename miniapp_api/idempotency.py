"""Idempotency-Key on POSTs: a retry with the same key returns the first answer, does nothing."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from domain_errors import DomainError, InvalidInput
from miniapp_api.auth import current_account_id
from models import IdempotencyRecord, db, utcnow
from web import unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")

HEADER = "Idempotency-Key"
# A request that started this long ago and never finished (a crashed worker) may be redone.
STALE_PENDING = timedelta(seconds=60)


class IdempotencyInProgress(DomainError):
    status = 409
    reason = "request_in_progress"
    message = "相同的请求正在处理中，请稍候"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})


class IdempotencyKeyReused(InvalidInput):
    reason = "idempotency_key_reused"
    message = "该请求标识已用于另一个请求"


def _scope() -> str | None:
    """Whose key this is: the logged-in account; None (nothing is remembered) for anonymous
    requests — a login's answer is a bearer token, which must never be stored, nor handed to
    whoever repeats the same body and key. A repeated login simply logs in again."""
    if not request.headers.get("Authorization"):
        return None
    try:
        return f"a:{current_account_id()}"
    except DomainError:
        return None  # the view will answer 401; nothing to remember


def _fingerprint() -> str:
    """What makes two requests the same request: method, path, query and body. A multipart
    body counts by its parsed parts — each field's value, each file's name and content hash —
    not by its bytes: a client's retry draws a new boundary, and it is the same upload."""
    h = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    if request.mimetype == "multipart/form-data":
        h.update(b"multipart\0")
        for name, value in sorted(request.form.items(multi=True)):
            h.update(_framed(name, value.encode("utf-8", "surrogatepass")))
        for name, storage in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            h.update(_framed(name, _content_hash(storage.stream)))
    else:
        h.update(request.get_data())
    return h.hexdigest()


def _framed(name: str, value: bytes) -> bytes:
    key = name.encode("utf-8", "surrogatepass")
    return len(key).to_bytes(4, "big") + key + len(value).to_bytes(8, "big") + value


def _content_hash(stream: Any) -> bytes:
    """SHA-256 of an uploaded file, read in chunks; the stream is rewound for the view."""
    h = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(64 * 1024), b""):
        h.update(chunk)
    stream.seek(0)
    return h.digest()


def before_request() -> Response | None:
    if request.method != "POST" or HEADER not in request.headers:
        return None
    if not request.path.startswith("/api/"):
        return None
    key = request.headers[HEADER].strip()
    if not key or len(key) > 128 or not key.isprintable():
        raise InvalidInput("请求标识无效", errors={HEADER: ["长度为 1 到 128 的可打印字符"]})
    scope = _scope()
    if scope is None:
        return None
    fingerprint = _fingerprint()
    ttl = timedelta(seconds=current_app.config["IDEMPOTENCY_TTL_SECONDS"])
    try:
        claimed = _committed_keeping_loaded(_claim, scope, key, fingerprint, ttl)
    except IntegrityError as exc:
        db.session.rollback()
        raise IdempotencyInProgress() from exc
    if isinstance(claimed, Response):
        return claimed
    g.idempotency_record_id = claimed
    return None


def _committed_keeping_loaded(work: Callable[..., T], *args: Any) -> T:
    """unit_of_work.committed, without expiring what the session already holds at the commit:
    the caller's account and person, loaded for the view, would otherwise be read again by the
    view (two SELECTs on every POST with a key). The claim writes only its own record."""
    session = db.session()
    saved = session.expire_on_commit
    session.expire_on_commit = False
    try:
        return unit_of_work.committed(work, *args)
    finally:
        session.expire_on_commit = saved


def _claim(scope: str, key: str, fingerprint: str, ttl: timedelta) -> int | Response:
    """The pending record of this key (its id), or the first answer to replay. Its own small
    unit of work before the view's: a concurrent retry must see the key taken."""
    now = utcnow()
    record = db.session.scalar(
        db.select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )
    if record is not None:
        expired = record.created_at < now - ttl
        stale = record.status_code is None and record.created_at < now - STALE_PENDING
        if expired or stale:
            db.session.delete(record)
            db.session.flush()
        elif record.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        elif record.status_code is None:
            raise IdempotencyInProgress()
        else:
            response = Response(
                record.body or b"", status=record.status_code, content_type=record.content_type
            )
            response.headers["Idempotent-Replayed"] = "true"
            return response
    record = IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint)
    db.session.add(record)
    db.session.flush()
    return record.id


def after_request(response: Response) -> Response:
    """Remember the answer, after the view's unit of work has committed or rolled back (never
    inside it: no answer is stored for work that did not commit, and a 5xx is not stored)."""
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    try:
        db.session.rollback()  # the view's unit is over; drop anything left over
        unit_of_work.committed(_remember, record_id, response)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not store the idempotent answer")
    return response


def _remember(record_id: int, response: Response) -> None:
    # Written by id, without reading the record back (a record gone meanwhile matches no row).
    records = IdempotencyRecord.__table__
    this = records.c.id == record_id
    # Only final answers are remembered; a 5xx or 429 may be retried with the same key.
    if response.status_code >= 500 or response.status_code == 429:
        db.session.execute(records.delete().where(this))
    else:
        db.session.execute(
            records.update()
            .where(this)
            .values(
                status_code=response.status_code,
                body=response.get_data(),
                content_type=response.content_type,
            )
        )


def init_app(app: Flask) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
