"""Template helpers: code labels in the active language, yes/no, and query strings that keep filters."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language, gettext

from fupin import codes

register = template.Library()


def _lang() -> str:
    return get_language() or "zh-hans"


@register.filter
def code_label(value, codelist: str) -> str:
    """`{{ hy.status|code_label:"household_status" }}` → 未脱贫 (Chinese) or Not yet out of poverty (English)."""
    if value is None or value == "":
        return ""
    return codes.ALL[codelist].label(str(value), _lang())


@register.filter
def code_labels(value, codelist: str) -> str:
    """A comma-separated list of codes → their labels joined with 、 (zh) or , (en)."""
    if not value:
        return ""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    sep = ", " if _lang().startswith("en") else "、"
    return sep.join(codes.ALL[codelist].label(c.strip(), _lang()) for c in items if str(c).strip())


@register.filter
def yes_no(value) -> str:
    """True/False/None → 是/否/— in the active language."""
    if value is None or value == "":
        return "—"
    return gettext("Yes") if value else gettext("No")


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None or '' removes them): keeps filters
    across page and sort links. `{% query page=3 %}` → `?year=2024&status=poor&page=3`."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"
