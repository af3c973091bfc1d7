"""Reading a registry workbook: an .xlsx with the sheets 户 and 成员, or a folder or zip holding 户.csv and
成员.csv (through `core/tables.py`), each sheet a chunk at a time as all-string frames keyed by the
workbook keys plus `_row`; a zip is unpacked within the limits of `core/ziplimits.py`. A file that cannot
be read as a registry workbook raises BadFile (one message in both languages).
"""

from __future__ import annotations

import queue
import shutil
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import polars as pl

from fupin.core.scratch import remove, scratch_dir
from fupin.core.tables import FileTooLarge, Table, TableError, open_table
from fupin.core.ziplimits import Budget, TooLarge, check_directory
from fupin.registry import columns
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET

HOUSEHOLD_ALIASES = ("households", "household", "户信息", "家庭")
MEMBER_ALIASES = ("members", "member", "家庭成员", "成员信息")
CSV_NAMES = {"households": ("户.csv", "households.csv"), "members": ("成员.csv", "members.csv")}
MEMBER_KEYS = tuple(c.key for c in columns.MEMBER_COLUMNS + columns.OPTIONAL_MEMBER_COLUMNS)
HOUSEHOLD_KEYS = tuple(c.key for c in columns.HOUSEHOLD_COLUMNS)


class BadFile(Exception):
    """The file cannot be read as a registry workbook (one message in both languages)."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_zh} / {message_en}")


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
            frames.append(pl.concat(chunks) if chunks else no_rows(source.keys))
        return frames[0], frames[1]


def no_rows(keys: tuple[str, ...]) -> pl.DataFrame:
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
