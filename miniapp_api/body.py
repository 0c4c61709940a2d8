"""Request bodies: JSON parsed within limits, every string checked, chunked bodies held to
MAX_CONTENT_LENGTH, and a body the OpenAPI document requires actually required.

The standard library parser takes JSON nested a thousand levels deep (RecursionError), integers
of any length (ValueError past 4,300 digits), NaN and Infinity; werkzeug cuts a chunked body at
the size limit without a word, so the JSON parser saw half a document. Every such case is a 400
(or 413) in the API's error shape here.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from domain_errors import DomainError, InvalidInput
from miniapp_api.fields import NEVER_ALLOWED

MAX_DEPTH = 20  # no request of ours nests more than four levels
MAX_NUMBER_CHARS = 64  # ids, counts and weights; a longer literal is not a number we take
# No request of ours has more than a few dozen fields or list items: a body with more keys or
# values than this is refused while it is parsed, before any schema (500,000 unknown keys cost
# 5 s of validation and a 16 MB list of "unknown field" errors).
MAX_KEYS = 1_000  # object keys in the whole document (a 100-item sheet template is ~600)
MAX_VALUES = 10_000  # values in the whole document (list items included)


class MalformedJson(DomainError):
    status = 400
    reason = "malformed_json"
    message = "请求体不是有效的 JSON"


class TooManyFields(DomainError):
    status = 400
    reason = "too_many_fields"
    message = "请求体的字段过多"


class BodyRequired(InvalidInput):
    reason = "body_required"
    message = "请求体不能为空"


class NotJson(DomainError):
    status = 415
    reason = "unsupported_media_type"
    message = "请求体应为 JSON（Content-Type: application/json）"


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            raise MalformedJson("数字过长")
        value = kind(literal)
        if isinstance(value, float) and not math.isfinite(value):
            raise MalformedJson("数字超出范围")
        return value

    return parse


def _no_constant(name: str) -> Any:
    raise MalformedJson(f"不支持 {name}")


def _keys_counted() -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An object_pairs_hook that refuses the document once it holds MAX_KEYS keys: the count
    is kept across the whole document, and the refusal names no key (a capped answer)."""
    seen = 0

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal seen
        seen += len(pairs)
        if seen > MAX_KEYS:
            raise TooManyFields(f"请求体的字段过多（最多 {MAX_KEYS} 个）")
        return dict(pairs)

    return hook


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed document (iteratively); TooManyFields
    past MAX_VALUES values."""
    deepest, stack, values = 0, [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise TooManyFields(f"请求体的内容过多（最多 {MAX_VALUES} 项）")
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def load_json(data: bytes) -> Any:
    """Parse a request body within the limits above; MalformedJson (400) otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedJson("请求体不是有效的 UTF-8 文本") from exc
    try:
        value = json.loads(
            text,
            parse_int=_number(int),
            parse_float=_number(float),
            parse_constant=_no_constant,
            object_pairs_hook=_keys_counted(),
        )
    except RecursionError as exc:
        raise MalformedJson("JSON 嵌套层级过深") from exc
    except ValueError as exc:
        raise MalformedJson() from exc
    if _depth(value) > MAX_DEPTH:
        raise MalformedJson("JSON 嵌套层级过深")
    return value


