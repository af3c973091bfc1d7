"""Import of the registry workbook (`fupin import households`, the upload page, the API).

read (xlsx sheets 户/成员, or a folder/zip with 户.csv and 成员.csv) → load_context → validate →
save in one transaction (bulk.py) or reject. Every run is an ImportBatch row that records its stage,
progress and report, so the browser can follow a background run (jobs.py).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
from django.utils import timezone

from fupin.core.tables import TableError, read_table
from fupin.registry import bulk, columns
from fupin.registry.models import ImportBatch

Progress = Callable[[str, int, int], None]
MAX_REPORTED_PROBLEMS = 200
HOUSEHOLD_ALIASES = ("households", "household", "户信息", "家庭")
MEMBER_ALIASES = ("members", "member", "家庭成员", "成员信息")
CSV_NAMES = {"households": ("户.csv", "households.csv"), "members": ("成员.csv", "members.csv")}

PROBLEM_COLUMNS = ("sheet", "row", "household_no", "field", "column", "value", "rule", "severity",
                   "message_zh", "message_en")


class BadFile(Exception):
    """The file cannot be read as a registry workbook (one message in both languages)."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


# --- reading ---------------------------------------------------------------------------------------

def _keys(cols: tuple[columns.Column, ...]) -> list[str]:
    return [c.key for c in cols]


