"""The one validation path of the registry: workbook rows, form posts and API bodies all come here.

Input is two all-string frames keyed by the workbook keys (`columns.py`) plus `_row` (the row number the
person sees: the Excel row, or 1 for a form). Every check is a vectorised Polars expression over the
whole input; the result carries the typed frames and *every* problem (sheet, row, field, value, rule,
Chinese and English message), not just the first. Pure Polars: no Django import, so the caller loads
what is needed from the store into a `Context` first (`selectors.load_context`).

Two kinds of checks. Row checks need only the row and the store (`Context`): they run chunk by chunk on a
large import (`households.check_households`, `members.check_members`, each first parsing every column by
its kind: `typed.py`, reading cells through `cells.py`). Cross checks compare rows with each other
(duplicates, heads, the two sheets): they run once, over the compact key columns every chunk contributes
(`household_keys`, `member_keys`, `cross.cross_checks`). `validate` is both on one input, for forms and
the API; the importer calls the pieces itself. Problems are collected and shown by `problems.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fupin.registry.columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    OPTIONAL_MEMBER_COLUMNS,
)
from fupin.registry.validation.cells import ensure_columns
from fupin.registry.validation.context import Context
from fupin.registry.validation.cross import HEADS_SCHEMA, cross_checks, stored_heads
from fupin.registry.validation.households import HOUSEHOLD_KEYS_SCHEMA, check_households, household_keys
from fupin.registry.validation.members import MEMBER_KEYS_SCHEMA, check_members, member_keys
from fupin.registry.validation.problems import (
    PROBLEM_SCHEMA,
    Problems,
    problem_lines,
    rejected_households,
    with_raw_values,
)

__all__ = [  # validate one input; the pieces a streamed import calls itself
    "HEADS_SCHEMA",
    "HOUSEHOLD_KEYS_SCHEMA",
    "MEMBER_KEYS_SCHEMA",
    "PROBLEM_SCHEMA",
    "Context",
    "Problems",
    "Validated",
    "check_households",
    "check_members",
    "cross_checks",
    "household_keys",
    "member_keys",
    "problem_lines",
    "rejected_households",
    "stored_heads",
    "validate",
    "with_raw_values",
]


@dataclass
class Validated:
    households: pl.DataFrame
    members: pl.DataFrame
    problems: pl.DataFrame
    rejected: set[str]

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "error")

    @property
    def ok(self) -> bool:
        return self.errors.is_empty()


def validate(
    households_raw: pl.DataFrame, members_raw: pl.DataFrame, ctx: Context, *, year: int | None = None
) -> Validated:
    p = Problems()
    households_raw = ensure_columns(households_raw, HOUSEHOLD_COLUMNS)  # a form's rows have no `_row` yet
    members_raw = ensure_columns(members_raw, MEMBER_COLUMNS + OPTIONAL_MEMBER_COLUMNS)
    households = check_households(households_raw, ctx, p, year=year)
    members = check_members(members_raw, ctx, p)
    cross_checks(household_keys(households, ctx), member_keys(members, ctx), stored_heads(ctx), p)
    problems = with_raw_values(
        p.frame(), {HOUSEHOLD_SHEET: households_raw.lazy(), MEMBER_SHEET: members_raw.lazy()}
    )
    return Validated(
        households=households, members=members, problems=problems, rejected=rejected_households(problems)
    )
