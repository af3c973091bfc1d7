"""Forms of the evaluation pages. They only render and carry the values: every check is the services' (one
validation path for forms, the API and workbook rows), whose problems come back onto the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.evaluation.codes import EvaluationKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("是", _("Yes")), ("否", _("No"))]
YES_NO_WIDGET = forms.RadioSelect(attrs={"class": "yes-no"})


class EvaluationForm(forms.Form):
    county = forms.ChoiceField(label=_("County"))
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind of evaluation"), choices=EvaluationKind.choices)
    seed = forms.CharField(
        label=_("Seed"),
        required=False,
        max_length=20,
        help_text=_("Empty: a new one is chosen and kept. The same seed draws the same sample."),
    )
    size_villages = forms.CharField(label=_("Villages to sample"), required=False, max_length=8)
    size_exited = forms.CharField(label=_("Exited households to sample"), required=False, max_length=8)
    size_poor = forms.CharField(label=_("Poor households to sample"), required=False, max_length=8)
    size_unregistered = forms.CharField(
        label=_("Unregistered households to sample"),
        required=False,
        max_length=8,
        help_text=_("Empty sample sizes: the policy parameters in force for the county and year."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, f"{c.name} ({c.code})") for c in counties]
        for name in ("size_villages", "size_exited", "size_poor", "size_unregistered", "seed"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date of the visit"), required=False, widget=DATE)
    income_pc = forms.CharField(
        label=_("Per-capita net income (re-measured, yuan)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    food = forms.ChoiceField(label=_("Enough to eat"), choices=YES_NO, required=False, widget=YES_NO_WIDGET)
    clothing = forms.ChoiceField(
        label=_("Enough to wear"), choices=YES_NO, required=False, widget=YES_NO_WIDGET
    )
    education = forms.ChoiceField(
        label=_("Compulsory education secured"), choices=YES_NO, required=False, widget=YES_NO_WIDGET
    )
    medical = forms.ChoiceField(
        label=_("Basic medical care secured"), choices=YES_NO, required=False, widget=YES_NO_WIDGET
    )
    housing = forms.ChoiceField(label=_("Safe housing"), choices=YES_NO, required=False, widget=YES_NO_WIDGET)
    water = forms.ChoiceField(
        label=_("Safe drinking water"), choices=YES_NO, required=False, widget=YES_NO_WIDGET
    )
    approves = forms.ChoiceField(
        label=_("Approves of the poverty-alleviation work"),
        choices=YES_NO,
        required=False,
        widget=YES_NO_WIDGET,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook of visits (xlsx or csv)"))
