"""My account (who I am, my API tokens: the key is shown once) and, for managers, the accounts of their region."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.auth import issue_token
from fupin.accounts.forms import TokenForm, UserForm
from fupin.accounts.models import Token
from fupin.accounts.roles import ROLES
from fupin.accounts.services import AccountError, manage_user, users_for


def _page(request, form=None, new_key=None, status=200):
    tokens = Token.objects.filter(user=request.user).order_by("revoked", "-created_at")
    return render(request, "accounts/account.html",
                  {"tokens": tokens, "form": form or TokenForm(), "new_key": new_key}, status=status)


@login_required
def account(request):
    return _page(request)


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    key = issue_token(request.user, form.cleaned_data["name"])
    messages.success(request, _("Token created. Copy the key now: it is not shown again."))
    # Rendered, not redirected: the key exists only in this response.
    return _page(request, new_key=key)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(Token, pk=pk, user=request.user)  # someone else's token: 404
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:account")


def _manager(request):
    if not request.user.can("manages_users"):
        raise PermissionDenied
    return request.user


def _role_choices():
    from django.utils.translation import get_language

    en = (get_language() or "zh").startswith("en")
    return [(r.code, r.en if en else r.zh) for r in ROLES.values()]


@login_required
def user_list(request):
    manager = _manager(request)
    users = users_for(manager)
    role = request.GET.get("role")
    if role:
        users = users.filter(role=role)
    return render(request, "accounts/user_list.html",
                  {"users": users, "roles": _role_choices(), "role": role})


@login_required
def user_edit(request, pk: int | None = None):
    manager = _manager(request)
    existing = get_object_or_404(users_for(manager), pk=pk) if pk else None
    initial = {}
    if existing:
        initial = {"username": existing.username, "full_name": existing.first_name, "role": existing.role,
                   "region_code": existing.region_id or "", "is_active": existing.is_active}
    form = UserForm(request.POST or None, initial=initial, role_choices=_role_choices(),
                    editing=existing is not None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = manage_user(manager, username=existing.username if existing else d["username"],
                               role=d["role"], region_code=d["region_code"] or None, full_name=d["full_name"],
                               is_active=d["is_active"], password=d["password1"] or None, existing=existing)
        except AccountError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Account %(name)s saved.") % {"name": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "existing": existing},
                  status=400 if form.errors else 200)
