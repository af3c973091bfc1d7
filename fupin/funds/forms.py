from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.funds.codes import FUND_SOURCE, PAYMENT_KIND, PROJECT_TYPE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    project_type = forms.ChoiceField(label=_("Project type"), choices=PROJECT_TYPE.choices)
    region_code = forms.CharField(
        label=_("Location (region code)"),
        max_length=12,
        help_text=_("12-digit code of a village, township or county"),
    )
    implementing_unit = forms.CharField(label=_("Implementing unit"), max_length=200)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    poverty_link = forms.CharField(
        label=_("Link to poor households"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    performance_targets = forms.CharField(
        label=_("Performance targets"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for s in FUND_SOURCE:
            self.fields[f"budget_{s.code}"] = forms.DecimalField(
                label=FUND_SOURCE.display(s.code),
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )

    def budget(self) -> dict:
        return {s.code: self.cleaned_data.get(f"budget_{s.code}") for s in FUND_SOURCE}


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Payee kind"), choices=PAYMENT_KIND.choices)
    id_number = forms.CharField(label=_("Payee ID number"), max_length=18, required=False)
    payee_name = forms.CharField(label=_("Payee"), max_length=200, required=False)
    item = forms.CharField(label=_("Item"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)
    paid_on = forms.DateField(label=_("Payment date"), widget=DATE)


class BeneficiaryForm(forms.Form):
    household_nos = forms.CharField(
        label=_("Household numbers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("one or more, separated by spaces, commas or new lines"),
    )


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
