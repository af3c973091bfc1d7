"""Text checked against the column that will hold it, before it is saved.

A CharField's `max_length` is a limit PostgreSQL enforces (value too long for type character varying: a
500 wherever a service let a longer value through) and SQLite ignores (it keeps the text as given). A
service asks `too_long` for the fields it writes and refuses with its own error type.
"""

from __future__ import annotations

from django.utils import translation

from fupin.core.errors import Problem


def too_long(model, **values: str | None) -> Problem | None:
    """The first of `values` (field name → text) longer than its CharField on `model`, or None."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        limit = field.max_length
        if value is None or limit is None or len(value) <= limit:
            continue
        with translation.override("zh-hans"):
            zh_label = str(field.verbose_name)
        with translation.override("en"):
            en_label = str(field.verbose_name)
        return Problem(
            name,
            "too_long",
            f"{zh_label}过长（最多 {limit} 个字符，现为 {len(value)} 个）",
            f"the {en_label} is too long (at most {limit} characters, {len(value)} given)",
        )
    return None
