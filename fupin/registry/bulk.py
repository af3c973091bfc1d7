"""The fast writer of validated registry frames: upsert households, yearly records and members.

`save(households, members, ...)` takes the typed frames of `validation.validate` (already filtered to the
households to save) and writes them in ONE transaction; `save_parts(parts, ...)` writes many such parts
(each holding whole households: their 户 rows and members) in one transaction, so that a large import
never holds more than a part in memory. No per-row ORM save, no per-row query: every comparison is a
Polars join, and rows reach the store through `writers.py` (ADBC staging on SQLite, COPY on PostgreSQL).

Semantics (the same as the single-household path of `services.py`, which calls this module too):
- Household by `household_no`, HouseholdYear by (household, year), Member by `id_number`;
- a row whose stored values equal the file's is not written at all (re-importing changes nothing);
  changed fields are updated, new rows created; members in the store but not in the file stay;
- a new member gets a Membership (start_reason "registered"); a member moved to another household
  gets its open Membership closed ("move") and a new one opened ("move"); a member may join a stored
  household that has no 户 row in the input;
- Household.head_name/.size (current non-deleted members) and HouseholdYear.size/net_income/
  net_income_per_capita are derived here, so they are always right;
- history: a created household gets ONE Change row whose `after` holds the household's fields plus
  "years" (its yearly records) and "members" (its members); a yearly record or member created in an
  existing household gets its own "create" Change (the whole record in `after`); every updated entity
  gets one "update" Change whose before/after hold the changed fields.

Values are compared in one canonical form (`canonical.py`, the form `writers.py` reads the store in): text
"" for blank, amounts as integer cents, booleans as 0/1/null, dates as ISO strings. The history rows are
built by `change_rows.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from django.db import connection
from django.utils import timezone

from fupin.registry.canonical import (
    HOUSEHOLD_DERIVED,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    YEAR_DERIVED,
    YEAR_FIELDS,
    canonical_households,
    canonical_members,
    db_values,
    derive_households,
    derive_years,
)
from fupin.registry.change_rows import CHANGE_ROW, change_rows, household_created_rows
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership
from fupin.registry.writers import Writer, col, open_writer, table

HOUSEHOLD_READ = ("id", "household_no", *HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED)
# what a save compares and writes of a household, a yearly record and a member
HOUSEHOLD_NAMES = (*HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED)
YEAR_NAMES = (*YEAR_FIELDS, *YEAR_DERIVED)
MEMBER_NAMES = ("household_id", *MEMBER_FIELDS)
COUNTS = (
    "changes",
    "households_created",
    "households_updated",
    "households_unchanged",
    "years_created",
    "years_updated",
    "years_unchanged",
    "members_created",
    "members_updated",
    "members_unchanged",
    "memberships_created",
    "members_moved",
)

NO_HOUSEHOLDS = pl.DataFrame(schema={"household_no": pl.String, "year": pl.Int64})
NO_MEMBERS = pl.DataFrame(schema={"household_no": pl.String, "id_number": pl.String})

Progress = Callable[[str, int, int], None]


def _differs(a: str, b: str) -> pl.Expr:
    return pl.col(a).ne_missing(pl.col(b))


# --- the writer --------------------------------------------------------------------------------


def _compare(new: pl.DataFrame, old: pl.DataFrame, on: list[str], names: Sequence[str]):
    """Split `new` into created / updated (with _old columns and _chg_ flags) / unchanged counts."""
    joined = new.join(old, on=on, how="left", suffix="_old", coalesce=True, maintain_order="left")
    created = joined.filter(pl.col("id").is_null()).select(new.columns)
    existing = joined.filter(pl.col("id").is_not_null()).with_columns(
        _differs(n, f"{n}_old").alias(f"_chg_{n}") for n in names
    )
    changed = existing.filter(pl.any_horizontal(f"_chg_{n}" for n in names))
    return created, changed, existing.height - changed.height


def save(
    households: pl.DataFrame,
    members: pl.DataFrame,
    *,
    user=None,
    batch=None,
    reason: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Upsert validated households (+ their years) and members; returns the counts for the report.

    `households`: one row per (household_no, year) with the HouseholdYear field names + household_no,
    region_code, phone. `members`: Member field names + household_no. Both typed as `validate` gives
    them (strings/decimals/floats/dates are all accepted)."""
    return save_parts(
        [(households, members)],
        rows=households.height + members.height,
        user=user,
        batch=batch,
        reason=reason,
        progress=progress,
        today=today,
    )


