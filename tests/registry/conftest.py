"""Shared registry fixtures: the region tree and a writer of real (messy) import workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from factories import region_tree

from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, OPTIONAL_MEMBER_COLUMNS

ZH = {c.key: c.zh for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS, *OPTIONAL_MEMBER_COLUMNS)}


@pytest.fixture
def tree(db):
    return region_tree()


def _write_xlsx(path: Path, households: list[dict], members: list[dict], *, title: str | None = None) -> Path:
    """A workbook with sheets 户 and 成员; dict keys are workbook keys; values written as given
    (str → text cell, int/float → number cell, None → blank row when the whole dict is empty).
    `title` adds a merged title row and a blank row above each header."""
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in (("户", households), ("成员", members)):
        ws = wb.add_worksheet(name)
        keys = list(dict.fromkeys(k for r in rows for k in r))
        top = 0
        if title:
            ws.merge_range(0, 0, 0, max(len(keys) - 1, 1), title)
            top = 2
        ws.write_row(top, 0, [ZH[k] for k in keys])
        for i, r in enumerate(rows, start=top + 1):
            for j, k in enumerate(keys):
                v = r.get(k)
                if isinstance(v, str):
                    ws.write_string(i, j, v)
                elif v is not None:
                    ws.write_number(i, j, v)
    wb.close()
    return path


@pytest.fixture
def write_xlsx():
    return _write_xlsx
