"""Import of the registry workbook (`fupin import households`, the upload page, the API).

The file is read a chunk at a time (`reading.py`: xlsx sheets 户/成员, or a folder/zip with 户.csv and
成员.csv). Each chunk is checked row by row against the store and spilled to a scratch folder
(`import_checks.py`): the raw rows, and the typed rows split into parts of whole households. Only the few
key columns of the cross-row checks stay in memory. Then the cross checks run once over those keys, the
errors workbook is written from the spilled rows, and — unless the file is rejected — the parts are saved
one after another in ONE transaction (`bulk.save_parts`). So an import holds a chunk, a part and the key
columns (some 100 bytes a row), never the whole file. On PostgreSQL a large import saves its first parts
while its members are still being checked, and keeps them only if the checks pass (`save_ahead.py`).

Every run is an ImportBatch row that records its stage, progress and report, so the browser can follow a
background run (jobs.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from django.utils import timezone

from fupin.core.tables import FileTooLarge
from fupin.registry import bulk, claims, save_ahead
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
from fupin.registry.import_checks import CheckProgress, Checks, Outcome, Spill
from fupin.registry.locks import registry_write
from fupin.registry.models import ImportBatch
from fupin.registry.reading import BadFile, check_container, open_workbook
from fupin.registry.save_ahead import SaveAhead

Progress = Callable[[str, int, int], None]
MAX_REPORTED_PROBLEMS = 200
# What each stage of a run is called, for the progress bar, the upload page and the API's clients.
STAGES = {
    "queued": ("排队中", "Queued"),
    "wait": ("等待其他导入或修改保存完成", "Waiting for another import or edit to be saved"),
    "read": ("读取文件", "Reading the file"),
    "validate": ("校验", "Checking"),
    "errors": ("写错误工作簿", "Writing the errors workbook"),
    "save": ("保存", "Saving"),
    "commit": ("写入数据库", "Writing to the database"),
}
FRAME_CHUNK_ROWS = 50_000  # rows per chunk when frames (not a file) are imported

PROBLEM_COLUMNS = (
    "sheet",
    "row",
    "household_no",
    "field",
    "column",
    "value",
    "rule",
    "severity",
    "message_zh",
    "message_en",
)


def refuse_too_large(batch: ImportBatch) -> None:
    """Raise FileTooLarge (an InputRejected: the API answers 422) if the batch's upload is over the limits:
    found so by its run, or now from its zip directory (the batch is then finished as rejected)."""
    report = batch.report or {}
    if report.get("too_large"):
        raise FileTooLarge(report["message_zh"], report["message_en"])
    try:
        check_container(batch.path)
    except FileTooLarge as e:
        _too_large(batch, e)
        raise


# --- the run ---------------------------------------------------------------------------------------


def _record(batch: ImportBatch, progress: Progress | None) -> Progress:
    """A progress callback that also records stage/done/total on the batch row (throttled)."""
    last = {"stage": None, "done": -1}

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)
        if batch.pk and (
            stage != last["stage"] or done == total or done - last["done"] >= max(total // 20, 1)
        ):
            last.update(stage=stage, done=done)
            ImportBatch.objects.filter(pk=batch.pk).update(stage=stage, done_rows=done, total_rows=total)
        batch.stage, batch.done_rows, batch.total_rows = stage, done, total

    return report


def _problems_report(problems: pl.DataFrame) -> list[dict]:
    cols = [c for c in PROBLEM_COLUMNS if c in problems.columns]
    return problems.select(cols).head(MAX_REPORTED_PROBLEMS).to_dicts()


def _finish(batch: ImportBatch, status: str, report: dict) -> ImportBatch:
    batch.status, batch.report, batch.finished_at = status, report, timezone.now()
    if batch.pk:
        batch.save(
            update_fields=[
                "status",
                "report",
                "finished_at",
                "stage",
                "done_rows",
                "total_rows",
                "errors_path",
            ]
        )
    return batch


def _new_batch(filename: str, user, year, skip_invalid) -> ImportBatch:
    return ImportBatch.objects.create(
        user=user if getattr(user, "pk", None) else None,
        filename=filename,
        year=year,
        skip_invalid=skip_invalid,
        status="running",
    )


def _bad_file(batch: ImportBatch, e: BadFile) -> ImportBatch:
    return _finish(
        batch,
        "rejected",
        {"bad_file": True, "message_zh": e.message_zh, "message_en": e.message_en, "problems": []},
    )


def _too_large(batch: ImportBatch, e: FileTooLarge) -> ImportBatch:
    return _finish(
        batch,
        "rejected",
        {
            "bad_file": True,
            "too_large": True,
            "code": FileTooLarge.code,
            "message_zh": e.message_zh,
            "message_en": e.message_en,
            "problems": [],
        },
    )


def import_households(
    path,
    *,
    user=None,
    year=None,
    skip_invalid=False,
    errors_path=None,
    progress=None,
    batch: ImportBatch | None = None,
) -> ImportBatch:
    """Import a registry workbook (.xlsx, folder or .zip of CSVs) as `user` (None = unscoped)."""
    path = Path(path)
    if errors_path is None:
        errors_path = path.with_name(f"{path.stem}-errors.xlsx")
    if batch is None:
        batch = _new_batch(path.name, user, year, skip_invalid)
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(status="running")
        batch.status = "running"
    with _running(batch):
        return _run_file(
            path,
            batch,
            user=user,
            year=year,
            skip_invalid=skip_invalid,
            errors_path=errors_path,
            progress=progress,
        )


def _run_file(
    path: Path, batch: ImportBatch, *, user, year, skip_invalid, errors_path, progress
) -> ImportBatch:
    report = _record(batch, progress)
    report("read", 0, 1)
    try:
        with open_workbook(path, year=year) as (households, members):
            report("read", 1, 1)
            return _import(
                households,
                members,
                user=user,
                year=year,
                skip_invalid=skip_invalid,
                errors_path=errors_path,
                batch=batch,
                filename=path.name,
                report=report,
            )
    except BadFile as e:
        return _bad_file(batch, e)
    except FileTooLarge as e:  # nothing saved; the scratch folders are gone with the `with` blocks
        return _too_large(batch, e)


@contextmanager
def _running(batch: ImportBatch) -> Iterator[None]:
    """The batch's run: claimed by this process (a batch left running by a killed process is told apart by
    this), and failed if it raises (a batch must never stay "running" after its run)."""
    with claims.claimed(batch.pk):
        try:
            yield
        except Exception as exc:
            _failed(batch, exc)
            raise


def _failed(batch: ImportBatch, exc: Exception) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="failed",
        finished_at=timezone.now(),
        report={"message_zh": f"导入失败：{exc}", "message_en": f"import failed: {exc}", "problems": []},
    )
    batch.status = "failed"


def import_frames(
    households_raw: pl.DataFrame,
    members_raw: pl.DataFrame,
    *,
    user=None,
    year=None,
    skip_invalid=False,
    errors_path=None,
    progress=None,
    batch: ImportBatch | None = None,
    filename: str = "",
    _report: Progress | None = None,
) -> ImportBatch:
    """Validate and save already-read raw frames (all strings, workbook keys + `_row`)."""
    if batch is None:
        batch = _new_batch(filename, user, year, skip_invalid)

    def chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
        return [frame.slice(i, FRAME_CHUNK_ROWS) for i in range(0, max(frame.height, 1), FRAME_CHUNK_ROWS)]

    with _running(batch):
        return _import(
            chunks(households_raw),
            chunks(members_raw),
            user=user,
            year=year,
            skip_invalid=skip_invalid,
            errors_path=errors_path,
            batch=batch,
            filename=filename,
            report=_report or _record(batch, progress),
        )


def _import(
    households: Iterable[pl.DataFrame],
    members: Iterable[pl.DataFrame],
    *,
    user,
    year,
    skip_invalid,
    errors_path,
    batch: ImportBatch,
    filename: str,
    report: Progress,
) -> ImportBatch:
    """Check both sheets chunk by chunk, then across rows; write the errors workbook; save unless rejected.
    The registry's write lock is held from the first check to the commit: the checks hold for what is saved."""
    with registry_write(forever=True, on_wait=lambda: report("wait", 0, 1)):
        return _check_and_save(
            households,
            members,
            user=user,
            year=year,
            skip_invalid=skip_invalid,
            errors_path=errors_path,
            batch=batch,
            filename=filename,
            report=report,
        )


