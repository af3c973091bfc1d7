"""Write-side registry pages: household create/edit, delete/restore, member changes, workbook import.

Thin views: the forms collect strings, `services.py` validates (the one validation path) and saves; every
`ValidationFailed` problem is shown next to the field it names. Writers only (`writes_registry`, else
403); households outside the user's region answer 404.
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fupin.core import versions
from fupin.core.errors import EditConflict
from fupin.core.tables import FileTooLarge
from fupin.registry import importer, jobs, services
from fupin.registry.codes import IMPORT_STATUS
from fupin.registry.columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, MEMBER_SHEET
from fupin.registry.forms import (
    HOUSEHOLD_COLS,
    MEMBER_COLS,
    MEMBER_FIELDS,
    DeleteForm,
    DeleteYearForm,
    HouseholdForm,
    ImportForm,
    MemberChangeForm,
    MemberFormSet,
    column_label,
    english,
)
from fupin.registry.locks import RegistryBusy
from fupin.registry.models import Household, HouseholdYear, ImportBatch
from fupin.registry.selectors import get_household_for, members_for
from fupin.registry.services import ValidationFailed

MEMBER_PREFIX = "m"
YEAR_FIELDS = [
    c.key for c in HOUSEHOLD_COLUMNS if c.key not in ("household_no", "year", "region_code", "phone")
]
BOOL_FIELDS = {"water_safe", "medical_insurance", "pension_insurance", "dibao", "tekun"}


def _require_writer(request) -> None:
    if not request.user.can("writes_registry"):
        raise PermissionDenied(_("Your role may not change the registry."))


def _household_or_404(user, household_no: str, *, include_deleted: bool = False) -> Household:
    try:
        return get_household_for(user, household_no, include_deleted=include_deleted)
    except Household.DoesNotExist:
        raise Http404(_("No such household in your region.")) from None


def _posted_version(request) -> int | None:
    """The household version the page was opened at (its hidden `version` field), None if absent."""
    raw = versions.posted(request) or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _version_field(request, household: Household) -> int:
    """What the form's hidden `version` field carries: as posted (so a stale page stays stale until it is
    opened again), else the household's version now."""
    posted = _posted_version(request) if request.method == "POST" else None
    return services.household_version(household) if posted is None else posted


def _refusal(exc: EditConflict | RegistryBusy) -> str:
    """The message of an edit refused as a whole (stale version, registry busy), in the page's language."""
    return exc.en if english() else exc.zh


def _text(value) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


# --- problems → fields ---------------------------------------------------------------------------


def _message(problem: dict) -> str:
    return problem.get("message_en" if english() else "message_zh") or problem.get("message_zh") or ""


def attach_problems(
    problems: list[dict], form, member_forms: list, *, member_field_map: dict | None = None
) -> list[str]:
    """Put every validator problem next to its field (household form or member row `row`), in the active
    language, and return the summary lines for the top of the page."""
    member_field_map = member_field_map or {}
    summary: list[str] = []
    seen: set[tuple] = set()
    for p in problems:
        field, msg, row = p.get("field") or "", _message(p), p.get("row") or 1
        if p.get("sheet") == MEMBER_SHEET and 1 <= row <= len(member_forms) and field != "household_no":
            target = member_forms[row - 1]
            name = (target.data.get(target.add_prefix("name")) if target.is_bound else "") or ""
            where = _("Member %(n)d") % {"n": row} + (f" {name}" if name else "")
            col = MEMBER_COLS.get(field)
            if target.is_bound and target.locked:
                target.data[target.add_prefix("correct")] = "on"  # open the row so it can be corrected
        else:
            target = form
            field = member_field_map.get(field, field)
            where = _("Household")
            col = HOUSEHOLD_COLS.get(field)
        key = (id(target), field, msg)
        if key in seen:
            continue
        seen.add(key)
        target.add_error(field if field in target.fields else None, msg)
        label = column_label(col) if col else (target.fields[field].label if field in target.fields else "")
        value = p.get("value")
        summary.append(
            f"{where} · {label}{f'「{value}」' if value else ''}: {msg}" if label else f"{where}: {msg}"
        )
    return summary


