"""A shown table of the reports pages (`Table`: a frame with its translated column labels) and the workbook
of several, so that a page and its Excel export show the same thing."""

from __future__ import annotations

import io
from dataclasses import dataclass

import polars as pl

from fupin.core.exports import workbook as safe_workbook
from fupin.core.exports import write_sheet


@dataclass
class Table:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (column, label)
    df: pl.DataFrame

    @property
    def rows(self) -> list[dict]:
        return self.df.to_dicts()

    @property
    def body(self) -> list[tuple]:
        """The shown cells, row by row (for templates)."""
        return self.df.select([c for c, _label in self.columns]).rows()

    def labelled(self) -> pl.DataFrame:
        """The frame with only the shown columns, headed by their labels (for Excel)."""
        return self.df.select([pl.col(c).alias(label) for c, label in self.columns])


def workbook(tables: list[Table]) -> bytes:
    """One xlsx with a sheet per table (a figure that cannot be computed is an empty cell)."""
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    used: set[str] = set()
    for t in tables:
        name = "".join(ch for ch in t.title if ch not in "[]:*?/\\")[:31] or t.key
        while name in used:
            name = (name[:28] + f"_{len(used)}")[:31]
        used.add(name)
        write_sheet(wb, t.labelled(), name, autofit=True)
    wb.close()
    return buf.getvalue()
