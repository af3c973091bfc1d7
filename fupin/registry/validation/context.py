"""What validation knows of the store: loaded by the caller for the input at hand
(`selectors.load_context`), so that the checks themselves stay pure Polars."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl


@dataclass
class Context:
    """What validation needs to know about the store, loaded by the caller for the input at hand."""

    villages: set[str] = field(default_factory=set)  # village codes inside the user's scope
    out_of_scope_villages: set[str] = field(default_factory=set)  # known villages outside it
    existing_households: set[str] = field(default_factory=set)  # household_no in scope
    out_of_scope_households: set[str] = field(default_factory=set)  # household_no outside the scope
    # id_number, household_no of stored members whose ID appears in the input; in_scope: that household is
    # in the user's region (the number of a household elsewhere is never shown)
    existing_members: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"id_number": pl.String, "household_no": pl.String, "in_scope": pl.Boolean}
        )
    )
    # household_no, id_number of the stored heads of the households in the input
    existing_heads: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"household_no": pl.String, "id_number": pl.String})
    )
    today: date = field(default_factory=date.today)
