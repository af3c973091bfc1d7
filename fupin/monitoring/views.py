"""Monitoring pages: dashboard, alert inbox, department lists, and the public self-report page.

The alert's status form and the case's action form carry the version of what the page shows (a hidden
`version` field): a change sent from a page opened before someone else's change is refused (409) and nothing
is saved; the page then shows the alert or case as it is now, with the note that was typed kept."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import polars as pl
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import scope
from fupin.accounts.models import ExportLog
from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.privacy import id_for, masked_record
from fupin.monitoring import cases, selectors, services, sources
from fupin.monitoring import dashboard as figures_
from fupin.monitoring.codes import ELIMINATION_METHOD, SELF_REPORT_KIND
from fupin.monitoring.models import (
    Alert,
    AlertStatus,
    Case,
    CaseKind,
    Channel,
    DepartmentImport,
    MonitorType,
    Source,
)
from fupin.overview import charts
from fupin.registry import selectors as registry_selectors
from fupin.registry.forms import english

SELF_REPORT_LIMITS = {"ip": (5, 3600), "id": (3, 86400)}  # reports per window (seconds)


def _lang() -> str:
    return get_language() or "zh-hans"


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or "")
    except ValueError:
        pass
    return registry_selectors.latest_year(request.user) or date.today().year


def _region(request) -> str | None:
    return (request.GET.get("region") or "").strip() or None


def _conflict_message(exc: EditConflict) -> str:
    return exc.en if english() else exc.zh


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
            messages.error(request, e.message(_lang()))
            return redirect("monitoring:dashboard")

    wrapper.__name__ = fn.__name__
    return wrapper


@login_required
@_refusals
def dashboard(request):
    year, region = _year(request), _region(request)
    try:
        data = selectors.summary(request.user, year=year, region=region)
    except services.MonitoringError as e:
        messages.error(request, f"{e.message_zh} / {e.message_en}")
        return redirect("monitoring:dashboard")
    lang = _lang()
    for row in data["by_signal"]:
        row["label"] = selectors.signal_label(row["signal"], lang)
    trend = figures_.trend(request.user, year=year, region=region)
    funnel = charts.funnel_counts(scope.resolve(request.user, region).prefix, year)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "cases": cases.case_counts(request.user, year=year, region=region),
            "figures": figures_.figures(request.user, year=year, region=region),
            "trend": trend,
            "page_charts": [
                charts.monitoring_trend(trend, year),
                charts.monitoring_risks(data["by_signal"]),
                charts.monitoring_funnel(funnel, year),
            ],
            "type_labels": dict(MonitorType.choices),
            "types": MonitorType.choices,
            "methods": ELIMINATION_METHOD.choices,
            "year": year,
            "region": region or "",
            "data": data,
            "channels": Channel.choices,
            "statuses": AlertStatus.choices,
            "can_run": request.user.can("writes_registry"),
            "can_import": services.can_import_department(request.user),
            "can_export": request.user.can("exports"),
            "imports": selectors.department_imports_for(request.user)[:5],
        },
    )


@login_required
@require_POST
@_refusals
def run_batch(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Give the year."))
        return redirect("monitoring:dashboard")
    report = services.run_batch(request.user, year, (request.POST.get("region") or "").strip() or None)
    messages.success(
        request,
        _("Batch for %(year)s: %(households)s households checked, %(signals)s signals, %(new)s new alerts.")
        % {"year": year, "households": report.households, "signals": report.signals, "new": report.new},
    )
    return redirect(f"{reverse('monitoring:dashboard')}?year={year}")


class AlertFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False)
    region = forms.CharField(label=gettext_lazy("Region code"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *AlertStatus.choices]
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    signal = forms.CharField(label=gettext_lazy("Signal"), required=False)
    unmatched = forms.BooleanField(label=gettext_lazy("Not in the registry"), required=False)


def _filtered(request):
    form = AlertFilter(request.GET)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.alerts_for(
        request.user,
        year=f.get("year"),
        region=f.get("region") or None,
        status=f.get("status") or None,
        channel=f.get("channel") or None,
        signal=f.get("signal") or None,
        unmatched=bool(f.get("unmatched")),
    )
    return form, qs


@login_required
@_refusals
def alert_list(request):
    try:
        form, qs = _filtered(request)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
    except services.MonitoringError as e:
        messages.error(request, f"{e.message_zh} / {e.message_en}")
        return redirect("monitoring:alert_list")
    lang = _lang()
    for a in page:
        a.label = selectors.signal_label(a.signal, lang)
    return render(
        request,
        "monitoring/alert_list.html",
        {"form": form, "page": page, "can_export": request.user.can("exports")},
    )


@login_required
@_refusals
def alert_detail(request, pk: int):
    alert = selectors.get_alert_for(request.user, pk)
    conflict = None
    if request.method == "POST":
        try:
            services.set_status(
                request.user,
                alert,
                request.POST.get("status", ""),
                request.POST.get("note", ""),
                version=versions.posted(request),
            )
        except EditConflict as e:  # shown with the alert as it is now
            conflict = _conflict_message(e)
            alert = selectors.get_alert_for(request.user, pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("monitoring:alert_detail", pk=alert.pk)
    evidence = masked_record(request.user, dict(alert.evidence))
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "label": selectors.signal_label(alert.signal, _lang()),
            "evidence": evidence,
            "statuses": AlertStatus.choices,
            "can_handle": services.can_handle_alerts(request.user),
            "version": services.alert_version(alert),
            "conflict": conflict,
            "note": request.POST.get("note", "") if conflict else "",
        },
        status=409 if conflict else 200,
    )


@login_required
@_refusals
def alert_export(request):
    if not request.user.can("exports"):
        raise PermissionDenied
    _form, qs = _filtered(request)
    rows = list(
        qs.values_list(
            "id",
            "year",
            "region_id",
            "household__household_no",
            "channel",
            "source",
            "signal",
            "status",
            "created_at",
        )
    )
    lang = _lang()
    df = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "编号 id": pl.Int64,
            "年度 year": pl.Int64,
            "区划 region": pl.String,
            "户编号 household": pl.String,
            "渠道 channel": pl.String,
            "来源 source": pl.String,
            "信号 signal": pl.String,
            "状态 status": pl.String,
            "时间 created": pl.Datetime,
        },
    )
    df = df.with_columns(
        pl.col("信号 signal")
        .map_elements(lambda s: selectors.signal_label(s, lang), return_dtype=pl.String)
        .alias("说明 label")
    )
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.alerts.xlsx",
        channel="web",
        filters=dict(request.GET.items()),
        rows=df.height,
        masked=True,
    )
    resp = HttpResponse(
        services.alerts_xlsx(df),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = 'attachment; filename="alerts.xlsx"'
    return resp


# ------------------------------------------------------------------------------------------- departments
class DepartmentForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[(s, label) for s, label in Source.choices if s in sources.SOURCES],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2014, max_value=2100, initial=date.today().year
    )
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))


@login_required
@_refusals
def department_upload(request):
    if not services.can_import_department(request.user):
        raise PermissionDenied
    form = DepartmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        suffix = Path(up.name).suffix.lower()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"upload{suffix}"
            with path.open("wb") as fh:
                for chunk in up.chunks():
                    fh.write(chunk)
            try:
                batch = services.import_department(
                    request.user,
                    path,
                    source=form.cleaned_data["source"],
                    year=form.cleaned_data["year"],
                    file_name=up.name,
                )
            except (services.MonitoringError, services.FileUnreadable) as e:
                form.add_error("file", f"{e.message_zh} / {e.message_en}")
            else:
                return redirect("monitoring:department_report", pk=batch.pk)
    return render(request, "monitoring/department_upload.html", {"form": form})


@login_required
@_refusals
def department_report(request, pk: int):
    batch = selectors.get_department_import_for(request.user, pk)
    en = _lang().startswith("en")
    problems = [
        {
            "row": r["_row"],
            "id_number": id_for(request.user, r["id_number_raw"]),
            "name": r["name_raw"],
            "message": r["message_en"] if en else r["message_zh"],
        }
        for r in batch.problem_rows
    ]
    return render(
        request,
        "monitoring/department_report.html",
        {"batch": batch, "counts": list(batch.counts.items()), "problems": problems},
    )


@login_required
@_refusals
def department_unmatched(request, pk: int):
    batch = selectors.get_department_import_for(request.user, pk)
    if not batch.unmatched_file or not Path(batch.unmatched_file).exists():
        raise Http404
    content = services.unmatched_download(request.user, batch)
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.unmatched.xlsx",
        channel="web",
        filters={"batch": batch.pk},
        rows=sum(1 for _ in batch.problem_rows),
        masked=not request.user.can("sees_id_numbers"),
    )
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="unmatched-{batch.pk}.xlsx"'
    return resp


# ------------------------------------------------------------------------------------------- self-report
class SelfReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=30)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20)
    kind = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=SELF_REPORT_KIND.choices,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe what happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    county = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_id_number(self):
        from fupin.engine.cleaning import prepare
        from fupin.engine.idnumber import ID_MESSAGES, parse_ids

        raw = self.cleaned_data["id_number"]
        df = parse_ids(prepare(pl.DataFrame({"id_number": [raw]}), ["id_number"]), "id_number", date.today())
        problem, id18 = df["_id_problem"][0], df["_id18"][0]
        if problem:
            zh, en = ID_MESSAGES[problem]
            raise forms.ValidationError(f"{zh} / {en}")
        if id18 is None or len(raw.strip()) > 18:
            raise forms.ValidationError("请填写18位居民身份证号码 / give the 18-character ID number")
        return id18

    def clean_phone(self):
        import re
        import unicodedata

        phone = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", self.cleaned_data["phone"]))
        phone = re.sub(r"^\+?86(1\d{10})$", r"\1", phone)
        if not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
            raise forms.ValidationError(
                "请填写11位手机号码或带区号的固定电话 / give an 11-digit mobile number or a "
                "landline with its area code"
            )
        return phone

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("请填写姓名 / give your name")
        return name


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _over_limit(kind: str, value: str) -> bool:
    limit, window = SELF_REPORT_LIMITS[kind]
    # A keyed hash, never the ID number itself: a shared cache (Redis, memcached) keeps its keys in clear.
    key = f"monitoring:selfreport:{kind}:{salted_hmac('fupin.monitoring.self_report', value).hexdigest()}"
    added = cache.add(key, 0, window)
    del added
    try:
        n = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
        n = 1
    return n > limit


def self_report(request):
    """农户自主申报 — public, no sign-in; rate-limited per IP and per ID number."""
    form = SelfReportForm(request.POST or None, initial={"county": request.GET.get("county", "")})
    if request.method == "POST":
        if _over_limit("ip", _client_ip(request)):
            return render(
                request, "monitoring/self_report.html", {"form": form, "throttled": True}, status=429
            )
        if form.is_valid():
            d = form.cleaned_data
            if _over_limit("id", d["id_number"]):
                return render(
                    request, "monitoring/self_report.html", {"form": form, "throttled": True}, status=429
                )
            services.self_report(
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                kind=d["kind"],
                description=d["description"],
                county=d.get("county") or None,
            )
            return render(request, "monitoring/self_report_done.html", {})
    return render(request, "monitoring/self_report.html", {"form": form})


# ------------------------------------------------------------------------------------------------- cases
def _case_rows(qs, lang: str, today: date):
    rows = []
    for c in qs:
        c.step_label = cases.step_label(c.step, lang) if c.step else ""
        c.overdue = cases.is_overdue(c, today)
        rows.append(c)
    return rows


@login_required
@_refusals
def case_list(request):
    qs = cases.cases_for(request.user, region=_region(request))
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(step="")
    elif state == "overdue":
        qs = qs.exclude(step="").filter(deadline__lt=date.today())
    elif state == "closed":
        qs = qs.filter(step="")
    if request.GET.get("kind") in CaseKind.values:
        qs = qs.filter(kind=request.GET["kind"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = _case_rows(page.object_list, _lang(), date.today())
    return render(
        request,
        "monitoring/case_list.html",
        {"page": page, "state": state, "kinds": CaseKind.choices, "kind": request.GET.get("kind", "")},
    )


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CaseKind.choices)
    monitor_type = forms.ChoiceField(
        label=gettext_lazy("Monitoring type"), required=False, choices=[("", "—"), *MonitorType.choices]
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Elimination method"),
        required=False,
        choices=[("", "—"), *ELIMINATION_METHOD.choices],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2014, max_value=2100, initial=date.today().year
    )
    green_channel = forms.BooleanField(
        label=gettext_lazy("Green channel (assist first, procedure after)"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
@_refusals
def case_open(request):
    from fupin.registry.selectors import get_household_for

    try:
        household = get_household_for(request.user, request.GET.get("household", ""))
    except Exception:
        raise Http404 from None
    alert = None
    if request.GET.get("alert"):
        alert = selectors.get_alert_for(request.user, int(request.GET["alert"]))
    form = CaseForm(
        request.POST or None,
        initial={
            "kind": request.GET.get("kind", "identification"),
            "year": alert.year if alert else date.today().year,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = cases.open_case(
                request.user,
                household,
                d["kind"],
                year=d["year"],
                alert=alert,
                monitor_type=d["monitor_type"],
                method=d["method"],
                green_channel=d["green_channel"],
                note=d["note"],
                risks=[alert.signal] if alert else [],
            )
        except services.MonitoringError as e:
            form.add_error(None, f"{e.message_zh} / {e.message_en}")
        else:
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(
        request, "monitoring/case_open.html", {"form": form, "household": household, "alert": alert}
    )


@login_required
@_refusals
def case_detail(request, pk: int):
    case = cases.get_case_for(request.user, pk)
    lang = _lang()
    conflict = None
    if request.method == "POST":
        action, note = request.POST.get("action", ""), request.POST.get("note", "")
        fn = {
            "advance": cases.advance,
            "reject": cases.reject,
            "object": cases.object_,
            "rollback": cases.rollback,
            "note": cases.add_note,
        }.get(action)
        if fn is None:
            raise Http404
        try:
            fn(request.user, case, note, version=versions.posted(request))
        except EditConflict as e:  # shown with the case as it is now
            conflict = _conflict_message(e)
            case = cases.get_case_for(request.user, pk)
        except services.MonitoringError as e:
            messages.error(request, f"{e.message_zh} / {e.message_en}")
        else:
            messages.success(request, _("Saved."))
        if conflict is None:
            return redirect("monitoring:case_detail", pk=case.pk)
    steps = []
    reached = case.steps.index(case.step) if case.step else len(case.steps)
    for i, code in enumerate(case.steps):
        steps.append(
            {
                "code": code,
                "label": cases.step_label(code, lang),
                "done": i < reached,
                "current": code == case.step,
            }
        )
    events = list(case.events.select_related("user"))
    for e in events:
        e.step_label = cases.step_label(e.step, lang) if e.step else ""
    can_now = cases.can_act(request.user, case)
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "steps": steps,
            "events": events,
            "overdue": cases.is_overdue(case),
            "can_advance": can_now,
            "can_reject": can_now and case.step in cases.REVIEW_STEPS,
            "can_object": can_now and case.step == "publicized",
            "can_rollback": (
                case.is_open
                and case.steps.index(case.step) > 0
                and cases.can_act(request.user, case, case.steps[case.steps.index(case.step) - 1])
            )
            or (
                not case.is_open
                and case.kind == "elimination"
                and case.outcome == "approved"
                and cases.can_act(request.user, case, "county_approved")
            ),
            "can_note": services.can_handle_alerts(request.user),
            "version": cases.case_version(case),
            "conflict": conflict,
            "note": request.POST.get("note", "") if conflict else "",
        },
        status=409 if conflict else 200,
    )


@login_required
@_refusals
def elimination_list(request):
    year = _year(request)
    df = cases.elimination_worklist(request.user, year, _region(request))
    lang = _lang()
    from fupin.engine.monitoring import blocker_text

    numbers = registry_selectors.household_numbers(request.user, df["household_id"].to_list())
    rows = [
        {**r, "household_no": numbers.get(r["household_id"], ""), "why": blocker_text(r["blockers"], lang)}
        for r in df.sort("household_id").iter_rows(named=True)
    ]
    return render(request, "monitoring/elimination_list.html", {"rows": rows, "year": year})


MEASURE_LABELS = {
    "poor": gettext_lazy("Remaining poor households"),
    "monitored": gettext_lazy("Monitored households"),
    "identified": gettext_lazy("Newly identified monitored households"),
    "eliminated": gettext_lazy("Risk eliminated"),
    "opened": gettext_lazy("Cases opened"),
    "alerts": gettext_lazy("Households with new alerts"),
}


@login_required
@_refusals
def household_drill(request):
    """The households behind one dashboard figure: ?measure=&year=&region=&key=&month=."""
    year, region = _year(request), _region(request)
    measure = request.GET.get("measure", "")
    if measure not in figures_.MEASURES:
        raise Http404
    key = request.GET.get("key", "")
    try:
        month = int(request.GET.get("month") or 0) or None
    except ValueError:
        month = None
    if month is not None and not 1 <= month <= 12:
        month = None
    try:
        qs = figures_.drill(request.user, year=year, measure=measure, region=region, key=key, month=month)
    except services.MonitoringError as e:
        messages.error(request, f"{e.message_zh} / {e.message_en}")
        return redirect("monitoring:dashboard")
    key_label = dict(
        [*Channel.choices, *MonitorType.choices, *ELIMINATION_METHOD.choices, *CaseKind.choices]
    ).get(key, key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/household_drill.html",
        {
            "page": page,
            "year": year,
            "region": region or "",
            "month": month,
            "key_label": key_label,
            "title": MEASURE_LABELS[measure],
        },
    )


def _trend_sheet(trend: list[dict]) -> pl.DataFrame:
    cols = {
        "month": "月份 month",
        **{f"alerts_{c}": f"预警 alerts: {c}" for c in Channel.values},
        "alerts": "预警合计 alerts",
        "opened": "新开事项 cases opened",
        **{f"identified_{t}": f"新识别 identified: {t}" for t in MonitorType.values},
        "identified": "新识别合计 identified",
        "eliminated_assisted": "帮扶消除 eliminated: assisted",
        "eliminated_natural": "自然消除 eliminated: natural",
        "eliminated": "风险消除合计 eliminated",
    }
    return pl.DataFrame(
        [{v: r[k] for k, v in cols.items()} for r in trend], schema={v: pl.Int64 for v in cols.values()}
    )


@login_required
@_refusals
def dashboard_export(request):
    if not request.user.can("exports"):
        raise PermissionDenied
    year, region = _year(request), _region(request)
    data = selectors.summary(request.user, year=year, region=region)
    counts = cases.case_counts(request.user, year=year, region=region)
    figs = figures_.figures(request.user, year=year, region=region)
    trend = figures_.trend(request.user, year=year, region=region)
    lang = _lang()
    sheets = {
        "总体 totals": pl.DataFrame(
            [
                {"指标 figure": k, "值 value": None if v is None else float(v)}
                for k, v in (
                    ("alerts", data["total"]),
                    ("households with alerts", data["households"]),
                    ("new alerts", data["new"]),
                    ("monitored households", counts["monitored"]),
                    ("newly identified", counts["new_identified"]),
                    ("eliminated", counts["eliminated"]),
                    ("open cases", counts["open"]),
                    ("overdue cases", counts["overdue"]),
                    ("风险消除率 elimination rate %", counts["elimination_rate_pct"]),
                    ("remaining poor households", figs["remaining_poor"]),
                )
            ]
        ),
        "按类型 by type": pl.DataFrame(
            [
                {
                    "类型 type": t.code,
                    "名称 label": t.zh,
                    "监测中 monitored": figs["monitored_by_type"].get(t.code, 0),
                    "当年新识别 identified": figs["new_by_type"].get(t.code, 0),
                }
                for t in MonitorType
            ],
            schema={
                "类型 type": pl.String,
                "名称 label": pl.String,
                "监测中 monitored": pl.Int64,
                "当年新识别 identified": pl.Int64,
            },
        ),
        "按消除方式 by method": pl.DataFrame(
            [
                {
                    "方式 method": k,
                    "名称 label": zh,
                    "户数 households": figs["eliminated_by_method"].get(k, 0),
                }
                for k, zh in (("assisted", "帮扶消除"), ("natural", "自然消除"))
            ],
            schema={"方式 method": pl.String, "名称 label": pl.String, "户数 households": pl.Int64},
        ),
        "按月 trend": _trend_sheet(trend),
        "按信号 by signal": pl.DataFrame(
            [
                {
                    "signal": r["signal"],
                    "label": selectors.signal_label(r["signal"], lang),
                    "alerts": r["n"],
                    "new": r["new"],
                }
                for r in data["by_signal"]
            ],
            schema={"signal": pl.String, "label": pl.String, "alerts": pl.Int64, "new": pl.Int64},
        ),
        "按地区 by region": pl.DataFrame(
            data["by_region"],
            schema={
                "code": pl.String,
                "name": pl.String,
                "alerts": pl.Int64,
                "households": pl.Int64,
                "new": pl.Int64,
            },
        ),
    }
    import io

    from fupin.core.exports import workbook, write_sheet

    buf = io.BytesIO()
    with workbook(buf) as wb:
        for name, df in sheets.items():
            write_sheet(wb, df, name)
    ExportLog.objects.create(
        user=request.user,
        kind="monitoring.dashboard.xlsx",
        channel="web",
        filters={"year": year, "region": region or ""},
        rows=len(data["by_signal"]),
        masked=True,
    )
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="monitoring-{year}.xlsx"'
    return resp