def save_parts(
    parts: Iterable[tuple[pl.DataFrame | None, pl.DataFrame | None]],
    *,
    rows: int,
    user=None,
    batch=None,
    reason: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """`save` for many parts in one transaction. Each part holds whole households: every 户 row and every
    member of the households it names (a member's household may also be a stored one without 户 rows);
    None for a part without rows of that kind. `rows` (all parts' rows) sizes the progress and picks the
    writer. Parts are taken one at a time."""
    today = today or timezone.localdate()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    stamp = {
        "at": now,
        "user_id": getattr(user, "pk", None),
        "reason": reason[:500],
        "batch_id": getattr(batch, "pk", None),
    }
    counts: Counter = Counter()
    done = [0]  # rows written so far (the staging thread counts; the calling thread reports)

    def step(n: int) -> None:
        done[0] += n

    with open_writer(rows) as w:
        for households, members in parts:
            hh = canonical_households(households if households is not None else NO_HOUSEHOLDS)
            mm = canonical_members(members if members is not None else NO_MEMBERS)
            del households, members  # keep only the canonical copies
            stored = _stored(w, hh, mm)
            w.submit(
                lambda hh=hh, mm=mm, stored=stored: counts.update(
                    _write(w, hh, mm, stored, stamp=stamp, now=now, today=today, step=step)
                )
            )
            del hh, mm, stored
            if progress:
                progress("save", min(done[0], rows), rows)
        if progress:  # what is left is copied in when the writer closes: the staged writer's last parts
            progress("save", rows, rows)
            progress("commit", 0, rows)
    if progress:
        progress("commit", rows, rows)
    return {k: counts.get(k, 0) for k in COUNTS}


@dataclass
class _Stored:
    """What the store holds of the households and members a part touches."""

    households: pl.DataFrame  # the part's households (HOUSEHOLD_READ)
    extra: pl.DataFrame  # households whose members change without a 户 row in the part
    members: pl.DataFrame  # the part's members, by ID number
    staying: pl.DataFrame  # other current members of all those households
    years: pl.DataFrame  # the yearly records of all those households


def _stored(w: Writer, hh: pl.DataFrame, mm: pl.DataFrame) -> _Stored:
    """Every read of a part's save, before anything of it is written."""
    numbers = hh["household_no"].unique()
    old_hh = w.fetch_in(Household, HOUSEHOLD_READ, "household_no", numbers.to_list())
    old_mm = w.fetch_in(
        Member, ["id", "id_number", "household_id", *MEMBER_FIELDS], "id_number", mm["id_number"].to_list()
    )
    # Households whose members change without a 户 row here: stored ones the part's members join, and
    # those a moved member leaves.
    joined = mm.filter(~pl.col("household_no").is_in(numbers.implode()))["household_no"].unique()
    leaving = (
        old_mm.join(old_hh.select(pl.col("id").alias("household_id")), on="household_id", how="anti")[
            "household_id"
        ]
        .drop_nulls()
        .unique()
    )
    extra_hh = pl.concat(
        [
            w.fetch_in(Household, HOUSEHOLD_READ, "household_no", joined.to_list()),
            w.fetch_in(Household, HOUSEHOLD_READ, "id", leaving.to_list()),
        ]
    ).unique("id", keep="first")
    extra_hh = extra_hh.filter(~pl.col("id").is_in(old_hh["id"].implode())).sort("id")
    ids = pl.concat([old_hh["id"], extra_hh["id"]]).to_list()
    stay = w.fetch_in(
        Member,
        ["id_number", "household_id", "name", "relation"],
        "household_id",
        ids,
        where=f" AND {col(Member, 'is_deleted')} = %s",
        params=[False],
    )
    old_years = w.fetch_in(
        HouseholdYear, ["id", "household_id", "year", *YEAR_FIELDS, *YEAR_DERIVED], "household_id", ids
    )
    return _Stored(old_hh, extra_hh, old_mm, stay, old_years)


@dataclass
class _Part:
    """The writes of one part: the writer, what every row it writes carries, the counts for the report."""

    w: Writer
    stamp: dict  # of every Change row: at, user, reason, batch
    now: object
    today: date
    step: Callable[[int], None]  # rows written (progress)
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.stamps = {"created_at": self.now, "updated_at": self.now, "is_deleted": False}

    def log(
        self,
        frame: pl.DataFrame,
        action: str,
        entity: str,
        names: Sequence[str],
        created: bool,
        rows: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> None:
        """Write the Change rows of these entities (built chunk by chunk)."""
        rows = rows or (lambda part: change_rows(part, action, entity, names, created=created))
        self.w.insert(Change, CHANGE_ROW, frame, prepare=rows, constants=self.stamp)
        self.counts["changes"] += frame.height


def _write(
    w: Writer,
    hh: pl.DataFrame,
    mm: pl.DataFrame,
    stored: _Stored,
    *,
    stamp: dict,
    now,
    today: date,
    step: Callable[[int], None],
) -> Counter:
    """Compare a part with what the store holds and write the difference (no read of the store here: on the
    staged writer this runs in the staging thread)."""
    part = _Part(w, stamp, now, today, step)
    new_hh, ids, created_hh = _write_households(part, hh, mm, stored)
    # A created household gets ONE Change (its fields, yearly records and members), written at the end.
    is_new_hh = pl.col("household_id").is_in(created_hh["id"].implode())
    new_years = _write_years(part, hh, new_hh.select("household_no", "size"), ids, stored, is_new_hh)
    del new_hh
    created, changed, new_members = _write_members(part, mm, ids, stored, is_new_hh)
    _write_memberships(part, created, changed)
    del created, changed
    part.log(
        created_hh,
        "create",
        "household",
        HOUSEHOLD_NAMES,
        True,
        rows=lambda rows: household_created_rows(rows, new_years, new_members, HOUSEHOLD_NAMES),
    )
    return part.counts


def _write_households(
    part: _Part, hh: pl.DataFrame, mm: pl.DataFrame, stored: _Stored
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Households, their head and size derived from the members they will have after the save. Returns
    them as saved, the id of every household the part touches, and the created ones."""
    all_old_hh = pl.concat([stored.households, stored.extra])
    new_hh = _households_after(hh, mm, stored, all_old_hh)
    created, changed, same = _compare(new_hh, all_old_hh, ["household_no"], HOUSEHOLD_NAMES)
    part.counts.update(
        households_created=created.height, households_updated=changed.height, households_unchanged=same
    )
    created = part.w.insert_new(Household, ["household_no", *HOUSEHOLD_NAMES], created, constants=part.stamps)
    part.w.update(
        Household,
        [*HOUSEHOLD_NAMES, "updated_at"],
        changed.with_columns(pl.lit(part.now).alias("updated_at")),
    )
    part.log(
        changed.with_columns(pl.col("id").alias("household_id")),
        "update",
        "household",
        HOUSEHOLD_NAMES,
        False,
    )
    ids = pl.concat([all_old_hh.select("id", "household_no"), created.select("id", "household_no")])
    return new_hh, ids, created.select("id", "household_no", *HOUSEHOLD_NAMES)


def _households_after(
    hh: pl.DataFrame, mm: pl.DataFrame, stored: _Stored, all_old_hh: pl.DataFrame
) -> pl.DataFrame:
    """The households of the part (those of its 户 rows and the stored ones its members join or leave) as
    they will be: their fields and their head and size from the members they will have."""
    file_hh = hh.unique("household_no", keep="last", maintain_order=True).select(
        "household_no", *HOUSEHOLD_FIELDS
    )
    stay = stored.staying.join(
        all_old_hh.select(pl.col("id").alias("household_id"), "household_no"), on="household_id"
    )
    stay = stay.filter(~pl.col("id_number").is_in(mm["id_number"].implode()))
    current = pl.concat(
        [stay.select("household_no", "name", "relation"), mm.select("household_no", "name", "relation")]
    )
    return (
        pl.concat([file_hh, stored.extra.select("household_no", *HOUSEHOLD_FIELDS)])
        .join(derive_households(current), on="household_no", how="left", maintain_order="left")
        .with_columns(pl.col("size").fill_null(0), pl.col("head_name").fill_null(""))
    )


def _write_years(
    part: _Part,
    hh: pl.DataFrame,
    sizes: pl.DataFrame,
    ids: pl.DataFrame,
    stored: _Stored,
    is_new_hh: pl.Expr,
) -> pl.DataFrame:
    """Yearly records, their net income derived with the household's size. Returns those of the created
    households (for their one Change)."""
    years = derive_years(
        hh.unique(["household_no", "year"], keep="last", maintain_order=True)
        .join(sizes, on="household_no", how="left", maintain_order="left")
        .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left")
    )
    created, changed, same = _compare(years, stored.years, ["household_id", "year"], YEAR_NAMES)
    part.counts.update(years_created=created.height, years_updated=changed.height, years_unchanged=same)
    cols = ["household_id", "year", *YEAR_NAMES]
    created = part.w.insert_new(
        HouseholdYear,
        cols,
        created,
        prepare=lambda rows: db_values(rows, cols),
        constants=part.stamps,
        progress=part.step,
    )
    part.w.update(
        HouseholdYear,
        [*YEAR_NAMES, "updated_at"],
        db_values(changed, [*YEAR_NAMES, "id"]).with_columns(pl.lit(part.now).alias("updated_at")),
        progress=part.step,
    )
    part.log(created.filter(~is_new_hh), "create", "household_year", ("year", *YEAR_NAMES), True)
    part.log(changed, "update", "household_year", YEAR_NAMES, False)
    return years.filter(is_new_hh).select("household_id", "year", *YEAR_NAMES).sort("household_id", "year")


def _write_members(
    part: _Part, mm: pl.DataFrame, ids: pl.DataFrame, stored: _Stored, is_new_hh: pl.Expr
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Members, by ID number. Returns the created and the changed ones (for their memberships) and those
    of the created households (for their one Change)."""
    members = (
        mm.with_row_index("_order")
        .unique("id_number", keep="last", maintain_order=True)
        .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left")
    )
    created, changed, same = _compare(members, stored.members, ["id_number"], MEMBER_NAMES)
    part.counts.update(members_created=created.height, members_updated=changed.height, members_unchanged=same)
    cols = ["id_number", *MEMBER_NAMES]
    created = part.w.insert_new(
        Member,
        cols,
        created,
        prepare=lambda rows: db_values(rows, cols),
        constants=part.stamps,
        progress=part.step,
    )
    part.w.update(
        Member,
        [*MEMBER_NAMES, "updated_at"],
        db_values(changed, [*MEMBER_NAMES, "id"]).with_columns(pl.lit(part.now).alias("updated_at")),
        progress=part.step,
    )
    part.log(created.filter(~is_new_hh), "create", "member", ("id_number", *MEMBER_NAMES), True)
    part.log(changed, "update", "member", MEMBER_NAMES, False)
    new_members = (
        members.filter(is_new_hh)
        .sort("household_id", "_order")
        .select("household_id", "id_number", *MEMBER_FIELDS)
    )
    return created, changed, new_members


def _write_memberships(part: _Part, created: pl.DataFrame, changed: pl.DataFrame) -> None:
    """A membership period for every new member; a moved member closes its open one and opens one."""
    today = part.today.isoformat()
    moved = changed.filter(pl.col("_chg_household_id"))
    part.w.update(
        Membership,
        ["end_date", "end_reason"],
        moved.select(
            pl.lit(today).alias("end_date"),
            pl.lit("move").alias("end_reason"),
            pl.col("id").alias("member_id"),
        ),
        key="member_id",
        where=f" AND {table(Membership)}.{col(Membership, 'end_date')} IS NULL",
    )
    period = ["member_id", "household_id", "relation", "start_reason"]
    periods = pl.concat(
        [
            created.select(
                pl.col("id").alias("member_id"),
                "household_id",
                "relation",
                pl.lit("registered").alias("start_reason"),
            ),
            moved.select(
                pl.col("id").alias("member_id"),
                "household_id",
                "relation",
                pl.lit("move").alias("start_reason"),
            ),
        ]
    )
    part.w.insert(Membership, period, periods, constants={"start_date": today, "end_reason": ""})
    part.counts.update(memberships_created=periods.height, members_moved=moved.height)


def save_validated(
    validated,
    *,
    user=None,
    batch=None,
    reason: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Save the households of a `Validated` that have no error (the single-household path uses this too)."""
    hh, mm = accepted(validated)
    return save(hh, mm, user=user, batch=batch, reason=reason, progress=progress, today=today)


def accepted(validated) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typed household and member rows of the households without an error."""
    keep = pl.col("household_no").is_not_null()
    if validated.rejected:
        keep = keep & ~pl.col("household_no").is_in(list(validated.rejected))
    return validated.households.filter(keep), validated.members.filter(keep)


def json_safe(value):
    """A Python value as stored in Change.before/after: amounts as '1200.50', dates ISO, the rest as is."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
