from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.policy.definitions import DEFINITIONS


class ParameterForm(forms.Form):
    name = forms.ChoiceField(label=_("Parameter"))
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=12,
        required=False,
        help_text=_(
            "Empty means nationwide; a province, city or county code overrides the value inside that region."
        ),
    )
    year_from = forms.IntegerField(label=_("From year"), min_value=1949, max_value=2100)
    year_to = forms.IntegerField(
        label=_("To year"),
        min_value=1949,
        max_value=2100,
        required=False,
        help_text=_("Empty means still in force."),
    )
    value = forms.CharField(label=_("Value"), max_length=30)
    source = forms.CharField(
        label=_("Source (document number)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)

    def __init__(self, *args, lang: str = "zh", **kwargs):
        super().__init__(*args, **kwargs)
        en = lang.startswith("en")
        self.fields["name"].choices = [(n, f"{d[1] if en else d[0]} ({n})") for n, d in DEFINITIONS.items()]


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)
