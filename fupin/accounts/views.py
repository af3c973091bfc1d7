"""My account: who I am, and my API tokens (create — the key is shown once — and revoke)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.auth import issue_token
from fupin.accounts.forms import TokenForm
from fupin.accounts.models import Token


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
