"""Forms of the reports pages: a run (year, region, exit level) and a county's evaluation samples."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RunForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    region = forms.CharField(
        label=_("Region code"), required=False, max_length=12, help_text=_("Empty: your whole region")
    )


class ExitRunForm(RunForm):
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("household", _("Households")), ("village", _("Villages")), ("county", _("Counties"))],
    )


class CountyInputForm(forms.Form):
    county = forms.ChoiceField(label=_("County"))
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    exit_sample = forms.IntegerField(label=_("Sampled exited persons"), required=False, min_value=0)
    wrong_exit_found = forms.IntegerField(label=_("Wrong exits found"), required=False, min_value=0)
    missed_sample_population = forms.IntegerField(
        label=_("Surveyed unregistered rural population"), required=False, min_value=0
    )
    missed_found = forms.IntegerField(label=_("Missed poor found"), required=False, min_value=0)
    survey_households = forms.IntegerField(label=_("Surveyed households"), required=False, min_value=0)
    survey_approving = forms.IntegerField(label=_("Approving households"), required=False, min_value=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, f"{c.name} ({c.code})") for c in counties]
