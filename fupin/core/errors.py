"""Errors shared by the apps: input refused by a rule (`InputRejected`, each problem with its field, code and
message in Chinese and English) and an action a role or region may not take (`Denied`).

A page shows the message in its language only (`message()`); the command line prints both (`str()`); the
API answers every problem in both (`api_items()`, the one error shape of `core/api_errors.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language


def in_language(zh: str, en: str) -> str:
    """`en` when the active language (the page's, the request's) is English, else `zh`."""
    return en if (get_language() or "zh-hans").startswith("en") else zh


@dataclass(frozen=True)
class Problem:
    """One reason input was refused: the field it is about (None: the input as a whole), a stable code, the
    message in Chinese and English, and where known the value refused and its row and sheet."""

    field: str | None
    code: str
    zh: str
    en: str
    value: str | None = None
    row: int | None = None
    sheet: str | None = None

    def message(self) -> str:
        """The message in the active language, for a page."""
        return in_language(self.zh, self.en)

    def text(self) -> str:
        """The message in both languages, for the command line."""
        return f"{self.zh} / {self.en}"

    def api_item(self, with_value: bool = False) -> dict:
        item = {
            "field": self.field,
            "code": self.code,
            "message": {"zh": self.zh, "en": self.en},
            "row": self.row,
            "sheet": self.sheet,
        }
        if with_value:
            item["value"] = self.value
        return item


NUL = Problem(
    None,
    "input.nul",
    "输入含有空字符（U+0000），无法保存或查询，请删除后重试",
    "the input holds a NUL character (U+0000), which cannot be stored or searched; remove it and try again",
)
SURROGATE = Problem(
    None,
    "input.surrogate",
    "输入含有无效的 Unicode 字符（单独的代理码位 U+D800–U+DFFF），无法保存或查询，请删除后重试",
    "the input holds an invalid Unicode character (a lone surrogate, U+D800–U+DFFF), which cannot be stored "
    "or searched; remove it and try again",
)
# The NUL character (PostgreSQL text cannot hold it) and the UTF-16 surrogates (no UTF-8 encoder can send
# one: psycopg and sqlite3 raise): text neither database can take, refused on every way in — the API and
# pages (core/middleware.py) and the command line (cli.py).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> Problem | None:
    """NUL or SURROGATE when `text` holds such a character, else None."""
    m = UNSTORABLE.search(text)
    if m is None:
        return None
    return NUL if m.group() == "\x00" else SURROGATE


class InputRejected(Exception):
    """Input refused by a rule: nothing was saved. The API answers `status` (422 unless a subclass says
    otherwise) with one item per problem; pages show each problem's message next to its field.

    Subclasses name the area an error comes from (callers catch them by name); they only build problems."""

    status = 422
    names_value = False  # the API's items carry a `value` key (null when none)

    def __init__(self, *problems: Problem, text: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(text or "; ".join(p.text() for p in self.problems))

    @property
    def field(self) -> str | None:
        """The field of the first problem (most refusals name one)."""
        return self.problems[0].field if self.problems else None

    @property
    def code(self) -> str | None:
        return self.problems[0].code if self.problems else None

    @property
    def zh(self) -> str:
        return "；".join(p.zh for p in self.problems)

    @property
    def en(self) -> str:
        return "; ".join(p.en for p in self.problems)

    def message(self) -> str:
        """Every problem's message in the active language, for a page."""
        return in_language(self.zh, self.en)

    def api_items(self) -> list[dict]:
        return [p.api_item(self.names_value) for p in self.problems]


class EditConflict(InputRejected):
    """The record changed after the editor read it (optimistic concurrency): nothing was saved (409).

    Every edit path carries the version the editor saw (a form's hidden field, the API's If-Match header);
    saving over a newer version would silently undo someone else's change."""

    status = 409
    names_value = True
    ZH = "该记录在您打开之后已被他人修改，本次修改未保存。请重新打开，查看最新内容后再修改"
    EN = (
        "this record was changed by someone else after you opened it; nothing was saved. Open it again, "
        "check the latest version and make your change again"
    )

    def __init__(self, expected: int | str | None = None, current: int | str | None = None) -> None:
        self.expected, self.current = expected, current
        super().__init__(
            Problem("version", "edit.conflict", self.ZH, self.EN, None if current is None else str(current)),
            text=f"{self.EN} (version {expected} → {current})",
        )


class Denied(PermissionDenied):
    """What the user's role or region does not allow (403), the reason in Chinese and English: a page shows
    `message()`, the API both, the command line `str()` (both)."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")

    def message(self) -> str:
        return in_language(self.zh, self.en)
