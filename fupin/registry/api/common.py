"""What every registry API handler shares: the acting user, refusals in the one error shape, If-Match
and ETag (the household's version), pages, code filters and labels.
"""

from __future__ import annotations

import re

from django.http import HttpResponse

from fupin import codes
from fupin.core import versions
from fupin.core.api_types import Page
from fupin.registry.services import ValidationFailed

MAX_PAGE_SIZE = 500


def auth_user(request):
    return request.auth


def code_label(codelist: codes.CodeList, code: str | None) -> dict | None:
    if not code or code not in codelist:
        return None
    c = codelist.get(code)
    return {"zh": c.zh, "en": c.en}


def choice_label(codelist: codes.CodeList, value: str) -> dict:
    return {"zh": codelist.label(value, "zh"), "en": codelist.label(value, "en")}


def refuse(field: str, rule: str, zh: str, en: str, value=None) -> ValidationFailed:
    return ValidationFailed.single(field, rule, zh, en, None if value is None else str(value))


def if_match(request) -> int | None:
    """The household version an edit is based on, from its If-Match header (the ETag of a read, `"v42"`)."""
    token = versions.if_match(request)
    if token is None:
        return None
    if not re.fullmatch(r"v\d{1,18}", token):
        raise versions.BadIfMatch(token)
    return int(token[1:])


def tagged(response: HttpResponse, out: dict) -> dict:
    """Set the ETag of a household read or write (its version) on the response; returns `out`."""
    versions.set_etag(response, f"v{out['version']}")
    return out


def page_range(page: Page, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise refuse("page", "page.range", "页码从1开始", "pages are numbered from 1", page)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise refuse(
            "page_size",
            "page_size.range",
            f"每页条数应在1到{MAX_PAGE_SIZE}之间",
            f"page_size must be between 1 and {MAX_PAGE_SIZE}",
            page_size,
        )
    return (page - 1) * page_size, page * page_size


def code_filter(field: str, codelist: codes.CodeList, value: str | None) -> str | None:
    if not value:
        return None
    code = codelist.lookup().get(value) or codelist.lookup().get(value.lower())
    if code is None:
        raise refuse(
            field,
            "code.unknown",
            f"{codelist.zh}不在代码表中",
            f"{codelist.en} is not in the code list",
            value,
        )
    return code


def need_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason", "required", "请填写修改原因", "a reason is required")
    return reason
