"""Constrained parameter types shared by every API router.

A year, page, limit or key outside its range answers 422 in the one error shape (core/api_errors.py)
before a handler runs, instead of reaching the database or `date()` and failing there (year 0,
a negative slice, an integer SQLite or PostgreSQL cannot hold).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A sanity range for a calendar year in the registry (not a policy threshold): the forms use the same.
FIRST_YEAR, LAST_YEAR = 1949, 2100
MAX_KEY = 2**63 - 1  # the largest BIGINT: primary keys of both databases
MAX_INT = 2**31 - 1  # the largest INTEGER of PostgreSQL: IntegerField and PositiveIntegerField columns
MAX_PAGE = 1_000_000  # keeps OFFSET = (page - 1) * page_size far inside a BIGINT
MAX_LIMIT = 1000
MAX_OFFSET = 10**9

Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
Key = Annotated[int, Field(ge=1, le=MAX_KEY)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
