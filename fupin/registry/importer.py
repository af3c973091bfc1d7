"""Import of the registry workbook (`fupin import households`, the upload page, the API).

The file is read a chunk at a time (xlsx sheets 户/成员, or a folder/zip with 户.csv and 成员.csv, through
`core/tables.py`). Each chunk is checked row by row against the store (`validation.check_households` /
`check_members`, with a `Context` loaded for that chunk) and spilled to a scratch folder (`Spill`): the raw
rows (for the errors workbook and for showing values as typed), and the typed rows split into parts of
whole households. Only the few key columns of the cross-row checks stay in memory. Then the cross checks
run once over those keys, the errors workbook is written from the spilled rows, and — unless the file is
rejected — the parts are saved one after another in ONE transaction (`bulk.save_parts`). So an import
holds a chunk, a part and the key columns (some 100 bytes a row), never the whole file.

Every run is an ImportBatch row that records its stage, progress and report, so the browser can follow a
background run (jobs.py).
"""

from __future__ import annotations

import queue
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import polars as pl
from django.utils import timezone

from fupin.core.scratch import remove, scratch_dir
from fupin.core.tables import FileTooLarge, Table, TableError, open_table
from fupin.core.ziplimits import Budget, TooLarge, check_directory
from fupin.registry import bulk, claims, columns, validation
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
from fupin.registry.locks import registry_write
from fupin.registry.models import ImportBatch

Progress = Callable[[str, int, int], None]
MAX_REPORTED_PROBLEMS = 200
HOUSEHOLD_ALIASES = ("households", "household", "户信息", "家庭")
MEMBER_ALIASES = ("members", "member", "家庭成员", "成员信息")
CSV_NAMES = {"households": ("户.csv", "households.csv"), "members": ("成员.csv", "members.csv")}
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
PART_HOUSEHOLDS = 20_000  # households saved together: the writer's memory is that of one part
FRAME_CHUNK_ROWS = 50_000  # rows per chunk when frames (not a file) are imported

NO_ROWS = pl.DataFrame(schema={"_row": pl.Int64})  # the other sheet, when a context is loaded for one
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
MEMBER_KEYS = tuple(c.key for c in columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS)
HOUSEHOLD_KEYS = tuple(c.key for c in columns.HOUSEHOLD_COLUMNS)


