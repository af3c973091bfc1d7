"""Forms of the 政协助推行动 and 网络议政 pages. They only render and carry the values: every check is the
services' (one validation path for forms, the API and the command line), whose problems come back onto the
fields. Date fields are <input type="date"> with ISO values in both languages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.cppcc.codes import MemberLevel, PostKind, SupervisionBody

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name of the member"), required=False, max_length=50)
    level = forms.ChoiceField(label=_("Member level"), choices=MemberLevel.choices, required=False)
    region = forms.CharField(
        label=_("Region code"), required=False, max_length=12, help_text=_("Empty: your own region.")
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    account = forms.CharField(
        label=_("Sign-in account"),
        required=False,
        max_length=150,
        help_text=_("The user name of the member's own account (role: CPPCC committee member)."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class LinkForm(forms.Form):
    household = forms.CharField(label=_("Household number"), required=False, max_length=32)
    linked_on = forms.CharField(label=_("Linked on"), required=False, max_length=10, widget=DATE)


class MatterForm(forms.Form):
    household = forms.CharField(label=_("Household number"), required=False, max_length=32)
    description = forms.CharField(label=_("Key matter"), required=False, widget=TEXTAREA)
    logged_on = forms.CharField(label=_("Logged on"), required=False, max_length=10, widget=DATE)


class CloseMatterForm(forms.Form):
    result = forms.CharField(label=_("Result"), required=False, widget=TEXTAREA)
    closed_on = forms.CharField(label=_("Closed on"), required=False, max_length=10, widget=DATE)


class SupervisionForm(forms.Form):
    body = forms.ChoiceField(label=_("Supervising body"), choices=SupervisionBody.choices, required=False)
    region = forms.CharField(
        label=_("Region code"), required=False, max_length=12, help_text=_("Empty: your own region.")
    )
    date = forms.CharField(label=_("Date"), required=False, max_length=10, widget=DATE)
    finding = forms.CharField(label=_("Finding"), required=False, widget=TEXTAREA)
    follow_up = forms.CharField(label=_("Follow-up"), required=False, widget=TEXTAREA)


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    body = forms.CharField(label=_("Description"), required=False, widget=TEXTAREA)
    region = forms.CharField(
        label=_("Region code"), required=False, max_length=12, help_text=_("Empty: your own region.")
    )


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of post"), choices=PostKind.choices, required=False)
    text = forms.CharField(label=_("Your proposal or comment"), required=False, widget=TEXTAREA)


class CloseTopicForm(forms.Form):
    reply = forms.CharField(label=_("Office reply"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