def _bad_strings(value: Any, path: str, found: dict[str, list[str]]) -> None:
    """Collect the fields holding a string (or key) that no field may hold."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if NEVER_ALLOWED.search(item):
                found.setdefault(where, ["含有不允许的控制字符或无效字符"])
        elif isinstance(item, dict):
            for key, child in item.items():
                name = where or str(key)
                if isinstance(key, str) and NEVER_ALLOWED.search(key):
                    found.setdefault(name, ["字段名含有无效字符"])
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, where) for child in item)


class BoundaryParser(FlaskParser):
    """webargs' Flask parser with the JSON limits above and one check on every string."""

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        return load_json(data)

    def _load_location_data(self, *, schema: Any, req: Request, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location in ("json", "query", "querystring", "form"):
            found: dict[str, list[str]] = {}
            if location == "json":
                _bad_strings(data, "", found)
            else:
                values = req.form if location == "form" else req.args
                _bad_strings(dict(values.lists()), "", found)
            if found:
                # Keys that are not fields (or not text) are refused here too, so a lone
                # surrogate or a NUL never reaches a column, a log line or an error message.
                raise InvalidInput(errors={_printable(k): v for k, v in found.items()})
        return data


def _printable(name: str) -> str:
    return NEVER_ALLOWED.sub("\ufffd", name)[:64]


# --- the size limit for chunked bodies -------------------------------------------------------


class ChunkedBodyLimit:
    """WSGI middleware: read a body sent without Content-Length (chunked) up to the limit, then
    hand it on with a Content-Length; over the limit, the request is marked for a 413 (and the
    rest of the body is left unread: the server closes the connection after the answer).

    Werkzeug, given such a stream, silently stops reading at MAX_CONTENT_LENGTH."""

    def __init__(self, wsgi_app: Callable, max_bytes: Callable[[], int | None]) -> None:
        self.wsgi_app = wsgi_app
        self.max_bytes = max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            limit = self.max_bytes()
            stream = environ["wsgi.input"]
            data = stream.read(limit + 1) if limit is not None else stream.read()
            if limit is not None and len(data) > limit:
                environ["frontline.body_too_large"] = True
                data = b""
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("wsgi.input_terminated", None)
            # The body is now a plain one of known length (werkzeug ignores Content-Length
            # while Transfer-Encoding is present).
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.wsgi_app(environ, start_response)


def refuse_oversized_body() -> None:
    """413 for a body over MAX_CONTENT_LENGTH, chunked or not, before anything else runs."""
    limit = request.max_content_length
    too_long = limit is not None and (request.content_length or 0) > limit
    if too_long or request.environ.get("frontline.body_too_large"):
        raise RequestEntityTooLarge()


def install_chunked_limit(app: Any) -> None:
    """Wrap the app's WSGI callable; the limit is read per request (tests change it)."""
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, lambda: app.config.get("MAX_CONTENT_LENGTH"))
    app.before_request(refuse_oversized_body)


# --- multipart: only the declared parts, and what the document says they take -----------------

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


class UnknownPart(InvalidInput):
    reason = "validation_error"


def image_upload_doc() -> dict[str, Any]:
    """The OpenAPI of an image upload (`blp.doc(**image_upload_doc())`): the `file` part's
    media types, and the 415 for a file that is none of them (judged by content, not by the
    part's Content-Type)."""
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {"file": {"contentType": ", ".join(IMAGE_TYPES)}}
                }
            }
        },
        "responses": {
            "415": {
                "description": "文件不是 jpeg、png 或 webp 图片（按文件内容判断）",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    }


def _declared_parts(params: list[Any]) -> set[str] | None:
    """The part names a multipart operation declares, or None if it declares no files."""
    names: set[str] | None = None
    for param in params:
        if not isinstance(param, dict) or param.get("in") not in ("files", "form"):
            continue
        schema = param.get("schema")
        if isinstance(schema, type):
            schema = schema()
        fields = getattr(schema, "fields", {})
        names = (names or set()) | {f.data_key or name for name, f in fields.items()}
    return names


def refuse_unknown_parts(view: Any) -> None:
    """422 for a multipart part the operation does not declare, or a declared part sent twice:
    webargs reads only the declared names, so anything else used to be dropped in silence."""
    if request.mimetype != "multipart/form-data":
        return
    params = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    allowed = _declared_parts(params)
    if allowed is None:
        return
    errors: dict[str, list[str]] = {}
    for parts in (request.form, request.files):
        for name in parts:
            if name not in allowed:
                errors[_printable(name)] = ["不支持的字段"]
            elif len(parts.getlist(name)) > 1:
                errors[_printable(name)] = ["只能提交一个"]
            if len(errors) >= 20:
                break
    if errors:
        raise UnknownPart(errors=errors)


# --- a required body is required ---------------------------------------------------------------


def require_declared_body(view: Any) -> None:
    """BodyRequired (422) when the operation documents a required JSON body and none came;
    NotJson (415) when one came in another content type; UnknownPart (422) for a multipart
    part the operation does not declare."""
    refuse_unknown_parts(view)
    params = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    for param in params:
        if not isinstance(param, dict) or param.get("in") != "json":
            continue
        has_body = bool(request.content_length)
        if has_body and not is_json_request(request):
            raise NotJson()
        if param.get("required") and not has_body:
            raise BodyRequired()
