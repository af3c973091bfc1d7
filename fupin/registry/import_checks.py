"""The checks of one import, chunk by chunk: each chunk of a sheet is checked row by row against the store
(`validation.check_households` / `check_members`, with a `Context` loaded for that chunk) and spilled to a
scratch folder (`Spill`): the raw rows (for the errors workbook and for showing values as typed), and the
typed rows split into parts of whole households. Only the few key columns of the cross-row checks stay in
memory; the cross checks run once over them at the end (`Checks.outcome`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fupin.core.scratch import remove, scratch_dir
from fupin.registry import validation
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
from fupin.registry.reading import HOUSEHOLD_KEYS, MEMBER_KEYS, Source, no_rows, read_ahead

Progress = Callable[[str, int, int], None]
PART_HOUSEHOLDS = 20_000  # households saved together: the writer's memory is that of one part
NO_ROWS = pl.DataFrame(schema={"_row": pl.Int64})  # the other sheet, when a context is loaded for one


def _read(path: Path) -> pl.DataFrame:
    # glob=False: a path is a file, whatever it holds (FUPIN_HOME may be named 县[2024]); read_ipc has no
    # such switch
    return pl.scan_ipc(path, glob=False).collect()


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
            yield _read(path)

    def raw_lazy(self, sheet: str) -> pl.LazyFrame:
        files = self.raw[sheet]
        if not files:
            return no_rows(HOUSEHOLD_KEYS if sheet == HOUSEHOLD_SHEET else MEMBER_KEYS).lazy()
        return pl.scan_ipc(files, glob=False)

    def part(self, part: int, sheet: str) -> pl.DataFrame | None:
        files = self.typed.get(part, {}).get(sheet, [])
        if not files:
            return None
        return pl.concat([_read(f) for f in files], how="vertical_relaxed")

    def close(self) -> None:
        remove(self.dir)


class CheckProgress:
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


def among(numbers: set[str]) -> pl.Expr:
    """Whether a row's household number is one of `numbers`."""
    return pl.col("household_no").is_in(pl.Series(sorted(numbers), dtype=pl.String).implode())


@dataclass
class Outcome:
    problems: pl.DataFrame
    errors: pl.DataFrame
    rejected: set[str]
    counts: dict
    rows_to_save: int


class Checks:
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
        self.out_of_order = False  # a member came after its part had been saved ahead

    def households(self, chunks: Iterable[pl.DataFrame], year: int | None, progress: CheckProgress) -> None:
        from fupin.registry.selectors import load_context

        for raw in read_ahead(chunks):
            # the year given for the file fills the blank cells (the errors workbook shows it)
            if year is not None:
                raw = raw.with_columns(pl.col("year").fill_null(str(year)))
            ctx = load_context(self.user, raw, NO_ROWS)
            typed = validation.check_households(raw, ctx, self.problems, year=year)
            self.spill.add_raw(HOUSEHOLD_SHEET, raw)
            self.hh_keys.append(validation.household_keys(typed, ctx))
            self.heads.append(validation.stored_heads(ctx))
            self._assign_parts(typed)
            self.spill.add_typed(
                HOUSEHOLD_SHEET, typed.join(self.parts, on="household_no", maintain_order="left")
            )
            progress.add(raw.height)
        self.n_parts = max(self.parts.height - 1, 0) // PART_HOUSEHOLDS + 1

    def _assign_parts(self, typed: pl.DataFrame) -> None:
        """The households first seen in this chunk join the last part, a new one once it is full."""
        new = (
            typed.select("household_no")
            .drop_nulls()
            .unique(maintain_order=True)
            .join(self.parts, on="household_no", how="anti")
        )
        first = pl.int_range(pl.len(), dtype=pl.Int64) + self.parts.height
        self.parts = pl.concat([self.parts, new.with_columns((first // PART_HOUSEHOLDS).alias("_part"))])

    def members(self, chunks: Iterable[pl.DataFrame], progress: CheckProgress, ahead=None) -> None:
        """A member goes with its household; one of a stored household without a 户 row goes to a part chosen
        by its household number, so that all of that household's members meet.

        `ahead` (a `save_ahead.SaveAhead`) is handed every part the members have moved past; a member of a
        part already handed over sets `out_of_order` (the save ahead is then abandoned)."""
        from fupin.registry.selectors import load_context

        for raw in read_ahead(chunks):
            ctx = load_context(self.user, NO_ROWS, raw)
            typed = validation.check_members(raw, ctx, self.problems)
            self.spill.add_raw(MEMBER_SHEET, raw)
            self.mm_keys.append(validation.member_keys(typed, ctx))
            self.heads.append(validation.stored_heads(ctx))
            part = pl.col("_part").fill_null((pl.col("household_no").hash() % self.n_parts).cast(pl.Int64))
            placed = (
                typed.filter(pl.col("household_no").is_not_null())
                .join(self.parts, on="household_no", how="left", maintain_order="left")
                .with_columns(part)
            )
            self.spill.add_typed(MEMBER_SHEET, placed)
            if ahead is not None and placed.height and not self.out_of_order:
                if placed["_part"].min() < ahead.handed:
                    self.out_of_order = True
                else:  # the parts before this chunk's last one are whole (members in the 户 sheet's order)
                    ahead.hand_over(placed["_part"].max())
            progress.add(raw.height)

    def outcome(self) -> Outcome:
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
        in_rejected = among(rejected)
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
        return Outcome(problems, errors, rejected, counts, rows(kept))

    def accepted_parts(self, rejected: set[str]) -> Iterator[tuple[pl.DataFrame | None, pl.DataFrame | None]]:
        """The typed rows of the households without an error, a part at a time."""
        out = among(rejected)
        for part in range(self.n_parts):
            hh, mm = (
                None if f is None else f.filter(~out)
                for f in (self.spill.part(part, HOUSEHOLD_SHEET), self.spill.part(part, MEMBER_SHEET))
            )
            if (hh is not None and hh.height) or (mm is not None and mm.height):
                yield hh, mm
