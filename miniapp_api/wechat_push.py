"""WeChat's message push (消息推送) to us: the URL check and the image-check results.

Set in the mini-program console: URL `<PUBLIC_BASE_URL>/api/v1/wechat/push`, Token
WECHAT_PUSH_TOKEN, EncodingAESKey WECHAT_PUSH_AES_KEY (safe mode), data format JSON or XML.
A push whose signature does not check out is refused (403); WeChat is answered `success`
otherwise, also for events we do not use, so it does not push them again.
"""

from __future__ import annotations

import logging

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from media import checks
from miniapp_api.extensions import limiter
from wechat import PushRefused, PushRepeated, get_push_endpoint, media_check_result
from wechat.push import PushNotConfigured

log = logging.getLogger(__name__)

blp = Blueprint(
    "wechat_push", __name__, url_prefix="/api/v1", description="微信消息推送（图片安全检测结果）"
)


def _endpoint():
    endpoint = get_push_endpoint()
    if endpoint is None:
        raise PushNotConfigured()
    return endpoint


@blp.route("/wechat/push")
class PushView(MethodView):
    decorators = [limiter.exempt]

    @blp.doc(security=[])
    @blp.response(200, content_type="text/plain")
    def get(self):
        """WeChat's URL check: answers `echostr` when the signature is WeChat's (403 if not)."""
        echostr = _endpoint().verify_url(request.args)
        return Response(echostr, mimetype="text/plain")

    @blp.doc(security=[])
    @blp.response(200, content_type="text/plain")
    def post(self):
        """A pushed event, signed by WeChat (plain) or encrypted (safe mode); the image-check
        verdict (`wxa_media_check`) withdraws or publishes the photo."""
        endpoint = _endpoint()
        try:
            message = endpoint.open(request.args, request.get_data())
        except PushRefused:
            log.warning("a push to /wechat/push was refused (signature, encryption or replay)")
            raise
        except PushRepeated:
            # WeChat's retry of a push already handled: answered, not applied twice.
            return Response("success", mimetype="text/plain")
        result = media_check_result(message, endpoint.appid)
        if result is not None:
            checks.apply_result(result)
        return Response("success", mimetype="text/plain")
