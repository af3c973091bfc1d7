"""Forms of the registry's write pages. They only collect strings and choices: every rule lives in the one
validator (`validation.py`), whose problems the views map back onto these fields (`attach_problems`).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fupin import codes
from fupin.regions.models import Region
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, Column

FIRST_YEAR = 2014  # 建档立卡 began in 2014
VILLAGE_SELECT_LIMIT = 500  # more villages than this in scope: the code is typed
HOUSEHOLD_COLS = {c.key: c for c in HOUSEHOLD_COLUMNS}
MEMBER_COLS = {c.key: c for c in MEMBER_COLUMNS}
# Member columns shown in the formset (household_no comes from the household).
MEMBER_FIELDS = [c.key for c in MEMBER_COLUMNS if c.key != "household_no"]
END_REASONS = [
    ("death", _("Death")),
    ("marriage", _("Marriage out")),
    ("move", _("Moved away")),
    ("split", _("Household split")),
    ("removed", _("Removed (registered in error)")),
]
MOVE_REASONS = [("marriage", _("Marriage")), ("move", _("Move")), ("split", _("Household split"))]


def english() -> bool:
    return (get_language() or "zh").startswith("en")


def column_label(col: Column) -> str:
    return col.label_en if english() else col.zh


def code_choices(codelist: codes.CodeList, blank: bool = True) -> list[tuple[str, str]]:
    """The code list as choices, labelled in the active language."""
    en = english()
    out = [("", "—")] if blank else []
    return out + [(c.code, c.en if en else c.zh) for c in codelist]


def year_choices() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(date.today().year, FIRST_YEAR - 1, -1)]


def _field_for(col: Column) -> forms.Field:
    """A form field for one workbook column: a select for code lists, text for everything else."""
    label = column_label(col)
    attrs: dict[str, str] = {}
    if col.kind == "code":
        return forms.ChoiceField(label=label, required=False, choices=code_choices(col.codelist))
    if col.kind == "codes":
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=code_choices(col.codelist, blank=False),
        )
    if col.kind in ("amount",):
        attrs = {"inputmode": "decimal", "autocomplete": "off"}
    elif col.kind in ("int", "year"):
        attrs = {"inputmode": "numeric", "autocomplete": "off"}
    elif col.kind == "id":
        attrs = {"autocomplete": "off", "spellcheck": "false", "maxlength": "22"}
    elif col.kind == "phone":
        attrs = {"inputmode": "tel", "autocomplete": "off"}
    return forms.CharField(label=label, required=False, strip=True, widget=forms.TextInput(attrs=attrs))


class HouseholdForm(forms.Form):
    """The household and its yearly record for one year (all the 户 sheet's columns) + the reason."""

    def __init__(self, *args, user=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        for col in HOUSEHOLD_COLUMNS:
            self.fields[col.key] = _field_for(col)
        self.fields["year"] = forms.ChoiceField(
            label=column_label(HOUSEHOLD_COLS["year"]), choices=year_choices()
        )
        villages = Region.objects.none()
        if user is not None:
            villages = Region.objects.filter(level=5, code__startswith=user.scope_prefix)
        if villages.count() <= VILLAGE_SELECT_LIMIT:
            rows = villages.select_related("parent").order_by("code")
            self.fields["region_code"] = forms.ChoiceField(
                label=_("Village"),
                required=False,
                choices=[("", "—")]
                + [
                    (v.code, f"{v.parent.name + ' ' if v.parent_id else ''}{v.name} ({v.code})") for v in rows
                ],
            )
        else:
            self.fields["region_code"].label = _("Village code")
            self.fields["region_code"].help_text = _("The 12-digit village code.")
            self.fields["region_code"].widget.attrs.update(inputmode="numeric", maxlength="12")
        if editing:
            self.fields["household_no"].widget.attrs["readonly"] = True
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the change"),
                max_length=500,
                required=True,
                help_text=_("Recorded in the household's history."),
                error_messages={"required": _("Give the reason for this change.")},
            )

    def values(self) -> dict:
        """The household dict for `services.save_household` (workbook keys, values as typed)."""
        data = self.cleaned_data
        return {c.key: data.get(c.key) for c in HOUSEHOLD_COLUMNS}


class MemberForm(forms.Form):
    """One member row. Existing members (`original_id` set) are edited only when marked for correction."""

    original_id = forms.CharField(required=False, widget=forms.HiddenInput)
    correct = forms.BooleanField(label=_("Correct this row"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in MEMBER_FIELDS:
            self.fields[key] = _field_for(MEMBER_COLS[key])
        if self.existing:  # a person's ID number is their key: a different number is a new person
            self.fields["id_number"].widget.attrs["readonly"] = True

    @property
    def existing(self) -> bool:
        return bool(
            self.initial.get("original_id")
            or (self.is_bound and self.data.get(self.add_prefix("original_id")))
        )

    @property
    def locked(self) -> bool:
        """An existing row not marked for correction: shown, sent as stored, not editable."""
        if not self.existing:
            return False
        if self.is_bound:
            return not self.data.get(self.add_prefix("correct"))
        return not self.initial.get("correct")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not self.existing and not any(data.get(k) for k in MEMBER_FIELDS)

    def values(self) -> dict:
        data = self.cleaned_data
        out = {k: data.get(k) for k in MEMBER_FIELDS}
        if self.existing:
            out["id_number"] = data.get("original_id") or out["id_number"]
        return out


MemberFormSet = forms.formset_factory(MemberForm, extra=1, can_delete=False)


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason.")},
    )


class DeleteYearForm(DeleteForm):
    year = forms.IntegerField(widget=forms.HiddenInput)


class MemberChangeForm(forms.Form):
    """A person leaves the household, or moves to another one."""

    ACTIONS = [("leave", _("Leaves the household")), ("move", _("Moves to another household"))]

    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS, widget=forms.RadioSelect, initial="leave")
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—")] + END_REASONS, required=False)
    on_date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date of the change."),
            "invalid": _("Enter a date as YYYY-MM-DD."),
        },
    )
    to_household_no = forms.CharField(label=_("New household number"), max_length=32, required=False)
    relation = forms.ChoiceField(label=_("Relation to the new head"), required=False)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = code_choices(codes.RELATION)

    def clean(self):
        data = super().clean()
        if data.get("action") == "move":
            if not data.get("to_household_no"):
                self.add_error("to_household_no", _("Give the number of the household the person joins."))
            if not data.get("relation"):
                self.add_error("relation", _("Give the relation to the head of the new household."))
            if data.get("reason_code") and data["reason_code"] not in dict(MOVE_REASONS):
                self.add_error("reason_code", _("A move is for marriage, a move or a household split."))
        elif not data.get("reason_code"):
            self.add_error("reason_code", _("Give the reason the person leaves."))
        return data


IMPORT_EXTENSIONS = (".xlsx", ".zip")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx) or .zip of 户.csv and 成员.csv"),
        error_messages={"required": _("Choose a file to upload.")},
    )
    year = forms.TypedChoiceField(
        label=_("Year (for rows without one)"), required=False, coerce=int, empty_value=None
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid households (跳过有错误的户)"),
        required=False,
        help_text=_(
            "Save the valid households and list the rejected rows in "
            "an errors workbook. Without it, any error saves nothing."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "—")] + year_choices()

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(IMPORT_EXTENSIONS):
            raise forms.ValidationError(_("Upload an .xlsx workbook or a .zip with 户.csv and 成员.csv."))
        return f
