"""One error shape for the whole API: `{"detail": [{field, code, message: {zh, en}, row, sheet}]}`.

Input refused by a rule (any `InputRejected`) answers 422 with every problem (an edit over a newer
version 409); PermissionDenied 403;
missing and out-of-scope alike 404 (leak nothing); a malformed body 400; schema errors 422; HttpError (401, CSRF 403, …) its status.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError

from fupin.core.errors import Denied, InputRejected

log = logging.getLogger(__name__)
NOT_FOUND = ("未找到，或不在您的管辖范围内", "not found, or outside your region")


def _error(api, request, status: int, items: list[dict]):
    return api.create_response(request, {"detail": items}, status=status)


def _item(code: str, zh: str, en: str, field: str | None = None, **extra) -> dict:
    return {
        "field": field,
        "code": code,
        "message": {"zh": zh, "en": en},
        "row": None,
        "sheet": None,
        **extra,
    }


def _split(message: str, zh_default: str, en_default: str) -> tuple[str, str]:
    zh, sep, en = str(message).partition(" / ")
    return (zh, en) if sep else (zh_default, en_default)


HTTP_MESSAGES = {
    400: (
        "bad_request",
        "请求格式错误（例如上传的表单不完整）",
        "malformed request (for example an incomplete upload form)",
    ),
    401: (
        "unauthenticated",
        "请先登录，或提供有效的 API 令牌",
        "authentication required: sign in or send a valid token",
    ),
    403: ("forbidden", "您无权执行此操作", "you may not do this"),
    404: ("not_found", *NOT_FOUND),
    405: ("method_not_allowed", "不支持此请求方法", "method not allowed"),
    429: ("throttled", "请求过于频繁，请稍后再试", "too many requests, try again later"),
}


def register_error_handlers(api) -> None:
    """Register the handlers of every error the API answers, in the one error shape."""

    def input_rejected(request, exc: InputRejected):
        return _error(api, request, exc.status, exc.api_items())

    def permission_denied(request, exc: PermissionDenied):
        zh, en = (exc.zh, exc.en) if isinstance(exc, Denied) else _split(str(exc), *HTTP_MESSAGES[403][1:])
        return _error(api, request, 403, [_item("forbidden", zh, en)])

    def not_found(request, exc):
        return _error(api, request, 404, [_item("not_found", *NOT_FOUND)])

    def schema_error(request, exc: SchemaError):
        items = []
        for e in exc.errors:
            loc = [str(x) for x in e.get("loc", ())]
            if loc and loc[0] in ("body", "query", "path", "form", "file", "cookie", "header"):
                loc = loc[1:]
            if loc and loc[0] in ("body", "file"):  # the handler's parameter name
                loc = loc[1:]
            field = ".".join(loc) or None
            msg = e.get("msg", "invalid value")
            items.append(
                _item(
                    f"schema.{e.get('type', 'invalid')}",
                    f"{field or '请求'} 的值无效（{msg}）",
                    f"{field or 'request'}: {msg}",
                    field,
                )
            )
        return _error(api, request, 422, items)

    def http_error(request, exc: HttpError):
        status = exc.status_code
        code, zh, en = HTTP_MESSAGES.get(status, (f"http_{status}", str(exc), str(exc)))
        message = str(exc)
        if "CSRF" in message:
            code, zh, en = (
                "csrf",
                "CSRF 校验失败：请刷新页面后重试",
                "CSRF check failed: reload the page and try again",
            )
        elif status not in (401, 404):
            zh, en = _split(message, zh, en)
        return _error(api, request, status, [_item(code, zh, en)])

    def bad_request(request, exc: Exception):
        # A malformed body (multipart without boundary, too many fields): what Django answers 400 on pages.
        log.warning("bad request on %s %s: %s", request.method, request.path, exc)
        return _error(api, request, 400, [_item(*HTTP_MESSAGES[400])])

    def server_error(request, exc: Exception):
        if settings.DEBUG:
            raise exc  # Django's debug page / ninja's traceback
        log.exception("API error on %s %s", request.method, request.path)
        return _error(
            api,
            request,
            500,
            [
                _item(
                    "server_error",
                    "服务器内部错误，请联系管理员",
                    "internal server error; please contact the administrator",
                )
            ],
        )

    api.add_exception_handler(Exception, server_error)
    api.add_exception_handler(InputRejected, input_rejected)
    for malformed in (MultiPartParserError, BadRequest, SuspiciousOperation):
        api.add_exception_handler(malformed, bad_request)
    api.add_exception_handler(PermissionDenied, permission_denied)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(SchemaError, schema_error)
    api.add_exception_handler(HttpError, http_error)
