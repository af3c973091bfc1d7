"""Chart helpers for templates: `{% chart_scripts %}`, `{% charts_ready as ready %}` and `|thousands`."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from fupin.overview.finders import STATIC_PATH, echarts_available

register = template.Library()


@register.simple_tag
def charts_ready() -> bool:
    return echarts_available()


@register.simple_tag
def chart_scripts() -> str:
    """The chart library and the script that draws every `<div data-chart>`; nothing when the library is
    not installed (each chart then shows its table and a note)."""
    if not echarts_available():
        return ""
    return format_html(
        '<script src="{}" defer></script>\n<script src="{}" defer></script>',
        static(STATIC_PATH),
        static("fupin/charts.js"),
    )


@register.filter
def thousands(value, digits: int | None = None) -> str:
    """12345 → 12,345; 1234.5 → 1,234.50 (two decimals, or `digits`); None → —. The same in both languages
    (Django's zh-hans format has no thousands separator)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        d = 2 if digits is None else int(digits)
        if isinstance(value, float) and value.is_integer() and digits is None:
            return f"{int(value):,}"
        return f"{value:,.{d}f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
