"""`startswith` that SQLite answers from an index.

Every region scope is a prefix filter (`code__startswith`). Django writes it `LIKE 'x%' ESCAPE '\\'` on SQLite,
and SQLite's LIKE is case-insensitive, so it never uses the column's (binary) index: each scoped query of a
county read every row of a province-scale store. On SQLite a plain value becomes `GLOB 'x*'` (wildcards in the
value escaped), case-sensitive like PostgreSQL's LIKE, which SQLite answers as a range of the index.
"""

from __future__ import annotations

import re

from django.db.models import CharField
from django.db.models.lookups import StartsWith

_GLOB_SPECIAL = re.compile(r"([*?\[])")


class IndexedStartsWith(StartsWith):
    def as_sqlite(self, compiler, connection):
        if not self.rhs_is_direct_value() or self.bilateral_transforms or not isinstance(self.rhs, str):
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} GLOB %s", [*lhs_params, _GLOB_SPECIAL.sub(r"[\1]", self.rhs) + "*"]


def register() -> None:
    CharField.register_lookup(IndexedStartsWith)