# --- create / edit -------------------------------------------------------------------------------


def _household_initial(household: Household, record: HouseholdYear | None, year: int) -> dict:
    initial = {
        "household_no": household.household_no,
        "region_code": household.village_id,
        "phone": household.phone,
        "year": str(year),
    }
    if record is not None:
        for key in YEAR_FIELDS:
            initial[key] = record.other_cause_list if key == "other_causes" else _text(getattr(record, key))
    return initial


def _member_initial(member) -> dict:
    out = {key: _text(getattr(member, key)) for key in MEMBER_FIELDS}
    out["original_id"] = member.id_number
    out["member_pk"] = member.pk  # for the member-change link: URLs carry the id, never the ID number
    return out


def _lock_rows(data, stored: dict[str, dict], total: int) -> None:
    """Existing rows not marked for correction are saved as stored, whatever was posted; the ID number of
    an existing person is never edited here (a different person is a new row)."""
    for i in range(total):
        p = f"{MEMBER_PREFIX}-{i}-"
        original = data.get(p + "original_id", "")
        if not original:
            continue
        if original not in stored:
            data[p + "original_id"] = ""  # not a member of this household: treat it as a new row
            continue
        if not data.get(p + "correct"):
            for key in MEMBER_FIELDS:
                data[p + key] = stored[original].get(key, "")
        data[p + "id_number"] = original


def _household_page(request, household: Household | None):
    _require_writer(request)
    user = request.user
    editing = household is not None
    record = None
    stored_members: dict[str, dict] = {}
    if editing:
        years = {r.year: r for r in household.years.filter(is_deleted=False).order_by("-year")}
        wanted = request.POST.get("year") or request.GET.get("year")
        year = int(wanted) if wanted and wanted.isdigit() else (max(years) if years else None)
        record = years.get(year)
        prefill = record or (years[max(years)] if years else None)  # a new year starts from the latest
        year = (year or prefill.year) if prefill else year
        initial = _household_initial(household, prefill, year or date.today().year)
        stored_members = {
            m.id_number: _member_initial(m) for m in household.members.filter(is_deleted=False).order_by("id")
        }
        member_initial = sorted(stored_members.values(), key=lambda m: m["relation"] != "head")
    else:
        initial, member_initial = {}, []
    summary: list[str] = []
    status = 200

    if request.method == "POST":
        data = request.POST.copy()
        if editing:
            data["household_no"] = household.household_no
            try:
                total = int(data.get(f"{MEMBER_PREFIX}-TOTAL_FORMS", 0))
            except ValueError:
                total = 0
            _lock_rows(data, stored_members, min(total, 1000))
        form = HouseholdForm(data, user=user, editing=editing, initial=initial)
        formset = MemberFormSet(data, prefix=MEMBER_PREFIX, initial=member_initial)
        if form.is_valid() and formset.is_valid():
            sent = [f for f in formset.forms if not f.is_blank()]
            try:
                saved = services.save_household(
                    user,
                    form.values(),
                    [f.values() for f in sent],
                    reason=form.cleaned_data.get("reason", ""),
                    create=not editing,
                    version=_posted_version(request) if editing else None,
                )
            except (EditConflict, RegistryBusy) as exc:
                summary, status = [_refusal(exc)], 409
            except ValidationFailed as exc:
                summary = attach_problems(exc.as_list(), form, sent)
            except Household.DoesNotExist:
                raise Http404(_("No such household in your region.")) from None
            else:
                messages.success(request, _("Household %(no)s saved.") % {"no": saved.household_no})
                return redirect(reverse("registry:household_detail", args=[saved.household_no]))
        else:
            summary = [_("Please correct the fields marked below.")]
    else:
        form = HouseholdForm(user=user, editing=editing, initial=initial)
        formset = MemberFormSet(prefix=MEMBER_PREFIX, initial=member_initial)

    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "formset": formset,
            "household": household,
            "record": record,
            "editing": editing,
            "summary": summary,
            "member_columns": [c for c in MEMBER_COLUMNS if c.key != "household_no"],
            "year_fields": YEAR_FIELDS,
            "version": _version_field(request, household) if editing else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    return _household_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, household_no: str):
    _require_writer(request)
    return _household_page(request, _household_or_404(request.user, household_no))


