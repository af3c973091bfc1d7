"""Forms of the supervision pages. They only render and carry the values: every check is the services'
(one validation path for forms, the API and the command line), whose problems come back onto the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ListForm(forms.Form):
    """挂牌: the regions are the proposal's ticked rows (`regions`), outside this form's fields."""

    supervisor = forms.ChoiceField(label=_("Supervisor"))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [
            (u.username, f"{u.get_full_name() or u.username} · {u.role_label}") for u in supervisors
        ]


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date of the visit"), required=False, widget=DATE)
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    actions = forms.CharField(
        label=_("Actions required"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    override = forms.BooleanField(
        label=_("Close although the rules still flag the region"),
        required=False,
        help_text=_("County approvers only: the note says why."),
    )
