"""My account (who I am, my API tokens: the key is shown once), for managers the accounts of their region, and
for the roles that audit it the export log of their region (reading it is not an export; downloading it is)."""

from collections.abc import Iterator

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts import export_log as log_reads
from fupin.accounts.auth import issue_token
from fupin.accounts.export_log import log_export
from fupin.accounts.forms import ExportLogFilterForm, TokenForm, UserForm
from fupin.accounts.models import Token
from fupin.accounts.roles import ROLES
from fupin.accounts.services import AccountError, manage_user, users_for
from fupin.core.exports import BATCH_ROWS, ExportFile, batches, write_csv_batches, write_xlsx_batches

PER_PAGE = 50


def _page(request, form=None, new_key=None, status=200):
    tokens = Token.objects.filter(user=request.user).order_by("revoked", "-created_at")
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "form": form or TokenForm(), "new_key": new_key},
        status=status,
    )


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
    return render(
        request, "accounts/user_list.html", {"users": users, "roles": _role_choices(), "role": role}
    )


@login_required
def user_edit(request, pk: int | None = None):
    manager = _manager(request)
    existing = get_object_or_404(users_for(manager), pk=pk) if pk else None
    initial = {}
    if existing:
        initial = {
            "username": existing.username,
            "full_name": existing.first_name,
            "role": existing.role,
            "region_code": existing.region_id or "",
            "is_active": existing.is_active,
        }
    form = UserForm(
        request.POST or None, initial=initial, role_choices=_role_choices(), editing=existing is not None
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = manage_user(
                manager,
                username=existing.username if existing else d["username"],
                role=d["role"],
                region_code=d["region_code"] or None,
                full_name=d["full_name"],
                is_active=d["is_active"],
                password=d["password1"] or None,
                existing=existing,
            )
        except AccountError as e:
            form.add_error(None, e.message())
        else:
            messages.success(request, _("Account %(name)s saved.") % {"name": user.username})
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "existing": existing},
        status=400 if form.errors else 200,
    )


def _export_log_filters(request):
    usernames, kinds = log_reads.export_log_choices(request.user)  # PermissionDenied for other roles
    form = ExportLogFilterForm(
        request.GET,
        usernames=usernames,
        kinds=[(k, log_reads.kind_label(k)) for k in kinds],
        channels=[(c, str(label)) for c, label in log_reads.CHANNELS.items()],
    )
    filters = form.filters()
    return form, filters, log_reads.export_log_for(request.user, **filters)


@login_required
def export_log(request):
    form, filters, rows = _export_log_filters(request)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:  # at most 50 rows, already fetched
        row.kind_label = log_reads.kind_label(row.kind)
        row.channel_label = log_reads.channel_label(row.channel)
    return render(
        request,
        "accounts/export_log.html",
        {
            "form": form,
            "page": page,
            "can_export": request.user.can("exports"),
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        },
    )


EXPORT_LOG_SCHEMA = {
    "at": pl.String,
    "username": pl.String,
    "role": pl.String,
    "region": pl.String,
    "channel": pl.String,
    "kind": pl.String,
    "kind_label": pl.String,
    "rows": pl.Int64,
    "masked": pl.Boolean,
    "filters": pl.String,
}


def _export_log_frames(rows) -> Iterator[pl.DataFrame]:
    """The log's rows as the download's frames, a batch at a time through a cursor."""
    data = (
        (
            r.at.isoformat(timespec="seconds"),
            r.user.username if r.user else None,
            r.user.role_label if r.user else None,
            r.user.region_id if r.user else None,
            r.channel,
            r.kind,
            log_reads.kind_label(r.kind),
            r.rows,
            r.masked,
            ", ".join(f"{k}={v}" for k, v in sorted(r.filters.items())),
        )
        for r in rows.iterator(chunk_size=BATCH_ROWS)
    )
    yield from batches(data, EXPORT_LOG_SCHEMA)


@login_required
def export_log_download(request, fmt: str):
    """The filtered export log as CSV or Excel, through the safe writers; the download is itself logged."""
    form, filters, rows = _export_log_filters(request)
    if not request.user.can("exports"):
        raise PermissionDenied(_("Your role may not export registry data."))
    out = ExportFile(f".{fmt}")
    try:
        if fmt == "csv":
            n = write_csv_batches(out.path, _export_log_frames(rows), bom=True)
            content_type = "text/csv; charset=utf-8"
        else:
            n = write_xlsx_batches(out.path, [("export_log", _export_log_frames(rows), {"autofit": False})])[
                "export_log"
            ]
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except BaseException:
        out.discard()
        raise
    log_export(
        request.user,
        f"accounts.export_log.{fmt}",
        channel="web",
        rows=n,
        filters={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in filters.items()},
    )
    return out.response(f"export_log.{fmt}", content_type)