# --- delete / restore ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_delete(request, household_no: str):
    """Confirm page: delete (or restore) the household, or delete one of its yearly records."""
    _require_writer(request)
    household = _household_or_404(request.user, household_no, include_deleted=True)
    form = DeleteForm()
    year_form = None
    action = request.POST.get("action", "")
    status = 200
    version = _posted_version(request)
    if request.method == "POST":
        if action == "delete_year":
            year_form = DeleteYearForm(request.POST)
            bound = year_form
        else:
            form = DeleteForm(request.POST)
            bound = form
        if bound.is_valid():
            reason = bound.cleaned_data["reason"]
            try:
                if action == "delete_year":
                    year = bound.cleaned_data["year"]
                    services.delete_household_year(
                        request.user, household.household_no, year, reason=reason, version=version
                    )
                    messages.success(
                        request,
                        _("The %(year)s record of household %(no)s was deleted.")
                        % {"year": year, "no": household.household_no},
                    )
                elif action == "restore":
                    services.restore_household(
                        request.user, household.household_no, reason=reason, version=version
                    )
                    messages.success(
                        request, _("Household %(no)s was restored.") % {"no": household.household_no}
                    )
                else:
                    services.delete_household(
                        request.user, household.household_no, reason=reason, version=version
                    )
                    messages.success(
                        request,
                        _("Household %(no)s was deleted. It is kept and can be restored.")
                        % {"no": household.household_no},
                    )
                    return redirect("registry:household_list")
                return redirect(reverse("registry:household_detail", args=[household.household_no]))
            except (EditConflict, RegistryBusy) as exc:
                bound.add_error(None, _refusal(exc))
                status = 409
            except ValidationFailed as exc:
                for p in exc.as_list():
                    bound.add_error("reason" if p.get("field") == "reason" else None, _message(p))
            except (Household.DoesNotExist, HouseholdYear.DoesNotExist):
                raise Http404(_("No such record in your region.")) from None
    years = household.years.filter(is_deleted=False).order_by("-year")
    return render(
        request,
        "registry/household_delete.html",
        {
            "household": household,
            "form": form,
            "year_form": year_form,
            "years": years,
            "year_form_year": year_form.data.get("year") if year_form is not None else None,
            "version": _version_field(request, household),
        },
        status=status,
    )


# --- member changes ------------------------------------------------------------------------------

MEMBER_CHANGE_FIELDS = {
    "reason_code": "reason_code",
    "on_date": "on_date",
    "relation": "relation",
    "household_no": "to_household_no",
    "id_number": None,
    "reason": "note",
}


@login_required
@require_http_methods(["GET", "POST"])
def member_change(request, household_no: str, member_id: int):
    """A person leaves (death, marriage, move, split, removal) or joins another household."""
    _require_writer(request)
    household = _household_or_404(request.user, household_no)
    member = members_for(request.user).filter(household=household, pk=member_id).first()
    if member is None:
        raise Http404(_("No such member in this household."))
    form = MemberChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "move":
                services.move_member(
                    request.user,
                    member.id_number,
                    d["to_household_no"].strip(),
                    relation=d["relation"],
                    reason_code=d["reason_code"] or "move",
                    on_date=d["on_date"],
                    note=d["note"],
                    version=_posted_version(request),
                )
                messages.success(
                    request,
                    _("%(name)s moved to household %(no)s.")
                    % {"name": member.name, "no": d["to_household_no"].strip()},
                )
            else:
                services.end_membership(
                    request.user,
                    member.id_number,
                    reason_code=d["reason_code"],
                    on_date=d["on_date"],
                    note=d["note"],
                    version=_posted_version(request),
                )
                messages.success(
                    request,
                    _("%(name)s left household %(no)s.")
                    % {"name": member.name, "no": household.household_no},
                )
            return redirect(reverse("registry:household_detail", args=[household.household_no]))
        except (EditConflict, RegistryBusy) as exc:
            form.add_error(None, _refusal(exc))
            status = 409
        except ValidationFailed as exc:
            for p in exc.as_list():
                field = MEMBER_CHANGE_FIELDS.get(p.get("field"), None)
                form.add_error(field if field in form.fields else None, _message(p))
        except Household.DoesNotExist:
            form.add_error("to_household_no", _("No household with this number in your region."))
    return render(
        request,
        "registry/member_change.html",
        {
            "household": household,
            "member": member,
            "form": form,
            "version": _version_field(request, household),
        },
        status=status,
    )


