"""Imports (/api/registry/imports): upload a registry workbook (run in the background, or at once with
`?wait=true`), follow its stage and progress, read its report and problems, download its errors workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from fupin.core.api_types import Key, Limit, Year
from fupin.registry import schemas as s
from fupin.registry import services
from fupin.registry.api.common import auth_user, choice_label
from fupin.registry.codes import IMPORT_STATUS
from fupin.registry.models import ImportBatch

router = Router()


def _batches_for(user):
    qs = ImportBatch.objects.all()
    return qs if user.can("acts_for_every_role") else qs.filter(user=user)


def _problem(p: dict) -> dict:
    return {
        "field": p.get("field"),
        "code": p.get("rule") or "invalid",
        "message": {"zh": p.get("message_zh") or "", "en": p.get("message_en") or ""},
        "row": p.get("row"),
        "sheet": p.get("sheet"),
        "value": p.get("value"),
        "household_no": p.get("household_no"),
        "severity": p.get("severity") or "error",
    }


def import_out(request, batch: ImportBatch) -> dict:
    from fupin.registry import jobs

    stage, done, total = batch.stage, batch.done_rows, batch.total_rows
    live = jobs.live(batch.id) if batch.status in ("queued", "running") else None
    if live:
        stage, done, total = live["stage"], live["done"], live["total"]
    report = dict(batch.report or {})
    problems = [_problem(p) for p in report.pop("problems", [])]
    report.pop("errors_path", None)  # a server path: the client downloads it from errors_url
    errors_url = None
    if batch.errors_path and Path(batch.errors_path).exists():
        errors_url = request.build_absolute_uri(
            f"{request.path.split('/imports')[0]}/imports/{batch.id}/errors.xlsx"
        )
    return {
        "id": batch.id,
        "filename": batch.filename,
        "year": batch.year,
        "skip_invalid": batch.skip_invalid,
        "status": batch.status,
        "status_label": choice_label(IMPORT_STATUS, batch.status),
        "stage": stage,
        "done": done,
        "total": total,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "report": report,
        "problems": problems,
        "errors_url": errors_url,
    }


def _safe_name(name: str) -> str:
    name = Path(name or "upload.xlsx").name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name)[-120:] or "upload.xlsx"


@router.post(
    "/imports",
    response={201: s.ImportOut, 202: s.ImportOut, **s.ERRORS},
    summary="Import a registry workbook (.xlsx, or .zip of 户.csv and 成员.csv)",
    operation_id="fupin_registry_api_create_import",
)
def create_import(
    request,
    file: File[UploadedFile],
    year: Form[Year | None] = None,
    skip_invalid: Form[bool] = False,
    wait: bool = False,
):
    """Stores the upload and runs the import in the background (202; poll GET /imports/{id}).
    `?wait=true` runs it before answering (201), for scripts. A rejected file saves nothing unless
    `skip_invalid` is true; the rejected rows are in errors.xlsx."""
    user = auth_user(request)
    services.require(user, "writes_registry")
    name = _safe_name(file.name)
    batch = ImportBatch.objects.create(
        user=user, filename=name, year=year, skip_invalid=skip_invalid, status="queued", stage="queued"
    )
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(batch.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    batch.path, batch.errors_path = str(path), ""
    batch.save(update_fields=["path", "errors_path"])
    from fupin.registry import importer

    importer.refuse_too_large(batch)  # a zip bomb: 422 at once (the batch rejected), no run started
    if wait:
        batch = importer.import_households(
            path,
            user=user,
            year=year,
            skip_invalid=skip_invalid,
            errors_path=folder / f"{path.stem}-errors.xlsx",
            batch=batch,
        )
        importer.refuse_too_large(batch)  # over a limit found while reading
        return Status(201, import_out(request, batch))
    from fupin.registry import jobs

    jobs.start_import(batch.id)
    batch.refresh_from_db()
    return Status(202, import_out(request, batch))


@router.get(
    "/imports",
    response={200: list[s.ImportOut], **s.ERRORS},
    summary="Your recent imports",
    operation_id="fupin_registry_api_list_imports",
)
def list_imports(request, limit: Limit = 20):
    batches = _batches_for(auth_user(request))[: max(1, min(limit, 200))]
    return [import_out(request, b) for b in batches]


@router.get(
    "/imports/{batch_id}",
    response={200: s.ImportOut, **s.ERRORS},
    summary="An import's status, stage, progress, report and problems",
    operation_id="fupin_registry_api_get_import",
)
def get_import(request, batch_id: Key):
    return import_out(request, _batches_for(auth_user(request)).get(pk=batch_id))


@router.get(
    "/imports/{batch_id}/errors.xlsx",
    response={200: None, **s.ERRORS},
    summary="The errors workbook of an import (rejected rows with their reasons)",
    operation_id="fupin_registry_api_import_errors",
)
def import_errors(request, batch_id: Key):
    batch = _batches_for(auth_user(request)).get(pk=batch_id)
    path = Path(batch.errors_path) if batch.errors_path else None
    if path is None or not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{Path(batch.filename).stem}-errors.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