def _check_and_save(
    households: Iterable[pl.DataFrame],
    members: Iterable[pl.DataFrame],
    *,
    user,
    year,
    skip_invalid,
    errors_path,
    batch: ImportBatch,
    filename: str,
    report: Progress,
) -> ImportBatch:
    spill = Spill()
    ahead: SaveAhead | None = None
    try:
        checks = Checks(spill, user)
        progress = CheckProgress(report, (households, members))
        report("validate", 0, 0)
        checks.households(households, year, progress)
        if save_ahead.possible(checks.n_parts):
            ahead = SaveAhead(spill, user=user, batch=batch, reason=_reason(batch, filename))
        checks.members(members, progress, ahead)
        progress.finish()
        outcome = checks.outcome()
        if ahead is not None and (outcome.errors.height or checks.out_of_order):
            ahead.abandon()  # rolled back: what is saved must leave out the rejected households
            ahead = None
        if outcome.errors.height:
            _write_errors(spill, outcome, errors_path, batch=batch, filename=filename, report=report)
        report_base = {
            "counts": outcome.counts,
            "problems": _problems_report(outcome.problems),
            "problems_total": outcome.problems.height,
            "errors_path": batch.errors_path,
        }
        if outcome.errors.height and not skip_invalid:
            return _finish(batch, "rejected", report_base)
        if ahead is not None:
            report("save", 0, outcome.rows_to_save)
            saving, ahead = ahead, None
            outcome.counts.update(saving.finish(checks.n_parts, report, outcome.rows_to_save))
            report("commit", outcome.rows_to_save, outcome.rows_to_save)
        else:
            _save(checks, outcome, user=user, batch=batch, filename=filename, report=report)
        return _finish(batch, "done", report_base)
    finally:
        if ahead is not None:  # the checks failed (a damaged file, …): nothing is saved
            ahead.abandon()
        spill.close()


