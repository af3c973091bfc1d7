"""The region browser: where I am, what is below, and how many households, people and poor households."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from fupin.accounts.scope import BadRegionCode, OutOfScope
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.engine.schema import POOR_STATUSES
from fupin.regions import boundaries, codes, selectors, services
from fupin.regions.forms import BoundaryForm
from fupin.regions.models import Region
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import HouseholdYear


def level_label(level: int) -> str:
    zh, en = codes.LEVEL_NAMES[level]
    return en if (get_language() or "zh").startswith("en") else zh


def subtree_counts(user, prefix: str, key_length: int, year: int | None) -> dict[str, dict]:
    """Households, members and poor households below `prefix`, grouped by the first `key_length` digits
    of the village code — one aggregate query for every child at once. Limited to the user's scope."""
    poor = HouseholdYear.objects.filter(
        household=OuterRef("pk"), year=year, status__in=POOR_STATUSES, is_deleted=False
    )
    rows = (
        registry_selectors.households_for(user)
        .filter(village__code__startswith=prefix)
        .annotate(key=Substr("village_id", 1, key_length), is_poor=Exists(poor))
        .values("key")
        .annotate(households=Count("pk"), members=Sum("size"), poor=Count("pk", filter=Q(is_poor=True)))
        .order_by()
    )
    return {r["key"]: r for r in rows}


def _status_panel(user, region: Region | None, posted: dict | None = None, problems=None) -> dict | None:
    """The poverty status and exit year of a village or county, and the form to change them."""
    if region is None or region.level not in codes.STATUSES_OF_LEVEL:
        return None
    en = (get_language() or "zh").startswith("en")
    choices = [
        (c, codes.POVERTY_STATUS.label(c, "en" if en else "zh"))
        for c in codes.STATUSES_OF_LEVEL[region.level]
    ]
    return {
        "label": codes.POVERTY_STATUS.label(region.poverty_status, "en" if en else "zh"),
        "exit_year": region.exit_year,
        "exit_word": ("Delisted" if en else "出列")
        if region.level == codes.VILLAGE
        else ("Removed" if en else "摘帽"),
        "may_edit": services.may_edit_status(user),
        "choices": choices,
        "version": services.region_version(region),
        "value": (posted or {}).get("poverty_status", region.poverty_status),
        "exit_value": (posted or {}).get("exit_year", region.exit_year or ""),
        "problems": [{"field": p.field, "message": p.message()} for p in (problems or [])],
    }


@require_POST
@login_required
def region_status(request, code: str):
    """Save a village's or county's status and exit year: every problem shown with nothing saved (422); a
    form opened before someone else's change is refused (409); outside the scope 404."""
    user = request.user
    if not services.may_edit_status(user):
        raise PermissionDenied
    posted = {k: (request.POST.get(k) or "").strip() for k in ("poverty_status", "exit_year")}
    try:
        services.set_region_status(
            user,
            code,
            poverty_status=posted["poverty_status"],
            exit_year=posted["exit_year"],
            version=versions.posted(request),
        )
    except (OutOfScope, BadRegionCode, Region.DoesNotExist):
        raise Http404 from None
    except services.RegionStatusRejected as e:
        return region_browser(request, code, status_form=(posted, e.problems), status=422)
    except EditConflict as e:
        messages.error(request, e.message())
        return region_browser(request, code, status=409)  # the stored values and their new version
    messages.success(request, "Saved." if _en() else "已保存。")
    return redirect("regions:region_detail", code=code)


def _en() -> bool:
    return (get_language() or "zh").startswith("en")


@login_required
def region_browser(request, code: str | None = None, *, status_form=None, status: int = 200):
    user = request.user
    region = None
    if code is not None:
        try:
            region = selectors.get_region_for(user, code)
        except Region.DoesNotExist:
            raise Http404 from None
        children = list(selectors.children(user, region.code))
        crumbs = selectors.ancestors_of(region)
    else:
        children = list(selectors.top_regions(user))
        crumbs = []
    year = registry_selectors.latest_year(user)
    if children:
        key_length = len(children[0].prefix)
        within = region.prefix if region else user.scope_prefix
    else:  # a village: its own figures
        key_length, within = len(region.prefix), region.prefix
    counts = subtree_counts(user, within, key_length, year)
    empty = {"households": 0, "members": 0, "poor": 0}
    rows = [
        {
            "region": c,
            "level": level_label(c.level),
            **{k: (counts.get(c.prefix) or empty)[k] or 0 for k in empty},
        }
        for c in children
    ]
    totals = {k: sum((r[k] or 0) for r in counts.values()) for k in empty}
    scope = user.scope_prefix
    crumbs = [
        {"region": r, "in_scope": r.code.startswith(scope) and len(r.prefix) >= len(scope)} for r in crumbs
    ]
    return render(
        request,
        "regions/region_browser.html",
        {
            "region": region,
            "level": level_label(region.level) if region else "",
            "crumbs": crumbs,
            "rows": rows,
            "totals": totals,
            "year": year,
            "may_upload": boundaries.may_upload(user),
            "status_panel": _status_panel(user, region, *(status_form or (None, None))),
        },
        status=status,
    )


@login_required
def boundary_upload(request):
    """Upload region outlines (GeoJSON): every rejected feature listed, nothing saved unless all are valid
    (or "skip invalid" is ticked)."""
    user = request.user
    if not boundaries.may_upload(user):
        raise PermissionDenied
    form = BoundaryForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        if up.size > boundaries.MAX_BYTES:
            report = boundaries.too_large()
        else:
            report = boundaries.import_boundaries(
                up.read(), user, file_name=up.name, skip_invalid=form.cleaned_data["skip_invalid"]
            )
    en = (get_language() or "zh").startswith("en")
    loaded = selectors.boundaries_for(user)
    return render(
        request,
        "regions/boundary_upload.html",
        {
            "form": form,
            "report": report,
            "en": en,
            "loaded": loaded.count(),
            "problems": [
                {"index": p.index, "code": p.code, "message": p.message_en if en else p.message_zh}
                for p in (report.problems if report else [])
            ],
            "max_mb": boundaries.MAX_BYTES // (1024 * 1024),
            "max_features": boundaries.MAX_FEATURES,
            "properties": ", ".join(boundaries.CODE_PROPERTIES),
        },
        status=422 if report is not None and not report.saved else 200,
    )


@login_required
def boundary_geojson(request):
    """The outlines of the children of `?region=` (default: the user's region) as GeoJSON for the map;
    404 outside the user's scope."""
    try:
        found = boundaries.child_boundaries(request.user, (request.GET.get("region") or "").strip() or None)
    except Region.DoesNotExist:
        raise Http404 from None
    response = JsonResponse(
        boundaries.feature_collection(found),
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
