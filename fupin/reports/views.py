"""Reports pages: statistics with drill-down, identification and exit runs, stored results, county samples.

Thin: every figure comes from `statistics.py` / `services.py`; out-of-scope regions and runs answer 404.
The county figures' form carries their version (a hidden `version` field): a change from a form opened
before someone else's change is refused (409) and nothing is saved.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import scope
from fupin.accounts.export_log import log_export
from fupin.accounts.models import ExportLog
from fupin.accounts.scope import OutOfScope
from fupin.core.errors import EditConflict
from fupin.core.query import query_int, query_year
from fupin.overview import charts
from fupin.regions import selectors as region_selectors
from fupin.regions.codes import COUNTY
from fupin.registry.selectors import latest_year
from fupin.reports import headline, results, services
from fupin.reports import statistics as stats
from fupin.reports.codes import RUN_KIND
from fupin.reports.forms import CountyInputForm, ExitRunForm, RunForm
from fupin.reports.kept import computing_response
from fupin.reports.models import Run

PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request) -> int:
    return query_year(request.GET) or latest_year(request.user) or date.today().year


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _require_export(user) -> None:
    if not user.can("exports"):
        raise PermissionDenied


def _statistics(request, read=stats.STATISTICS.current):
    """The statistics the request asks for, through `read` (the page: `STATISTICS.page`)."""
    try:
        return read(
            request.user,
            request.GET.get("region") or None,
            year=_year(request),
            year_from=query_year(request.GET, "from"),
            year_to=query_year(request.GET, "to"),
        )
    except (scope.BadRegionCode, services.ReportInputError):
        raise Http404 from None


@login_required
def statistics(request):
    kept = _statistics(request, stats.STATISTICS.page)
    if kept.computing:
        return computing_response(request, _("Statistics"))
    data = kept.data
    year = _year(request)
    children = data["tables"].get("children")
    page_charts = (
        [charts.statistics_by_region(children.rows, data["child_level_name"], year)]
        if children is not None and children.df.height
        else []
    )
    region_map = (
        charts.incidence_map(request.user, data["code"], year, children.rows)
        if children is not None
        else None
    )
    if region_map and region_map["chart"]:
        page_charts.insert(0, region_map["chart"])
    return render(
        request,
        "reports/statistics.html",
        {
            **data,
            "year": year,
            "computed_at": kept.computed_at,
            "refreshing": kept.refreshing,
            "section": "statistics",
            "page_charts": page_charts,
            "region_map": region_map,
            "breakdowns": [
                data["tables"][k]
                for k in (
                    "cause",
                    "household_type",
                    "poverty_type",
                    "health",
                    "labour",
                    "education",
                    "age_band",
                )
            ],
        },
    )


@login_required
def statistics_export(request):
    _require_export(request.user)
    data = _statistics(request)
    content = stats.workbook(data["ordered_tables"])
    ExportLog.objects.create(
        user=request.user,
        kind="reports.statistics",
        channel="web",
        filters={k: v for k, v in request.GET.items()},
        rows=sum(t.df.height for t in data["ordered_tables"]),
        masked=True,
    )
    return _xlsx(content, f"statistics-{data['code'] or 'all'}-{_year(request)}.xlsx")


def _start(request, form, kind_of) -> HttpResponse | None:
    d = form.cleaned_data
    region = (d.get("region") or "").strip() or None
    try:
        code = scope.resolve(request.user, region).code
        background = services.should_run_in_background(code)
        run = services.start_run(request.user, kind_of(d), d["year"], region, background=background)
    except OutOfScope as e:
        form.add_error("region", e.message())
        return None
    except scope.BadRegionCode as e:
        form.add_error("region", e.message())
        return None
    except services.ReportInputError as e:
        field = e.field if e.field in form.fields else None
        form.add_error(field, e.message())
        return None
    except PermissionDenied:
        raise
    except Exception as e:  # noqa: BLE001 — the run row records the failure; show it
        messages.error(request, _("The run failed: %(error)s") % {"error": e})
        return None
    return redirect("reports:run_detail", run.pk)


def _run_page(request, form_class, template: str, kinds: list[str], kind_of, section: str):
    initial = {"year": _year(request), "level": request.GET.get("level") or "household"}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = _start(request, form, kind_of)
        if response is not None:
            return response
    recent = services.runs_for(request.user).filter(kind__in=kinds)[:20]
    return render(
        request,
        template,
        {"form": form, "runs": recent, "section": section, "can_run": request.user.can("runs_evaluations")},
    )


@login_required
def identify(request):
    return _run_page(
        request, RunForm, "reports/identify.html", ["identify"], lambda d: "identify", "identify"
    )


@login_required
def exits(request):
    return _run_page(
        request,
        ExitRunForm,
        "reports/exits.html",
        list(services.LEVEL_KIND.values()),
        lambda d: services.LEVEL_KIND[d["level"]],
        "exits",
    )


def _run_or_404(request, pk: int) -> Run:
    try:
        return services.get_run(request.user, pk)
    except Run.DoesNotExist:
        raise Http404 from None


def _region_name(code: str) -> str:
    if not code:
        return _("All regions")
    return region_selectors.names_of([code]).get(code) or code


@login_required
def run_list(request):
    runs = services.runs_for(request.user)
    kind = request.GET.get("kind")
    if kind in RUN_KIND:
        runs = runs.filter(kind=kind)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    names = region_selectors.names_of({r.region_code for r in page})
    for r in page:
        r.region_name = names.get(r.region_code, r.region_code) if r.region_code else _("All regions")
    return render(
        request,
        "reports/run_list.html",
        {"page": page, "kinds": RUN_KIND.choices, "kind": kind, "section": "runs"},
    )


def _result_page(request, run: Run) -> dict:
    outcome, reason = request.GET.get("outcome") or None, request.GET.get("reason") or None
    df = results.filtered(services.result(run), run.kind, outcome=outcome, reason=reason)
    paginator = Paginator(range(df.height), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    shown = results.display_frame(df.slice(page.start_index() - 1 if df.height else 0, PAGE_SIZE), run.kind)
    return {
        "headers": shown.columns,
        "body": shown.rows(),
        "page": page,
        "matched": df.height,
        "outcome": outcome,
        "reason": reason,
        "outcomes": results.outcome_choices(run.kind),
        "reasons": results.reason_choices(run.kind),
    }


def _progress(run: Run) -> dict:
    stages = services.STAGES
    done = stages.index(run.stage) if run.stage in stages else len(stages)
    if run.status != "running":
        done = len(stages)
    labels = {"load": _("Loading the registry"), "compute": _("Computing"), "save": _("Saving the result")}
    return {
        "running": run.status == "running",
        "pct": int(done * 100 / len(stages)),
        "stage_label": labels.get(run.stage, ""),
    }


def _summary_items(run: Run) -> list[tuple[str, str, object]]:
    labels = {
        "households": _("Households"),
        "poor": _("Poor"),
        "not_poor": _("Not poor"),
        "unknown": _("Cannot be judged"),
        "poor_persons": _("Poor persons"),
        "candidates": _("Registered poor households"),
        "eligible": _("May exit"),
        "not_eligible": _("May not exit"),
        "villages": _("Villages"),
        "counties": _("Counties"),
        "passed": _("Passed"),
        "failed": _("Not passed"),
        "no_denominator": _("Without a denominator"),
    }
    return [(k, labels.get(k, k), v) for k, v in run.summary.items() if k != "reasons"]


@login_required
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    context = {
        "run": run,
        "summary_items": _summary_items(run),
        "region_name": _region_name(run.region_code),
        "progress": _progress(run),
        "section": "runs",
        "parameters": sorted(run.parameters, key=lambda p: (p["name"], p["region_code"])),
    }
    if run.status == "done":
        context.update(_result_page(request, run))
    return render(request, "reports/run_detail.html", context)


@login_required
def run_status(request, pk: int):
    run = _run_or_404(request, pk)
    response = render(request, "reports/_run_progress.html", {"run": run, "progress": _progress(run)})
    if run.status != "running" and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
def run_export(request, pk: int):
    _require_export(request.user)
    run = _run_or_404(request, pk)
    if run.status != "done":
        raise Http404
    outcome, reason = request.GET.get("outcome") or None, request.GET.get("reason") or None
    df = results.display_frame(
        results.filtered(services.result(run), run.kind, outcome=outcome, reason=reason), run.kind
    )
    t = stats.Table(run.kind, run.get_kind_display(), [(c, c) for c in df.columns], df)
    ExportLog.objects.create(
        user=request.user,
        kind=f"reports.{run.kind}",
        channel="web",
        filters={"run": run.pk, "outcome": outcome, "reason": reason},
        rows=df.height,
        masked=True,
    )
    return _xlsx(stats.workbook([t]), f"run-{run.pk}-{run.kind}-{run.year}.xlsx")


@login_required
@require_POST
def run_reproduce(request, pk: int):
    run = _run_or_404(request, pk)
    try:
        new = services.reproduce(
            run, request.user, background=services.should_run_in_background(run.region_code)
        )
    except (OutOfScope, services.ReportInputError):
        raise Http404 from None
    return redirect("reports:run_detail", new.pk)


# --- county exit inputs --------------------------------------------------------------------------------


@login_required
def county_inputs(request):
    rows = list(services.county_inputs_for(request.user))
    for r in rows:
        r.editable = services.can_edit_inputs(request.user, r.county_id)
    return render(
        request,
        "reports/county_inputs.html",
        {"rows": rows, "can_add": request.user.can("approves"), "section": "county_inputs"},
    )


@login_required
def county_input_edit(request, pk: int | None = None):
    user = request.user
    if not user.can("approves"):
        raise PermissionDenied
    obj = None
    if pk is not None:
        obj = services.county_inputs_for(user).filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not services.can_edit_inputs(user, obj.county_id):
            raise PermissionDenied
    counties = region_selectors.search(user, level=COUNTY)
    initial = {"year": _year(request)}
    if obj:
        initial = {
            "county": obj.county_id,
            "year": obj.year,
            "note": obj.note,
            **{f: getattr(obj, f) for f in services.INPUT_FIELDS},
        }
    form = CountyInputForm(request.POST or None, initial=initial, counties=counties)
    posted = (request.POST.get("version") or "").strip()[:64] or None  # the version the form was opened at
    conflict = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.save_county_input(
                user,
                county=d["county"],
                year=d["year"],
                note=d["note"],
                values={f: d[f] for f in services.INPUT_FIELDS},
                pk=pk,
                version=posted if obj else None,
            )
        except OutOfScope:
            raise Http404 from None
        except EditConflict as e:
            form.add_error(None, e.message())
            conflict = True
        except services.ReportInputError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message())
        else:
            messages.success(request, _("The evaluation figures were saved."))
            return redirect("reports:county_inputs")
    # the version of the values shown: as posted (a stale form stays stale until it is opened again), else now
    version = (posted or services.county_input_version(obj)) if obj else None
    return render(
        request,
        "reports/county_input_form.html",
        {"form": form, "obj": obj, "version": version, "section": "county_inputs"},
        status=409 if conflict else 200,
    )


# --- 三个一万人: the headline table ------------------------------------------------------------------------


def _headline(request) -> headline.Headline:
    try:
        return headline.headline(
            request.user,
            year=_year(request),
            region=request.GET.get("region") or None,
            years=query_int(request.GET, "years", low=0, high=headline.MAX_YEARS) or 3,
        )
    except (scope.BadRegionCode, services.ReportInputError):
        raise Http404 from None


def _cells(rows: list[dict], cols: list[tuple[str, str]]) -> list[dict]:
    """Each row with its count cells in column order (column, label, value) for the template."""
    return [{**r, "cells": [(c, label, r[c]) for c, label in cols]} for r in rows]


@login_required
def headline_page(request):
    """Remaining poor and the three monitoring groups of a region, by year, and of its child regions."""
    h = _headline(request)
    cols = headline.columns()
    return render(
        request,
        "reports/headline.html",
        {
            "h": h,
            "year": h.year,
            "years_back": len(h.years),
            "section": "headline",
            "code": h.code,
            "crumbs": stats.crumbs(request.user, h.region),
            "groups": [{"key": g, "label": label} for g, label in headline.group_labels().items()],
            "columns": cols,
            "own_rows": _cells(h.own.sort("year", descending=True).to_dicts(), cols),
            "child_rows": _cells(h.children.to_dicts(), cols),
            "child_level_name": headline.child_level_name(h),
            "exits": stats.Table("exits", _("Exits by year"), stats.exit_columns(), h.exits),
        },
    )


@login_required
def headline_export(request):
    _require_export(request.user)
    h = _headline(request)
    labels = [
        ("row", _("Row")),
        ("region_code", _("Code")),
        ("region_name", _("Region")),
        ("year", _("Year")),
    ]
    df = headline.flat(h).with_columns(
        pl.col("row").replace_strict({"region": _("Selected region"), "child": _("Sub-region")})
    )
    tables = [
        stats.Table("headline", _("Headline counts"), [*labels, *headline.columns()], df),
        stats.Table("exits", _("Exits by year"), stats.exit_columns(), h.exits),
    ]
    content = stats.workbook(tables)
    log_export(
        request.user,
        "reports.headline",
        channel="web",
        rows=df.height,
        masked=True,
        filters={k: v for k, v in request.GET.items()},
    )
    return _xlsx(content, f"headline-{h.code or 'all'}-{h.year}.xlsx")