def _reason(batch: ImportBatch, filename: str) -> str:
    return f"导入 / import {filename or batch.filename}"[:500]


def _write_errors(
    spill: Spill, outcome: Outcome, errors_path, *, batch: ImportBatch, filename: str, report: Progress
) -> None:
    """The errors workbook: the rows as typed, each with its problems (by default next to the upload)."""
    if errors_path is None:
        errors_path = Path(batch.path or filename or "import").with_suffix("")
        errors_path = errors_path.parent / f"{errors_path.name}-errors.xlsx"
    from fupin.registry.template import write_errors_workbook

    report("errors", 0, 1)
    write_errors_workbook(
        (spill.raw_chunks(HOUSEHOLD_SHEET), spill.raw_chunks(MEMBER_SHEET)),
        outcome.problems,
        errors_path,
        rejected=outcome.rejected,
    )
    batch.errors_path = str(errors_path)
    report("errors", 1, 1)


def _save(
    checks: Checks, outcome: Outcome, *, user, batch: ImportBatch, filename: str, report: Progress
) -> None:
    """Save the households without an error, a part at a time, in one transaction; the counts join the
    outcome's."""
    reason = _reason(batch, filename)
    report("save", 0, outcome.rows_to_save)
    outcome.counts.update(
        bulk.save_parts(
            checks.accepted_parts(outcome.rejected),
            rows=outcome.rows_to_save,
            user=user,
            batch=batch,
            reason=reason,
            progress=report,
        )
    )


def run_batch(batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Run a queued batch whose upload is stored at `batch.path` (the background job)."""
    return import_households(
        batch.path,
        user=batch.user,
        year=batch.year,
        skip_invalid=batch.skip_invalid,
        errors_path=batch.errors_path or None,
        progress=progress,
        batch=batch,
    )
