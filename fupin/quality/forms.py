"""Forms of the worklist: the GET filters, the bulk action on selected findings, running the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fupin.quality.codes import FINDING_STATUS, RULE_FAMILY, SEVERITY
from fupin.quality.models import EXPLAINED, FIXED, OPEN
from fupin.quality.selectors import RULES, family_of
from fupin.regions import selectors as region_selectors


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


class FindingFilterForm(forms.Form):
    """The worklist's GET filters. Invalid values are dropped, never an error page."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    region = forms.CharField(
        label=_("Township / village"), required=False, max_length=12, widget=forms.Select
    )
    family = forms.ChoiceField(label=_("Rule family"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, data, *, user, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [(y, y) for y in years]
        regions = region_selectors.filter_choices(user, (data or {}).get("region") or "")
        if regions:
            self.fields["region"].widget.choices = [("", "—")] + regions
        else:  # a village account has nothing below to choose
            del self.fields["region"]
        en = _en()
        self.fields["family"].choices = [("", "—"), *RULE_FAMILY.choices]
        family = (data or {}).get("family")
        self.fields["rule"].choices = [("", "—")] + [
            (r.id, f"{r.id} {r.message_en if en else r.message_zh}")
            for r in RULES
            if family not in RULE_FAMILY or family_of(r.id) == family
        ]
        self.fields["severity"].choices = [("", "—"), *SEVERITY.choices]
        self.fields["status"].choices = [("", "—"), *FINDING_STATUS.choices]
        self.fields["assignee"].choices = [("", "—"), ("mine", _("Mine")), ("none", _("Nobody"))]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        keys = ("year", "region", "family", "rule", "severity", "status", "assignee")
        out = {k: data.get(k) or None for k in keys}
        if "region" not in self.fields:  # still honoured (and refused with 404 outside the user's subtree)
            out["region"] = (self.data.get("region") or "").strip()[:12] or None
        return out


class ActionForm(forms.Form):
    """One action on the selected findings."""

    ACTIONS = [
        ("assign", _("Assign to")),
        (FIXED, _("Mark fixed")),
        (EXPLAINED, _("Mark explained")),
        (OPEN, _("Reopen")),
    ]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ChoiceField(label=_("Person"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("Why the data is right (required to explain)")}),
    )

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (
                u.pk,
                f"{u.get_full_name() or u.username} · {u.role_label}{' · ' + u.region.name if u.region else ''}",
            )
            for u in assignees
        ]

    def selected(self) -> list[str]:
        """The ticked rows (checked against the user's scope by the service)."""
        return self.data.getlist("ids")

    def versions_seen(self) -> dict[int, str]:
        """The version each ticked row was shown at (its hidden `version_<id>` field), where one was sent."""
        sent = {i: (self.data.get(f"version_{i}") or "").strip()[:64] for i in self.selected()}
        return {int(i): v for i, v in sent.items() if i.isdigit() and v}


class RunForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    region = forms.CharField(label=_("Township / village"), required=False, max_length=12)
