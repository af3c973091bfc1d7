"""What the monitoring pages share: the year and region asked for, the language, and how refusals answer."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import get_language

from fupin.accounts import scope
from fupin.core.query import query_year
from fupin.monitoring.models import Alert, Case, DepartmentImport
from fupin.registry import selectors as registry_selectors


def _lang() -> str:
    return get_language() or "zh-hans"


def _year(request) -> int:
    return query_year(request.GET) or registry_selectors.latest_year(request.user) or date.today().year


def _region(request) -> str | None:
    return (request.GET.get("region") or "").strip() or None


def _refusals(fn):
    """Records missing or out of scope answer 404 (leak nothing; a region outside the scope is an OutOfScope,
    already a 404); a malformed region code goes back to the dashboard with the message; a role's denial
    stays a 403."""

    def wrapper(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except (Alert.DoesNotExist, DepartmentImport.DoesNotExist, Case.DoesNotExist):
            raise Http404 from None
        except scope.BadRegionCode as e:
            messages.error(request, e.message())
            return redirect("monitoring:dashboard")

    wrapper.__name__ = fn.__name__
    return wrapper
