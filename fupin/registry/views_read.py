"""Read-side registry pages: the household list, one household, and the export of the list.

Every query goes through `fupin.registry.selectors`, which applies the user's region scope; a household
outside the scope answers 404 (never 403: the page must not tell that it exists).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from fupin import codes
from fupin.accounts import scope
from fupin.assistance.views.households import household_context
from fupin.core.privacy import ID_KEYS, PHONE_KEYS, id_for, phone_for
from fupin.regions import selectors as region_selectors
from fupin.registry import exports, selectors
from fupin.registry.codes import CHANGE_ACTION, MEMBERSHIP_REASON
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership

PER_PAGE = 50

# Sortable columns: URL key → ORM ordering.
SORTS = {
    "no": "household__household_no",
    "head": "household__head_name",
    "village": "household__village_id",
    "size": "size",
    "income": "net_income_per_capita",
    "status": "status",
}


def _lang() -> str:
    return get_language() or "zh-hans"


def _code_choices(codelist: codes.CodeList) -> list[tuple[str, str]]:
    lang = _lang()
    return [("", "—")] + [(c.code, codelist.label(c.code, lang)) for c in codelist]


class HouseholdFilterForm(forms.Form):
    """The list's GET filters. Invalid values are dropped, never an error page."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=50)
    # Any code in scope is accepted (links from the region browser may go deeper than the choices);
    # the selector narrows within the scope and can never widen it.
    region = forms.CharField(
        label=gettext_lazy("Township / village"), required=False, max_length=12, widget=forms.Select
    )
    region_code = forms.CharField(label=gettext_lazy("Region code"), required=False, max_length=12)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    household_type = forms.ChoiceField(label=gettext_lazy("Household type"), required=False)
    cause = forms.ChoiceField(label=gettext_lazy("Main cause"), required=False)

    def __init__(self, data, *, user, years: list[int]):
        super().__init__(data)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Household no., name or ID number"), "type": "search"}
        )
        self.fields["region_code"].widget.attrs.update(
            {"inputmode": "numeric", "placeholder": "520526001201"}
        )
        regions = region_selectors.filter_choices(user, (data or {}).get("region") or "")
        if regions:
            self.fields["region"].widget.choices = [("", "—")] + regions
        else:  # a village account has nothing below to choose
            del self.fields["region"]
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["status"].choices = _code_choices(codes.HOUSEHOLD_STATUS)
        self.fields["household_type"].choices = _code_choices(codes.HOUSEHOLD_TYPE)
        self.fields["cause"].choices = _code_choices(codes.CAUSE)

    def filters(self) -> dict:
        """Selector keyword arguments from the valid fields; a typed code wins over the select."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = {k: data.get(k) or None for k in ("q", "year", "status", "household_type", "cause")}
        out["region"] = (data.get("region_code") or "").strip() or data.get("region") or None
        if "region" not in self.fields and not out["region"]:  # still honoured (404 outside the scope)
            out["region"] = (self.data.get("region") or "").strip()[:12] or None
        return out


def _order(request) -> tuple[str, str]:
    key = request.GET.get("sort", "no")
    desc = key.startswith("-")
    field = SORTS.get(key.lstrip("-"))
    if field is None:
        return "no", SORTS["no"]
    return key, ("-" if desc else "") + field


def _filtered(request):
    years = selectors.years_for(request.user)
    form = HouseholdFilterForm(request.GET, user=request.user, years=years)
    filters = form.filters()
    if filters["year"] is None:
        filters["year"] = years[0] if years else None
    sort, order = _order(request)
    try:
        rows = selectors.household_years_for(request.user, order=order, **filters)
    except scope.BadRegionCode as e:  # a region outside the scope is not caught: 404, like a missing one
        messages.error(request, e.message())
        form.add_error("region_code", e.message())
        rows = HouseholdYear.objects.none()
    return form, filters, sort, rows


@login_required
def household_list(request):
    form, filters, sort, rows = _filtered(request)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    user = request.user
    for hy in page.object_list:  # at most 50 rows, already fetched: masking is per displayed cell
        hy.phone_shown = phone_for(user, hy.household.phone)
    columns = [
        ("no", _("Household no.")),
        ("head", _("Head")),
        ("village", _("Village")),
        ("size", _("Size")),
        ("status", _("Status")),
        (None, _("Type")),
        (None, _("Main cause")),
        ("income", _("Per-capita net income")),
        (None, _("Phone")),
    ]
    headers = []
    for key, label in columns:
        if key is None:
            headers.append({"label": label})
            continue
        current = sort.lstrip("-") == key
        descending = current and sort.startswith("-")
        headers.append(
            {
                "label": label,
                "sort": f"-{key}" if current and not descending else key,
                "aria": ("descending" if descending else "ascending") if current else "",
                "num": key in ("size", "income"),
            }
        )
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "year": filters["year"],
            "headers": headers,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "can_write": user.can("writes_registry"),
            "can_export": user.can("exports"),
        },
    )


# ---- one household -------------------------------------------------------------------------------

FIELD_CODELISTS = {
    "status": "household_status",
    "household_type": "household_type",
    "poverty_type": "poverty_type",
    "standard": "standard",
    "main_cause": "cause",
    "housing_grade": "housing_grade",
    "sex": "sex",
    "relation": "relation",
    "health": "health",
    "labour": "labour",
    "education": "education",
    "school": "school",
    "work_status": "work",
    "start_reason": None,
    "end_reason": None,
}
ENTITY_MODELS = {
    "household": Household,
    "household_year": HouseholdYear,
    "member": Member,
    "membership": Membership,
}
HIDDEN_FIELDS = {"id", "is_deleted", "household_id", "member_id"}


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _show_value(user, field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field in ID_KEYS:
        return id_for(user, str(value))
    if field in PHONE_KEYS:
        return phone_for(user, str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "other_causes":
        return "、".join(codes.CAUSE.label(c, _lang()) for c in str(value).split(",") if c)
    if field in ("start_reason", "end_reason"):
        return _membership_reason(value)
    if FIELD_CODELISTS.get(field):
        return codes.ALL[FIELD_CODELISTS[field]].label(str(value), _lang())
    return str(value)


def _membership_reason(code: str) -> str:
    return MEMBERSHIP_REASON.label(code, _lang())


def _field_label(entity: str, field: str) -> str:
    model = ENTITY_MODELS.get(entity)
    if model is not None:
        for f in model._meta.concrete_fields:
            if f.attname == field:
                return str(f.verbose_name)
    return field.replace("_", " ")


def _created_parts(user, after: dict) -> list[dict]:
    """The yearly records and members carried by the one Change of a created household, one line each."""
    rows = []
    for y in after.get("years") or []:
        parts = [_show_value(user, "status", y.get("status"))]
        if y.get("net_income_per_capita") is not None:
            parts.append(
                f"{_field_label('household_year', 'net_income_per_capita')} {y['net_income_per_capita']}"
            )
        if y.get("size") is not None:
            parts.append(f"{_field_label('household_year', 'size')} {y['size']}")
        rows.append(
            {
                "field": f"{ENTITY_LABELS['household_year']} {y.get('year', '')}",
                "before": "",
                "after": " · ".join(parts),
            }
        )
    for m in after.get("members") or []:
        parts = [_show_value(user, k, m.get(k)) for k in ("name", "relation", "id_number")]
        rows.append({"field": str(ENTITY_LABELS["member"]), "before": "", "after": " · ".join(parts)})
    return rows


def _diff(user, change: Change) -> list[dict]:
    before, after = change.before or {}, dict(change.after or {})
    nested = {}
    if change.action == "create" and change.entity == "household":
        nested = {k: after.pop(k) for k in ("years", "members") if isinstance(after.get(k), list)}
    keys = [
        k
        for k in dict.fromkeys([*before, *after])
        if k not in HIDDEN_FIELDS and before.get(k) != after.get(k)
    ]
    if change.action in ("delete", "restore"):
        keys = [k for k in keys if k == "is_deleted"] or keys
    return [
        {
            "field": _field_label(change.entity, k),
            "before": _show_value(user, k, before.get(k)) if change.before is not None else "",
            "after": _show_value(user, k, after.get(k)) if change.after is not None else "",
        }
        for k in keys
    ] + _created_parts(user, nested)


def _action_label(code: str) -> str:
    return CHANGE_ACTION.label(code, _lang())


ENTITY_LABELS = {
    "household": gettext_lazy("Household"),
    "household_year": gettext_lazy("Yearly record"),
    "member": gettext_lazy("Member"),
    "membership": gettext_lazy("Membership"),
}


@login_required
def household_detail(request, household_no: str):
    user = request.user
    try:
        household = selectors.get_household_for(user, household_no)
    except Household.DoesNotExist:
        raise Http404 from None
    today = timezone.localdate()
    members = list(household.members.filter(is_deleted=False).order_by("id"))
    for m in members:
        m.id_shown = id_for(user, m.id_number)
        m.age = _age(m.birth_date, today)
    left = list(
        household.memberships.filter(end_date__isnull=False)
        .select_related("member")
        .order_by("-end_date", "id")
    )
    for ms in left:
        ms.id_shown = id_for(user, ms.member.id_number)
        ms.start_reason_label = _membership_reason(ms.start_reason)
        ms.end_reason_label = _membership_reason(ms.end_reason)
    years = list(household.years.filter(is_deleted=False).order_by("-year"))
    changes = list(selectors.changes_for(user, household)[:200])
    for ch in changes:
        ch.action_label = _action_label(ch.action)
        ch.entity_label = ENTITY_LABELS.get(ch.entity, ch.entity)
        ch.diff = _diff(user, ch)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "latest": years[0] if years else None,
            "members": members,
            "left": left,
            "years": years,
            "changes": changes,
            "phone": phone_for(user, household.phone),
            "can_write": user.can("writes_registry"),
            **household_context(user, household),
        },
    )


# ---- export --------------------------------------------------------------------------------------


@login_required
def household_export(request):
    user = request.user
    if not user.can("exports"):
        raise PermissionDenied(_("Your role may not export registry data."))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_TYPES:
        fmt = "xlsx"
    form, filters, _sort, rows = _filtered(request)
    if form.errors:
        return redirect(reverse("registry:household_list") + "?" + request.GET.urlencode())
    logged = {k: v for k, v in filters.items() if v not in (None, "")}
    export, _n = exports.export_households(user, rows, fmt=fmt, filters=logged, channel="web")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"households-{filters['year'] or 'all'}-{stamp}.{fmt}"
    return export.response(name, EXPORT_TYPES[fmt])


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
