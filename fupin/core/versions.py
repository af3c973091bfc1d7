"""Versions of records for optimistic concurrency: what a read names (the API's ETag header, a form's hidden
`version` field) and an edit sends back (If-Match, the hidden field). An edit based on an older version is
refused with EditConflict (409) and saves nothing, so nobody silently undoes a change they never saw.

A version is an opaque token: the registry's is `v<id of the household's latest Change>`; a record with an
`updated_at` column has `t<updated_at in microseconds>` (`stamp`). The check and the write happen in one
transaction that holds the record (the caller's `select_for_update`; SQLite's write transactions are
IMMEDIATE, so they run one at a time).
"""

from __future__ import annotations

import re

from fupin.core.errors import EditConflict, InputRejected, Problem

_TAG = re.compile(r'(?:W/)?"([A-Za-z0-9._-]{1,64})"')


class BadIfMatch(InputRejected):
    names_value = True

    def __init__(self, raw: str) -> None:
        self.raw = raw[:64]
        super().__init__(
            Problem(
                "If-Match",
                "if_match.invalid",
                'If-Match 应为读取时得到的 ETag，例如 "v42"',
                'If-Match must be the ETag of a read, e.g. "v42"',
                self.raw,
            ),
            text=f"bad If-Match: {self.raw}",
        )


def if_match(request) -> str | None:
    """The version an API edit is based on: the token of its If-Match header; None when absent or `*` (the
    edit is then not checked). BadIfMatch (422) for anything else."""
    raw = (request.headers.get("If-Match") or "").strip()
    if not raw or raw == "*":
        return None
    found = _TAG.fullmatch(raw)
    if found is None:
        raise BadIfMatch(raw)
    return found.group(1)


def posted(request) -> str | None:
    """The version a page's form was opened at (its hidden `version` field); None when it sends none."""
    return (request.POST.get("version") or "").strip()[:64] or None


def set_etag(response, token: str) -> None:
    response["ETag"] = f'"{token}"'


def stamp(record) -> str:
    """The version of a record that has an `updated_at` (auto_now) column."""
    return f"t{int(record.updated_at.timestamp() * 1_000_000)}"


def check(current: str, expected: str | None) -> None:
    """Refuse an edit based on `expected` when the record is now at `current` (None: not checked)."""
    if expected is not None and expected != current:
        raise EditConflict(expected, current)
