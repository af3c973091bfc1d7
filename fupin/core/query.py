"""Numbers a page reads from its query string (?year=, ?from=, ?to=, ?years=): one parser for every page.

A value that is not a whole number is left out, as the pages always did (a filter cleared, the default
year). A whole number outside its range is refused — 400, in Chinese and English, before it reaches the
store, `date()` or a Polars frame: SQLite cannot bind an integer past 64 bits, PostgreSQL and Polars refuse
one, and `date(0, 1, 1)` raises; each was a 500. The API has its own constrained types (`api_types.py`,
422); the ranges are the same.
"""

from __future__ import annotations

from fupin.core.api_types import FIRST_YEAR, LAST_YEAR
from fupin.core.errors import InputRejected, Problem


class BadQuery(InputRejected):
    """A page's query parameter outside its range: the page answers 400 with the message (the middleware
    `RejectNulMiddleware.process_exception`), nothing read or written."""

    status = 400


def query_int(params, name: str, *, low: int, high: int) -> int | None:
    """The whole number `params[name]` (a QueryDict), None when absent or not a number; BadQuery when out
    of `low`–`high`."""
    raw = (params.get(name) or "").strip()
    try:
        value = int(raw)
    except ValueError:  # also a number of more than 4,300 digits (Python's own limit)
        return None
    if low <= value <= high:
        return value
    shown = raw if len(raw) <= 24 else raw[:24] + "…"
    raise BadQuery(
        Problem(
            name,
            "query.out_of_range",
            f"参数 {name} 的值 {shown} 超出范围（应为 {low} 至 {high}）",
            f"{name}={shown} is out of range (it must be {low} to {high})",
            shown,
        )
    )


def query_year(params, name: str = "year") -> int | None:
    """A calendar year (`FIRST_YEAR`–`LAST_YEAR`, the API's range) from the query string, or None."""
    return query_int(params, name, low=FIRST_YEAR, high=LAST_YEAR)