# --- import --------------------------------------------------------------------------------------


def _batches_for(user):
    qs = ImportBatch.objects.all()
    return qs if user.can("acts_for_every_role") else qs.filter(user=user)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_writer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        ext = Path(upload.name).suffix.lower()
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}{ext}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        batch = ImportBatch.objects.create(
            user=request.user,
            filename=Path(upload.name).name[:255],
            path=str(path),
            year=form.cleaned_data["year"],
            skip_invalid=form.cleaned_data["skip_invalid"],
            status="queued",
            errors_path=str(path.with_name(f"{path.stem}-errors.xlsx")),
        )
        try:
            importer.refuse_too_large(batch)  # a zip bomb: rejected at once, the status page says why
        except FileTooLarge:
            return redirect("registry:import_status", pk=batch.pk)
        jobs.start_import(batch.id)
        return redirect("registry:import_status", pk=batch.pk)
    recent = _batches_for(request.user).select_related("user")[:10]
    return render(request, "registry/import_upload.html", {"form": form, "recent": recent})


def _progress(batch: ImportBatch) -> dict:
    live = jobs.live(batch.pk) if batch.status in ("queued", "running") else None
    stage, done, total = (
        (live["stage"], live["done"], live["total"])
        if live
        else (batch.stage, batch.done_rows, batch.total_rows)
    )
    running = batch.status in ("queued", "running")
    pct = 100 if not running else (int(done * 100 / total) if total else 0)
    return {
        "stage": stage or batch.status,
        "done": done,
        "total": total,
        "pct": min(pct, 100),
        "running": running,
    }


@login_required
def import_status(request, pk: int):
    _require_writer(request)
    batch = get_object_or_404(_batches_for(request.user), pk=pk)
    progress = _progress(batch)
    zh, en = importer.STAGES.get(progress["stage"], (progress["stage"], progress["stage"]))
    report = batch.report or {}
    counts = report.get("counts", {})
    problems = report.get("problems", [])
    for p in problems:
        p["message"] = _message(p)
        col = MEMBER_COLS.get(p.get("field")) or HOUSEHOLD_COLS.get(p.get("field"))
        p["column_label"] = column_label(col) if col else (p.get("column") or p.get("field") or "")
    has_errors_file = bool(batch.errors_path) and Path(batch.errors_path).exists() and not progress["running"]
    ctx = {
        "batch": batch,
        "progress": progress,
        "stage_label": en if english() else zh,
        "status_label": IMPORT_STATUS.label(batch.status, "en" if english() else "zh"),
        "report": report,
        "counts": counts,
        "problems": problems,
        "has_errors_file": has_errors_file,
        "report_message": report.get("message_en" if english() else "message_zh", ""),
    }
    if request.htmx:
        return render(request, "registry/_write_import_progress.html", ctx)
    return render(request, "registry/import_status.html", ctx)


@login_required
def import_errors(request, pk: int):
    """The errors workbook of a batch: for its own user or an administrator."""
    _require_writer(request)
    batch = get_object_or_404(_batches_for(request.user), pk=pk)
    path = Path(batch.errors_path) if batch.errors_path else None
    if path is None or not path.exists():
        raise Http404(_("This import has no errors workbook."))
    name = f"{Path(batch.filename).stem or 'import'}-错误.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
def import_template(request):
    """The empty registry workbook (headers, drop-downs, help sheet)."""
    _require_writer(request)
    from fupin.registry.template import write_template

    tmp = Path(tempfile.mkdtemp(prefix="fupin-template-")) / "template.xlsx"
    write_template(tmp)
    handle = tmp.open("rb")
    tmp.unlink()  # the open handle keeps the data readable; nothing is left behind
    tmp.parent.rmdir()
    return FileResponse(handle, as_attachment=True, filename="建档立卡导入模板.xlsx")