class BadFile(Exception):
    """The file cannot be read as a registry workbook (one message in both languages)."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


# --- reading ---------------------------------------------------------------------------------------


def _where(path: Path, sheet: str, sheets: bool, en: bool = False) -> str:
    if sheets:
        return f"sheet {sheet}: " if en else f"工作表“{sheet}”："
    return f"{path.name}: " if en else f"{path.name}："


class Source:
    """One sheet of the workbook being read: its chunks as all-string frames holding every workbook key
    (absent optional columns → null) and `_row`. A damaged file raises BadFile during the iteration."""

    def __init__(self, table: Table, keys: tuple[str, ...], where: tuple[str, str]):
        self.table, self.keys, self.where = table, keys, where

    def __iter__(self) -> Iterator[pl.DataFrame]:
        try:
            for chunk in self.table:
                missing = [pl.lit(None, pl.String).alias(k) for k in self.keys if k not in chunk.columns]
                yield chunk.with_columns(missing).select(*self.keys, "_row")
        except FileTooLarge:
            raise
        except TableError as e:
            raise BadFile(self.where[0] + e.message_zh, self.where[1] + e.message_en) from e


def _open_pair(hh_path: Path, mm_path: Path, *, sheets: bool, year: int | None) -> tuple[Source, Source]:
    required_hh = {c.key for c in columns.HOUSEHOLD_COLUMNS if c.required}
    if year is not None:
        required_hh.discard("year")
    required_mm = {c.key for c in columns.MEMBER_COLUMNS if c.required}
    mm_cols = columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS
    out = []
    for path, cols, required, sheet, aliases, en, keys in (
        (
            hh_path,
            columns.HOUSEHOLD_COLUMNS,
            required_hh,
            HOUSEHOLD_SHEET,
            HOUSEHOLD_ALIASES,
            "households",
            HOUSEHOLD_KEYS,
        ),
        (mm_path, mm_cols, required_mm, MEMBER_SHEET, MEMBER_ALIASES, "members", MEMBER_KEYS),
    ):
        where = (_where(path, sheet, sheets), _where(path, en, sheets, en=True))
        try:
            table = open_table(
                path,
                columns=columns.header_map(cols),
                required=required,
                sheet=sheet if sheets else None,
                sheet_aliases=aliases if sheets else (),
            )
        except FileTooLarge:
            raise
        except TableError as e:
            raise BadFile(where[0] + e.message_zh, where[1] + e.message_en) from e
        out.append(Source(table, keys, where))
    return out[0], out[1]


def _csv_in(folder: Path, kind: str) -> Path | None:
    for name in CSV_NAMES[kind]:
        for p in folder.rglob("*"):
            if p.is_file() and p.name.lower() == name:
                return p
    return None


def _extract_zip(path: Path, into: Path) -> None:
    """Unpack a zip, repairing names that Chinese Windows stored in GBK without the UTF-8 flag; within the
    limits of `ziplimits` (FileTooLarge), checked on the directory and again while inflating."""
    try:
        with zipfile.ZipFile(path) as z:
            check_directory(z, path.name)
            budget = Budget(z, path.name)
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
                with budget.open(info) as src, (into / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except TooLarge as e:
        raise FileTooLarge.of(e) from e
    except (zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as e:
        raise BadFile(f"无法打开压缩包 {path.name}", f"cannot open zip file {path.name}") from e


ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods", ".zip"}


def check_container(path: str | Path) -> None:
    """Refuse at once (FileTooLarge) a zip container whose directory declares more than the limits allow;
    what the directory understates is caught while reading."""
    path = Path(path)
    if path.suffix.lower() not in ZIP_SUFFIXES or not path.is_file() or not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as z:
            check_directory(z, path.name)
    except TooLarge as e:
        raise FileTooLarge.of(e) from e
    except (zipfile.BadZipFile, OSError):
        return  # damaged: the run reports it


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


@contextmanager
def open_workbook(path: str | Path, *, year: int | None = None) -> Iterator[tuple[Source, Source]]:
    """The two sheets (households, members) of a registry workbook, folder or zip; raises BadFile."""
    path = Path(path)
    if not path.exists():
        raise BadFile(f"找不到文件 {path}", f"file not found: {path}")
    if path.suffix.lower() == ".csv":
        raise BadFile(
            "户和成员需两张表：请用含“户”“成员”两个工作表的 .xlsx，或含 户.csv 和 成员.csv 的文件夹/zip",
            "households and members need two tables: use an .xlsx with sheets 户 and 成员, "
            "or a folder/zip holding 户.csv and 成员.csv",
        )
    if not (path.is_dir() or path.suffix.lower() == ".zip"):
        yield _open_pair(path, path, sheets=True, year=year)
        return
    folder = path if path.is_dir() else scratch_dir("unzip")
    try:
        if folder is not path:
            _extract_zip(path, folder)
        hh_csv, mm_csv = _csv_in(folder, "households"), _csv_in(folder, "members")
        if hh_csv is None or mm_csv is None:
            raise BadFile(
                f"{path.name} 中应有 户.csv 和 成员.csv 两个文件",
                f"{path.name} must hold the two files 户.csv and 成员.csv",
            )
        yield _open_pair(hh_csv, mm_csv, sheets=False, year=year)
    finally:
        if folder is not path:
            remove(folder)


def read_workbook(path: str | Path, *, year: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two raw (all-string) frames of a registry workbook, whole (for small files and tests)."""
    with open_workbook(path, year=year) as sources:
        frames = []
        for source in sources:
            chunks = list(source)
            frames.append(pl.concat(chunks) if chunks else _no_rows(source.keys))
        return frames[0], frames[1]


def _no_rows(keys: tuple[str, ...]) -> pl.DataFrame:
    """A sheet without rows, as the raw frames look."""
    return pl.DataFrame(schema={**{k: pl.String for k in keys}, "_row": pl.Int64})


