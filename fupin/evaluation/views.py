"""Evaluation pages: the list (and setting one up), an evaluation with its rates, strata and sample, the
phone form of a verification visit, the workbook import of visits, the export, closing.

Thin: every figure comes from `selectors.py`, every write goes through `services.py`. An evaluation outside
the user's region answers 404 like a missing one; a role that may not act answers 403.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.export_log import log_export
from fupin.core import versions
from fupin.core.errors import EditConflict, in_language
from fupin.core.tables import FileUnreadable
from fupin.evaluation import exports, selectors, services
from fupin.evaluation.codes import GUARANTEE_LABELS, Indicator, Stratum
from fupin.evaluation.forms import EvaluationForm, ImportForm, VisitForm
from fupin.evaluation.models import Evaluation, SampledHousehold
from fupin.regions import selectors as region_selectors
from fupin.regions.codes import COUNTY
from fupin.registry.selectors import latest_year

PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _lang() -> str:
    return "en" if _en() else "zh"


def _add_errors(form, e: services.EvaluationRejected) -> None:
    for p, text in zip(e.problems, e.messages(), strict=True):
        form.add_error(p.field if p.field in form.fields else None, text)


def _evaluation_or_404(request, pk: int) -> Evaluation:
    try:
        return selectors.get_evaluation(request.user, pk)
    except Evaluation.DoesNotExist:
        raise Http404 from None


@login_required
def evaluation_list(request):
    user = request.user
    can_create = services.can_create(user)
    form = None
    if can_create:
        counties = region_selectors.search(user, level=COUNTY)
        initial = {"year": latest_year(user) or date.today().year, "kind": "third_party"}
        form = EvaluationForm(request.POST or None, initial=initial, counties=counties)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                e = services.create_evaluation(
                    user,
                    county=d["county"],
                    year=d["year"],
                    kind=d["kind"],
                    seed=d["seed"] or None,
                    sizes={k: d[f"size_{k}"] for k in ("villages", "exited", "poor", "unregistered")},
                    note=d["note"],
                )
            except services.EvaluationRejected as err:
                _add_errors(form, err)
            else:
                messages.success(request, _("The evaluation was set up and its sample drawn."))
                return redirect("evaluation:detail", e.pk)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(selectors.evaluations_for(user), 50).get_page(request.GET.get("page"))
    return render(request, "evaluation/list.html", {"page": page, "form": form, "can_create": can_create})


def _rates_rows(evaluation: Evaluation) -> list[dict]:
    lang = _lang()
    rows = selectors.rates(evaluation).to_dicts()
    for r in rows:
        r["label"] = Indicator.label(r["indicator"], lang)
        # the unit after a count: 人 / 户 (the glossary's Persons and Households are column headings)
        r["unit_label"] = {"persons": ("人", "persons"), "households": ("户", "households")}[r["unit"]][_en()]
    return rows


def _progress_rows(evaluation: Evaluation) -> list[dict]:
    rows = selectors.progress(evaluation).to_dicts()
    for r in rows:
        r["label"] = Stratum.label(r["stratum"], _lang())
    return rows


@login_required
def evaluation_detail(request, pk: int):
    user = request.user
    evaluation = _evaluation_or_404(request, pk)
    context = {
        "evaluation": evaluation,
        "rates": _rates_rows(evaluation),
        "strata": _progress_rows(evaluation),
        "can_see_sample": selectors.can_see_sample(user),
        "can_record": services.can_record(user, evaluation) and evaluation.status == "open",
        "can_close": services.can_create(user) and evaluation.status == "open",
        "can_export": user.can("exports"),
        "version": services.evaluation_version(evaluation),
        "import_form": ImportForm(),
    }
    if context["can_see_sample"]:
        sample = selectors.sample_for(user, evaluation)
        stratum = request.GET.get("stratum")
        if stratum in Stratum.values:
            sample = sample.filter(stratum=stratum)
        if request.GET.get("visited") == "no":
            sample = sample.filter(visit__isnull=True)
        page = Paginator(sample, PAGE_SIZE).get_page(request.GET.get("page"))
        for s in page:
            s.stratum_label = Stratum.label(s.stratum, _lang())
        context.update({"page": page, "stratum": stratum, "strata_choices": Stratum.choices})
    return render(request, "evaluation/detail.html", context)


@login_required
def evaluation_export(request, pk: int):
    if not request.user.can("exports"):
        raise PermissionDenied
    evaluation = _evaluation_or_404(request, pk)
    content, rows = exports.workbook_bytes(request.user, evaluation)
    log_export(request.user, "evaluation.xlsx", channel="web", rows=rows, filters={"evaluation": pk})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-{evaluation.pk}-{evaluation.county_id}-{evaluation.year}.xlsx"'
    )
    return response


@login_required
@require_POST
def visit_import(request, pk: int):
    evaluation = _evaluation_or_404(request, pk)
    if not services.can_record(request.user, evaluation):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        up = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"upload{Path(up.name).suffix.lower()}"
            with path.open("wb") as fh:
                for chunk in up.chunks():
                    fh.write(chunk)
            try:
                n = services.import_visits(request.user, pk, path)
            except services.EvaluationRejected as e:
                problems = e.messages()
            except FileUnreadable as e:
                problems = [in_language(e.message_zh, e.message_en)]
            else:
                messages.success(request, _("%(n)d visits were saved.") % {"n": n})
                return redirect("evaluation:detail", pk)
    else:
        problems = [str(m) for errs in form.errors.values() for m in errs]
    return render(
        request,
        "evaluation/import_rejected.html",
        {"evaluation": evaluation, "problems": problems[:200], "more": max(0, len(problems) - 200)},
        status=422,
    )


@login_required
@require_POST
def evaluation_close(request, pk: int):
    _evaluation_or_404(request, pk)
    try:
        services.close_evaluation(request.user, pk, version=versions.posted(request))
    except EditConflict as e:
        messages.error(request, e.message())
    except services.EvaluationRejected as e:
        for text in e.messages():
            messages.error(request, text)
    else:
        messages.success(
            request, _("The evaluation was closed: its figures now feed the county exit evaluation.")
        )
    return redirect("evaluation:detail", pk)


def _initial(visit) -> dict:
    if visit is None:
        return {"visited_on": date.today()}

    def yn(v: bool) -> str:
        return "是" if v else "否"

    return {
        "visited_on": visit.visited_on,
        "income_pc": f"{visit.income_pc:.2f}",
        **{g: yn(getattr(visit, g)) for g in GUARANTEE_LABELS},
        "approves": yn(visit.approves),
        "note": visit.note,
    }


@login_required
def visit_edit(request, pk: int, sampled_pk: int):
    user = request.user
    evaluation = _evaluation_or_404(request, pk)
    if not services.can_record(user, evaluation):
        raise PermissionDenied
    try:
        sampled = selectors.sample_for(user, evaluation).get(pk=sampled_pk)
    except SampledHousehold.DoesNotExist:
        raise Http404 from None
    visit = getattr(sampled, "visit", None)
    form = VisitForm(request.POST or None, initial=_initial(visit))
    posted = versions.posted(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        values = {k: request.POST.get(k, "") for k in form.fields}
        try:
            services.record_visit(user, pk, sampled_pk, values, version=posted if visit else None)
        except EditConflict as e:
            form.add_error(None, e.message())
            status = 409
        except services.EvaluationRejected as e:
            _add_errors(form, e)
            status = 422
        else:
            messages.success(request, _("The visit was saved."))
            nxt = (
                selectors.sample_for(user, evaluation)
                .filter(visit__isnull=True, stratum=sampled.stratum)
                .exclude(pk=sampled.pk)
                .first()
            )
            if nxt is not None and request.POST.get("next") == "1":
                return redirect("evaluation:visit", pk, nxt.pk)
            return redirect("evaluation:detail", pk)
    version = (posted or services.visit_version(visit)) if visit else None
    return render(
        request,
        "evaluation/visit.html",
        {
            "evaluation": evaluation,
            "sampled": sampled,
            "stratum_label": Stratum.label(sampled.stratum, _lang()),
            "form": form,
            "visit": visit,
            "version": version,
            "closed": evaluation.status != "open",
        },
        status=status,
    )