def _complete(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Every workbook key as a String column (absent optional columns → null), then `_row`."""
    missing = [pl.lit(None, pl.String).alias(k) for k in keys if k not in frame.columns]
    return frame.with_columns(missing).select(*keys, "_row")


def _read_pair(hh_path: Path, mm_path: Path, *, sheets: bool, year: int | None):
    required_hh = {c.key for c in columns.HOUSEHOLD_COLUMNS if c.required}
    if year is not None:
        required_hh.discard("year")
    required_mm = {c.key for c in columns.MEMBER_COLUMNS if c.required}
    mm_cols = columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS
    # The two sheets are read at once: calamine and Polars release the GIL (≈1.5 s less on 2 cores).
    with ThreadPoolExecutor(max_workers=2) as pool:
        hh_job = pool.submit(read_table, hh_path, columns=columns.header_map(columns.HOUSEHOLD_COLUMNS),
                             required=required_hh, sheet=columns.HOUSEHOLD_SHEET if sheets else None,
                             sheet_aliases=HOUSEHOLD_ALIASES if sheets else ())
        mm_job = pool.submit(read_table, mm_path, columns=columns.header_map(mm_cols), required=required_mm,
                             sheet=columns.MEMBER_SHEET if sheets else None,
                             sheet_aliases=MEMBER_ALIASES if sheets else ())
        try:
            hh = hh_job.result()
        except TableError as e:
            raise BadFile(f"{_where(hh_path, columns.HOUSEHOLD_SHEET, sheets)}{e.message_zh}",
                          f"{_where(hh_path, 'households', sheets, en=True)}{e.message_en}") from e
        try:
            mm = mm_job.result()
        except TableError as e:
            raise BadFile(f"{_where(mm_path, columns.MEMBER_SHEET, sheets)}{e.message_zh}",
                          f"{_where(mm_path, 'members', sheets, en=True)}{e.message_en}") from e
    hh = _complete(hh, _keys(columns.HOUSEHOLD_COLUMNS))
    mm = _complete(mm, _keys(mm_cols))
    if year is not None:
        hh = hh.with_columns(pl.col("year").fill_null(str(year)))
    return hh, mm


def _where(path: Path, sheet: str, sheets: bool, en: bool = False) -> str:
    if sheets:
        return f"sheet {sheet}: " if en else f"工作表“{sheet}”："
    return f"{path.name}: " if en else f"{path.name}："


def _csv_in(folder: Path, kind: str) -> Path | None:
    for name in CSV_NAMES[kind]:
        for p in folder.rglob("*"):
            if p.is_file() and p.name.lower() == name:
                return p
    return None


def _extract_zip(path: Path, into: Path) -> None:
    """Unpack a zip, repairing names that Chinese Windows stored in GBK without the UTF-8 flag."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                name = info.filename
                if not info.flag_bits & 0x800:
                    try:
                        name = name.encode("cp437").decode("gbk")
                    except (UnicodeEncodeError, UnicodeDecodeError):
                        pass
                name = Path(name).name
                if info.is_dir() or not name:
                    continue
                (into / name).write_bytes(z.read(info))
    except zipfile.BadZipFile as e:
        raise BadFile(f"无法打开压缩包 {path.name}", f"cannot open zip file {path.name}") from e


def read_workbook(path: str | Path, *, year: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two raw (all-string) frames of a registry workbook, folder or zip; raises BadFile."""
    path = Path(path)
    if not path.exists():
        raise BadFile(f"找不到文件 {path}", f"file not found: {path}")
    if path.is_dir() or path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            folder = path
            if not path.is_dir():
                folder = Path(tmp)
                _extract_zip(path, folder)
            hh_csv, mm_csv = _csv_in(folder, "households"), _csv_in(folder, "members")
            if hh_csv is None or mm_csv is None:
                raise BadFile(f"{path.name} 中应有 户.csv 和 成员.csv 两个文件",
                              f"{path.name} must hold the two files 户.csv and 成员.csv")
            return _read_pair(hh_csv, mm_csv, sheets=False, year=year)
    if path.suffix.lower() == ".csv":
        raise BadFile("户和成员需两张表：请用含“户”“成员”两个工作表的 .xlsx，或含 户.csv 和 成员.csv 的文件夹/zip",
                      "households and members need two tables: use an .xlsx with sheets 户 and 成员, "
                      "or a folder/zip holding 户.csv and 成员.csv")
    return _read_pair(path, path, sheets=True, year=year)


# --- the run ---------------------------------------------------------------------------------------

def _record(batch: ImportBatch, progress: Progress | None) -> Progress:
    """A progress callback that also records stage/done/total on the batch row (throttled)."""
    last = {"stage": None, "done": -1}

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)
        if batch.pk and (stage != last["stage"] or done == total or done - last["done"] >= max(total // 20, 1)):
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
        batch.save(update_fields=["status", "report", "finished_at", "stage", "done_rows", "total_rows",
                                  "errors_path"])
    return batch


def _new_batch(filename: str, user, year, skip_invalid) -> ImportBatch:
    return ImportBatch.objects.create(user=user if getattr(user, "pk", None) else None, filename=filename,
                                      year=year, skip_invalid=skip_invalid, status="running")


def import_households(path, *, user=None, year=None, skip_invalid=False, errors_path=None, progress=None,
                      batch: ImportBatch | None = None) -> ImportBatch:
    """Import a registry workbook (.xlsx, folder or .zip of CSVs) as `user` (None = unscoped)."""
    path = Path(path)
    if errors_path is None:
        errors_path = path.with_name(f"{path.stem}-errors.xlsx")
    if batch is None:
        batch = _new_batch(path.name, user, year, skip_invalid)
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(status="running")
        batch.status = "running"
    report = _record(batch, progress)
    report("read", 0, 1)
    try:
        raw = list(read_workbook(path, year=year))
    except BadFile as e:
        return _finish(batch, "rejected", {"bad_file": True, "message_zh": e.message_zh,
                                           "message_en": e.message_en, "problems": []})
    report("read", 1, 1)
    return _import(raw, user=user, year=year, skip_invalid=skip_invalid, errors_path=errors_path,
                   batch=batch, filename=path.name, report=report)


def import_frames(households_raw: pl.DataFrame, members_raw: pl.DataFrame, *, user=None, year=None,
                  skip_invalid=False, errors_path=None, progress=None, batch: ImportBatch | None = None,
                  filename: str = "", _report: Progress | None = None) -> ImportBatch:
    """Validate and save already-read raw frames (all strings, workbook keys + `_row`)."""
    if batch is None:
        batch = _new_batch(filename, user, year, skip_invalid)
    raw = [households_raw, members_raw]
    del households_raw, members_raw
    return _import(raw, user=user, year=year, skip_invalid=skip_invalid, errors_path=errors_path, batch=batch,
                   filename=filename, report=_report or _record(batch, progress))


def _import(raw: list[pl.DataFrame], *, user, year, skip_invalid, errors_path, batch: ImportBatch, filename: str,
            report: Progress) -> ImportBatch:
    """Validate and save; `raw` ([households, members]) is emptied once the raw rows are no longer needed,
    and the typed frames are handed over to the writer, so that no copy outlives its use."""
    from fupin.registry.selectors import load_context
    from fupin.registry.validation import validate

    households_raw, members_raw = raw
    raw.clear()
    if year is not None and "year" in households_raw.columns:
        households_raw = households_raw.with_columns(pl.col("year").fill_null(str(year)))
    total = households_raw.height + members_raw.height
    report("validate", 0, total)
    ctx = load_context(user, households_raw, members_raw)
    v = validate(households_raw, members_raw, ctx, year=year)
    report("validate", total, total)

    errors = v.problems.filter(pl.col("severity") == "error") if v.problems.height else v.problems
    counts = {"households_in_file": households_raw["household_no"].n_unique() if households_raw.height else 0,
              "household_rows": households_raw.height, "member_rows": members_raw.height,
              "households_rejected": len(v.rejected), "errors": errors.height,
              "warnings": v.problems.height - errors.height}
    rows_rejected = 0
    if v.rejected:
        rows_rejected = (households_raw["household_no"].is_in(list(v.rejected)).sum()
                         + members_raw["household_no"].is_in(list(v.rejected)).sum())
    counts["rows_rejected"] = int(rows_rejected)
    if errors.height and errors_path is None:
        errors_path = Path(batch.path or filename or "import").with_suffix("")
        errors_path = errors_path.parent / f"{errors_path.name}-errors.xlsx"
    if errors.height:
        from fupin.registry.template import write_errors_workbook

        report("errors", 0, 1)
        write_errors_workbook((households_raw, members_raw), v.problems, errors_path, rejected=v.rejected)
        batch.errors_path = str(errors_path)
        report("errors", 1, 1)

    del households_raw, members_raw  # the errors workbook was the last use of the raw rows
    base = {"counts": counts, "problems": _problems_report(v.problems),
            "problems_total": v.problems.height, "errors_path": batch.errors_path}
    if errors.height and not skip_invalid:
        return _finish(batch, "rejected", base)

    reason = f"导入 / import {filename or batch.filename}"[:500]
    accepted = list(bulk.accepted(v))
    del v
    saved = bulk.save(accepted.pop(0), accepted.pop(0), user=user, batch=batch, reason=reason,
                      progress=report, today=getattr(ctx, "today", None))
    counts.update(saved)
    return _finish(batch, "done", base)


def run_batch(batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Run a queued batch whose upload is stored at `batch.path` (the background job)."""
    return import_households(batch.path, user=batch.user, year=batch.year, skip_invalid=batch.skip_invalid,
                             errors_path=batch.errors_path or None, progress=progress, batch=batch)