def read_ahead(chunks: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The chunks, each read while the one before is checked: a thread reads one chunk ahead (the xlsx
    scanner, zlib and Polars release the GIL, so reading and checking share the two cores). An error of
    the reader (a damaged file) is raised here, in its place in the sequence."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def read() -> None:
        try:
            for item in chain(chunks, [end]):
                while True:
                    if stop.is_set():  # the consumer is gone: read no further
                        return
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed over to the consumer
            ready.put(exc)

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # let a blocked reader see `stop`
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                pass


# --- the scratch folder -----------------------------------------------------------------------------


class Spill:
    """The scratch folder of one import: raw chunks by sheet, typed chunks by part (Arrow IPC files)."""

    def __init__(self) -> None:
        self.dir = scratch_dir("import")
        self.raw: dict[str, list[Path]] = {HOUSEHOLD_SHEET: [], MEMBER_SHEET: []}
        self.typed: dict[int, dict[str, list[Path]]] = {}
        self._n = 0

    def _write(self, frame: pl.DataFrame) -> Path:
        self._n += 1
        path = self.dir / f"{self._n:06d}.arrow"
        frame.write_ipc(path, compression="uncompressed")
        return path

    def add_raw(self, sheet: str, frame: pl.DataFrame) -> None:
        self.raw[sheet].append(self._write(frame))

    def add_typed(self, sheet: str, frame: pl.DataFrame) -> None:
        """Typed rows with a `_part` column: one file per part they fall in."""
        for (part,), rows in frame.partition_by("_part", as_dict=True, include_key=False).items():
            self.typed.setdefault(part, {HOUSEHOLD_SHEET: [], MEMBER_SHEET: []})[sheet].append(
                self._write(rows)
            )

    def raw_chunks(self, sheet: str) -> Iterator[pl.DataFrame]:
        for path in self.raw[sheet]:
            yield pl.read_ipc(path)

    def raw_lazy(self, sheet: str) -> pl.LazyFrame:
        files = self.raw[sheet]
        if not files:
            return _no_rows(HOUSEHOLD_KEYS if sheet == HOUSEHOLD_SHEET else MEMBER_KEYS).lazy()
        return pl.scan_ipc(files)

    def part(self, part: int, sheet: str) -> pl.DataFrame | None:
        files = self.typed.get(part, {}).get(sheet, [])
        if not files:
            return None
        return pl.concat([pl.read_ipc(f) for f in files], how="vertical_relaxed")

    def close(self) -> None:
        remove(self.dir)


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
    with claims.claimed(batch.pk):  # a batch left running by a killed process is told apart by this
        try:
            return _run_file(
                path,
                batch,
                user=user,
                year=year,
                skip_invalid=skip_invalid,
                errors_path=errors_path,
                progress=progress,
            )
        except Exception as exc:  # a batch must never stay "running" after its run
            _failed(batch, exc)
            raise


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

    with claims.claimed(batch.pk):
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


class _Progress:
    """Rows checked so far, against an estimate of the rows in all from how far the sources have been read."""

    def __init__(self, report: Progress, sources: Iterable) -> None:
        self.report, self.sources, self.done = report, list(sources), 0

    def add(self, rows: int) -> None:
        self.done += rows
        positions = [s.table.position() for s in self.sources if isinstance(s, Source)]
        read, size = sum(p[0] for p in positions), sum(p[1] for p in positions)
        total = max(self.done, round(self.done * size / read)) if read and size else self.done
        self.report("validate", self.done, total)

    def finish(self) -> None:
        self.report("validate", self.done, self.done)


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
    try:
        checked = _Checked(spill, user)
        progress = _Progress(report, (households, members))
        report("validate", 0, 0)
        checked.households(households, year, progress)
        checked.members(members, progress)
        progress.finish()
        outcome = checked.outcome()
        if outcome.errors.height:
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
        report_base = {
            "counts": outcome.counts,
            "problems": _problems_report(outcome.problems),
            "problems_total": outcome.problems.height,
            "errors_path": batch.errors_path,
        }
        if outcome.errors.height and not skip_invalid:
            return _finish(batch, "rejected", report_base)

        reason = f"导入 / import {filename or batch.filename}"[:500]
        report("save", 0, outcome.rows_to_save)
        outcome.counts.update(
            bulk.save_parts(
                checked.accepted_parts(outcome.rejected),
                rows=outcome.rows_to_save,
                user=user,
                batch=batch,
                reason=reason,
                progress=report,
            )
        )
        return _finish(batch, "done", report_base)
    finally:
        spill.close()


def _among(numbers: set[str]) -> pl.Expr:
    """Whether a row's household number is one of `numbers`."""
    return pl.col("household_no").is_in(pl.Series(sorted(numbers), dtype=pl.String).implode())


@dataclass
class _Outcome:
    problems: pl.DataFrame
    errors: pl.DataFrame
    rejected: set[str]
    counts: dict
    rows_to_save: int


class _Checked:
    """The checks of one import: row checks chunk by chunk (their rows spilled), the key columns kept for
    the checks across rows, and the part of every household."""

    def __init__(self, spill: Spill, user) -> None:
        self.spill, self.user = spill, user
        self.problems = validation.Problems()
        self.hh_keys: list[pl.DataFrame] = []
        self.mm_keys: list[pl.DataFrame] = []
        self.heads: list[pl.DataFrame] = []
        # household_no → part: PART_HOUSEHOLDS households a part, in the order of the 户 sheet
        self.parts = pl.DataFrame(schema={"household_no": pl.String, "_part": pl.Int64})
        self.n_parts = 1

    def households(self, chunks: Iterable[pl.DataFrame], year: int | None, progress: _Progress) -> None:
        from fupin.registry.selectors import load_context

        for raw in read_ahead(chunks):
            if (
                year is not None
            ):  # the year given for the file fills the blank cells (the errors workbook shows it)
                raw = raw.with_columns(pl.col("year").fill_null(str(year)))
            ctx = load_context(self.user, raw, NO_ROWS)
            typed = validation.check_households(raw, ctx, self.problems, year=year)
            self.spill.add_raw(HOUSEHOLD_SHEET, raw)
            self.hh_keys.append(validation.household_keys(typed, ctx))
            self.heads.append(validation.stored_heads(ctx))
            new = (
                typed.select("household_no")
                .drop_nulls()
                .unique(maintain_order=True)
                .join(self.parts, on="household_no", how="anti")
            )
            self.parts = pl.concat(
                [
                    self.parts,
                    new.with_columns(
                        (
                            (pl.int_range(pl.len(), dtype=pl.Int64) + self.parts.height) // PART_HOUSEHOLDS
                        ).alias("_part")
                    ),
                ]
            )
            self.spill.add_typed(
                HOUSEHOLD_SHEET, typed.join(self.parts, on="household_no", maintain_order="left")
            )
            progress.add(raw.height)
        self.n_parts = max(self.parts.height - 1, 0) // PART_HOUSEHOLDS + 1

    def members(self, chunks: Iterable[pl.DataFrame], progress: _Progress) -> None:
        """A member goes with its household; one of a stored household without a 户 row goes to a part chosen
        by its household number, so that all of that household's members meet."""
        from fupin.registry.selectors import load_context

        for raw in read_ahead(chunks):
            ctx = load_context(self.user, NO_ROWS, raw)
            typed = validation.check_members(raw, ctx, self.problems)
            self.spill.add_raw(MEMBER_SHEET, raw)
            self.mm_keys.append(validation.member_keys(typed, ctx))
            self.heads.append(validation.stored_heads(ctx))
            part = pl.col("_part").fill_null((pl.col("household_no").hash() % self.n_parts).cast(pl.Int64))
            self.spill.add_typed(
                MEMBER_SHEET,
                typed.filter(pl.col("household_no").is_not_null())
                .join(self.parts, on="household_no", how="left", maintain_order="left")
                .with_columns(part),
            )
            progress.add(raw.height)

    def outcome(self) -> _Outcome:
        """The checks across rows and sheets, once; every problem with its value as typed; the counts."""
        hh = (
            pl.concat(self.hh_keys) if self.hh_keys else pl.DataFrame(schema=validation.HOUSEHOLD_KEYS_SCHEMA)
        )
        mm = pl.concat(self.mm_keys) if self.mm_keys else pl.DataFrame(schema=validation.MEMBER_KEYS_SCHEMA)
        heads = pl.concat(self.heads) if self.heads else pl.DataFrame(schema=validation.HEADS_SCHEMA)
        self.hh_keys, self.mm_keys, self.heads = [], [], []
        validation.cross_checks(hh, mm, heads, self.problems)
        problems = validation.with_raw_values(
            self.problems.frame(),
            {
                HOUSEHOLD_SHEET: self.spill.raw_lazy(HOUSEHOLD_SHEET),
                MEMBER_SHEET: self.spill.raw_lazy(MEMBER_SHEET),
            },
        )
        rejected = validation.rejected_households(problems)
        errors = problems.filter(pl.col("severity") == "error")
        in_rejected = _among(rejected)
        kept = ~in_rejected & pl.col("household_no").is_not_null()

        def rows(cond: pl.Expr) -> int:
            return int(hh.select(cond.sum()).item() + mm.select(cond.sum()).item())

        counts = {
            "households_in_file": hh["household_no"].n_unique() if hh.height else 0,
            "household_rows": hh.height,
            "member_rows": mm.height,
            "households_rejected": len(rejected),
            "errors": errors.height,
            "warnings": problems.height - errors.height,
            "rows_rejected": rows(in_rejected),
        }
        return _Outcome(problems, errors, rejected, counts, rows(kept))

    def accepted_parts(self, rejected: set[str]) -> Iterator[tuple[pl.DataFrame | None, pl.DataFrame | None]]:
        """The typed rows of the households without an error, a part at a time."""
        out = _among(rejected)
        for part in range(self.n_parts):
            hh, mm = (
                None if f is None else f.filter(~out)
                for f in (self.spill.part(part, HOUSEHOLD_SHEET), self.spill.part(part, MEMBER_SHEET))
            )
            if (hh is not None and hh.height) or (mm is not None and mm.height):
                yield hh, mm


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
