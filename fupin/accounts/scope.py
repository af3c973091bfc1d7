"""Region scope (管辖范围): the part of the region tree a user sees and acts on — the one place that decides it.

A user bound to a region works in its subtree: every code that starts with the region's prefix. A user
without a region works nationwide; `None` is the operator (the command line without `--user`) and works
everywhere. Pages, the API, the CLI and exports of every app turn (user, region asked for) into the code and
prefix to work on with `resolve`, and check an object's region with `check` (or `contains`, where the
region is a value being written and the refusal is a field error).

Outside the scope is answered exactly like a missing record (`OutOfScope` is an Http404: 404 on pages and the
API, which reveals nothing); a code that is not a region code is an input error (`BadRegionCode`: 422 on
the API, a form error on pages, a usage error on the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from fupin.core.errors import InputRejected
from fupin.regions.codes import RegionCodeError, normalise, prefix_of


class OutOfScope(Http404):
    """A region or record outside the user's subtree: 404, like a missing one. `zh`/`en` for the CLI."""

    zh = "该地区不在您的管辖范围内"
    en = "region outside your scope"

    def __init__(self, code: str = ""):
        self.code = code
        super().__init__(f"{self.zh} / {self.en}: {code}" if code else f"{self.zh} / {self.en}")


class BadRegionCode(InputRejected):
    """A region asked for that is not a region code (2, 4, 6, 9 or 12 digits)."""

    code = "region.malformed"

    def __init__(self, value: str, field: str = "region"):
        self.value, self.field = value, field
        self.message_zh = f"行政区划代码格式错误（应为 2、4、6、9 或 12 位数字）：{value}"
        self.message_en = f"bad region code (2, 4, 6, 9 or 12 digits): {value}"
        super().__init__(f"{self.message_zh} / {self.message_en}")

    def message(self, lang: str = "zh") -> str:
        return self.message_en if (lang or "zh").startswith("en") else self.message_zh

    def api_items(self) -> list[dict]:
        return [
            {
                "field": self.field,
                "code": self.code,
                "message": {"zh": self.message_zh, "en": self.message_en},
                "row": None,
                "sheet": None,
            }
        ]


@dataclass(frozen=True)
class Scope:
    """Where to work: `code` the 12-digit region code ('' everywhere), `prefix` its subtree's code prefix."""

    code: str
    prefix: str


def prefix_for(user) -> str:
    """The code prefix of everything `user` may see ('' = everything: nationwide users and the operator)."""
    return "" if user is None else user.scope_prefix


def resolve(user, region: str | None) -> Scope:
    """The region to work on: `region` (narrowing the user's subtree, never widening it), else the user's own
    region ('' everywhere for nationwide users and the operator). A well-formed code that names no stored
    region is accepted (it holds nothing). Raises BadRegionCode for a malformed code, OutOfScope outside."""
    base = prefix_for(user)
    if region is None or not str(region).strip():
        code = user.region_id if user is not None and user.region_id else ""
        return Scope(code, base)
    try:
        code = normalise(region)
    except RegionCodeError:
        raise BadRegionCode(str(region)) from None
    prefix = prefix_of(code)
    if not prefix.startswith(base):
        raise OutOfScope(code)
    return Scope(code, prefix)


def contains(user, region_code: str | None) -> bool:
    """Whether the region (or the object located there) lies in the user's subtree. No region ('' or None:
    nationwide data) lies only in the scope of those who see everything."""
    return (region_code or "").startswith(prefix_for(user))


def check(user, region_code: str | None) -> None:
    """OutOfScope unless the region (of an object the user asked for) lies in the user's subtree."""
    if not contains(user, region_code):
        raise OutOfScope(region_code or "")
