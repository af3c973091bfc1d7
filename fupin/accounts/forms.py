from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SignInForm(AuthenticationForm):
    """Django's sign-in form with bilingual-friendly widgets (autocomplete hints for phones)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the field's max_length after creating it, so no validator enforces it: a longer name
        # went on to authenticate() and django-axes recorded the failure in a column of 255 (PostgreSQL: a
        # 500 before any sign-in). No account has a longer name; the form refuses it without a query.
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or machine that uses it."),
    )


class UserForm(forms.Form):
    """Create or change an account: role and region, and (on create or reset) a password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=12,
        required=False,
        help_text=_("Empty means nationwide (administrators and national supervisors only)."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
    )

    def __init__(self, *args, role_choices, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices
        if editing:
            self.fields["username"].disabled = True
            self.fields["password1"].help_text = _("Leave empty to keep the current password.")
        else:
            self.fields["password1"].required = self.fields["password2"].required = True

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ExportLogFilterForm(forms.Form):
    """The export-log filters: a date range, a user, a channel, a kind (choices: those the viewer may read)."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    username = forms.ChoiceField(label=_("User"), required=False)
    channel = forms.ChoiceField(label=pgettext_lazy("export", "Channel"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, usernames=(), kinds=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].choices = [("", "—")] + [(u, u) for u in usernames]
        self.fields["channel"].choices = [("", "—")] + list(channels)
        self.fields["kind"].choices = [("", "—")] + list(kinds)

    def filters(self) -> dict:
        """The valid filters; a value that does not validate is left out."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields if name not in self.errors}
