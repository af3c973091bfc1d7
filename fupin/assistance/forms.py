"""Forms of the assistance pages. Region and household fields take a typed code checked against the scope."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fupin.accounts import scope
from fupin.assistance.catalogue import CATEGORIES, KINDS
from fupin.assistance.codes import HELPER_KIND, LEADER_LEVEL, PAIRED_UNIT_KIND, PLAN_STATUS
from fupin.assistance.models import MeasureType
from fupin.codes import RISK
from fupin.regions.codes import RegionCodeError, normalise
from fupin.regions.models import Region
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScopedForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_region_code(self):
        raw = self.cleaned_data["region_code"]
        try:
            code = normalise(raw)
        except RegionCodeError:
            raise forms.ValidationError(_("Not a region code.")) from None
        region = Region.objects.filter(code=code).first()
        if region is None or not scope.contains(self.user, code):
            raise forms.ValidationError(_("No such region in your area."))
        return region

    def clean_household_no(self):
        try:
            return registry_selectors.get_household_for(self.user, self.cleaned_data["household_no"].strip())
        except Household.DoesNotExist:
            raise forms.ValidationError(_("No such household in your area.")) from None


def _region_field(label=None):
    return forms.CharField(
        label=label or _("Region code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "520526001201"}),
    )


class PlanMeasureForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2014, max_value=2100)
    measure_code = forms.ChoiceField(label=_("Measure"))
    amount = forms.CharField(label=_("Amount (yuan)"), required=False, max_length=20)
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End"), required=False, widget=DATE)
    responsible_unit = forms.CharField(label=_("Responsible unit"), required=False, max_length=100)
    responsible_person = forms.CharField(label=_("Responsible person"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), choices=PLAN_STATUS.choices)
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lang: str = "zh", suggested: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        en = lang.startswith("en")
        star = set(suggested)
        self.fields["measure_code"].choices = [("", "—")] + [
            (m.code, f"{'★ ' if m.code in star else ''}{m.code} {m.name_en if en else m.name_zh}")
            for m in MeasureType.objects.order_by("category", "code")
        ]


class VisitForm(forms.Form):
    date = forms.DateField(label=_("Date of visit"), widget=DATE)
    found = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(
        label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risk = forms.ChoiceField(label=_("Risk found (raises a monitoring alert)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = [("", "—"), *RISK.choices]


class AssignForm(forms.Form):
    cadre = forms.ChoiceField(label=_("Assistance cadre"))
    start_date = forms.DateField(label=_("From"), required=False, widget=DATE)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", "—")] + [(str(c.pk), f"{c.name} · {c.unit}") for c in cadres]


class CadreForm(ScopedForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    region_code = _region_field()
    username = forms.CharField(
        label=_("Account (optional)"),
        required=False,
        max_length=150,
        help_text=_("An existing account with the role assistance cadre."),
    )
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)


class MeasureTypeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=16)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[(c.code, format_lazy("{} {}", c.code, CATEGORIES.display(c.code))) for c in CATEGORIES],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS.choices)
    active_from = forms.IntegerField(label=_("In force from"), min_value=2000, max_value=2100, initial=2014)
    active_to = forms.IntegerField(label=_("In force to"), min_value=2000, max_value=2100, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class WorkTeamForm(ScopedForm):
    region_code = _region_field(_("Village code"))
    name = forms.CharField(label=_("Team name"), max_length=100)
    sending_unit = forms.CharField(label=_("Sending unit"), required=False, max_length=100)
    start_date = forms.DateField(label=_("Term start"), widget=DATE)
    end_date = forms.DateField(label=_("Term end"), required=False, widget=DATE)


class TeamMemberForm(forms.Form):
    team = forms.ChoiceField(label=_("Work team"))
    name = forms.CharField(label=_("Name"), max_length=50)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    is_first_secretary = forms.BooleanField(label=_("First secretary"), required=False)
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "—")] + [
            (str(t.pk), f"{t.village.name} · {t.name}") for t in teams
        ]


class PairedUnitForm(ScopedForm):
    region_code = _region_field(_("County or village code"))
    name = forms.CharField(label=_("Unit"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PAIRED_UNIT_KIND.choices)
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End"), required=False, widget=DATE)


class LeaderForm(ScopedForm):
    name = forms.CharField(label=_("Leader"), max_length=50)
    post = forms.CharField(label=_("Post"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=LEADER_LEVEL.choices, initial="county")
    region_code = _region_field(_("Contact point (region code)"))
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End"), required=False, widget=DATE)


class HelperForm(ScopedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=HELPER_KIND.choices)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=50)
    region_code = _region_field()


class MatterForm(ScopedForm):
    household_no = forms.CharField(label=_("Household no."), max_length=32)
    title = forms.CharField(label=_("Key small matter"), max_length=200)
    helper = forms.ChoiceField(label=_("Taken on by"), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args, helpers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper"].choices = [("", "—")] + [(str(h.pk), h.name) for h in helpers]


class ResolveForm(forms.Form):
    matter = forms.ChoiceField(label=_("Matter"))
    resolution = forms.CharField(label=_("Resolution"), max_length=500)
    resolved_date = forms.DateField(label=_("Resolved on"), required=False, widget=DATE)

    def __init__(self, *args, matters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = [("", "—")] + [
            (str(m.pk), f"{m.household.household_no} {m.title}") for m in matters
        ]
