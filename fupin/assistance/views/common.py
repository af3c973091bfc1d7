"""What the assistance pages share: language, year, the household asked for, form errors."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from fupin.assistance import services
from fupin.core.query import query_year
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household


def _lang() -> str:
    return get_language() or "zh-hans"


def _en() -> bool:
    return _lang().startswith("en")


def _household(user, household_no: str) -> Household:
    try:
        return registry_selectors.get_household_for(user, household_no)
    except Household.DoesNotExist:
        raise Http404 from None


def _year(request, household=None) -> int:
    if year := query_year(request.GET) or query_year(request.POST):
        return year
    if household is not None:
        latest = household.years.filter(is_deleted=False).order_by("-year").first()
        if latest:
            return latest.year
    return registry_selectors.latest_year(request.user) or timezone.localdate().year


def _errors(form, exc: services.AssistanceError) -> None:
    for p in exc.problems:
        form.add_error(p.field if p.field in form.fields else None, p.message())
