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

Values are compared in one canonical form (`canonical_*`, see `writers.py`): text "" for blank, amounts as
integer cents, booleans as 0/1/null, dates as ISO strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from django.db import connection
from django.utils import timezone

from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership
from fupin.registry.writers import AMOUNTS, BOOLS, DATES, INTS, Writer, col, open_writer, table

CHANGE_ROW = ("action", "entity", "entity_id", "household_id", "before", "after")  # + at/user/reason/batch

HOUSEHOLD_FIELDS = ("village_id", "phone")
HOUSEHOLD_DERIVED = ("head_name", "size")
YEAR_FIELDS = (
    "household_type",
    "status",
    "poverty_type",
    "standard",
    "main_cause",
    "other_causes",
    "identified_year",
    "exit_year",
    "housing_grade",
    "water_safe",
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_cost",
    "out_of_pocket",
)
YEAR_DERIVED = ("size", "net_income", "net_income_per_capita")
MEMBER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "relation",
    "health",
    "labour",
    "education",
    "school",
    "work_status",
    "work_months",
    "medical_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
    "disability_cert",
)
INCOME = ("wage_income", "business_income", "property_income", "transfer_income")
COSTS = ("business_cost",)
HOUSEHOLD_READ = ("id", "household_no", *HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED)
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


# --- canonical form ----------------------------------------------------------------------------


def _cents(name: str, dtype: pl.DataType) -> pl.Expr:
    c = pl.col(name)
    if dtype == pl.String:
        c = c.str.replace_all(",", "").cast(pl.Float64, strict=False)
    if isinstance(dtype, pl.Decimal):
        return (c * 100).cast(pl.Int64)
    return (c.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def _canonical(frame: pl.DataFrame, names: Sequence[str], keep: Sequence[str]) -> pl.DataFrame:
    """`keep` columns as they are + `names` in canonical types (absent columns → blank/null)."""
    exprs: list[pl.Expr] = [pl.col(k) for k in keep]
    schema = frame.schema
    for n in names:
        if n not in schema:
            if n in AMOUNTS:
                exprs.append(pl.lit(0, pl.Int64).alias(n))
            elif n in INTS:
                exprs.append(pl.lit(None, pl.Int64).alias(n))
            elif n in BOOLS:
                exprs.append(pl.lit(None, pl.Int8).alias(n))
            else:
                exprs.append(pl.lit("", pl.String).alias(n))
            continue
        dtype = schema[n]
        if n in AMOUNTS:
            exprs.append(_cents(n, dtype).fill_null(0).alias(n))
        elif n in INTS:
            exprs.append(pl.col(n).cast(pl.Int64, strict=False).alias(n))
        elif n in BOOLS:
            e = pl.col(n)
            if dtype == pl.String:
                e = pl.col(n).replace_strict(
                    {"1": 1, "0": 0, "true": 1, "false": 0}, default=None, return_dtype=pl.Int8
                )
            exprs.append(e.cast(pl.Int8).alias(n))
        elif n in DATES:
            exprs.append(pl.col(n).cast(pl.String).alias(n))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(n).list.join(",").fill_null("").alias(n))
        else:
            exprs.append(pl.col(n).cast(pl.String).fill_null("").alias(n))
    return frame.select(exprs)


def canonical_households(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated household rows → household_no, village_id, phone, year + YEAR_FIELDS (canonical)."""
    frame = frame.rename({"region_code": "village_id"}) if "region_code" in frame.columns else frame
    out = _canonical(frame, (*HOUSEHOLD_FIELDS, *YEAR_FIELDS), ("household_no",))
    return out.with_columns(frame["year"].cast(pl.Int64).alias("year"))


def canonical_members(frame: pl.DataFrame) -> pl.DataFrame:
    """Validated member rows → household_no, id_number + MEMBER_FIELDS (canonical)."""
    return _canonical(frame, MEMBER_FIELDS, ("household_no", "id_number"))


def derive_households(members: pl.DataFrame) -> pl.DataFrame:
    """Current members (household_no, name, relation) → household_no, size, head_name."""
    return members.group_by("household_no").agg(
        pl.len().cast(pl.Int64).alias("size"),
        pl.col("name").filter(pl.col("relation") == "head").first().fill_null("").alias("head_name"),
    )


def derive_years(years: pl.DataFrame) -> pl.DataFrame:
    """Add net_income (cents) and net_income_per_capita (cents, half-up; null when size is 0)."""
    net = pl.sum_horizontal(INCOME) - pl.sum_horizontal(COSTS)
    size = pl.col("size")
    per = ((pl.col("net_income").abs() * 2 + size) // (2 * size)) * pl.col("net_income").sign()
    return years.with_columns(net.cast(pl.Int64).alias("net_income")).with_columns(
        pl.when(size > 0).then(per).otherwise(None).cast(pl.Int64).alias("net_income_per_capita")
    )


# --- values for the store ------------------------------------------------------------------


def _db_values(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Canonical columns → values the database accepts (amounts as '12.34' strings, bools as bool)."""
    exprs = []
    for n in names:
        if n in AMOUNTS:
            c = pl.col(n)
            exprs.append(
                pl.when(c.is_null())
                .then(None)
                .otherwise(
                    pl.format(
                        "{}{}.{}",
                        pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                        c.abs() // 100,
                        (c.abs() % 100).cast(pl.String).str.zfill(2),
                    )
                )
                .alias(n)
            )
        elif n in BOOLS:
            exprs.append(pl.col(n).cast(pl.Boolean).alias(n))
        else:
            exprs.append(pl.col(n))
    return frame.select(exprs)


# --- change records ----------------------------------------------------------------------------


def _json_value(n: str, field: str | None = None) -> pl.Expr:
    """A canonical column (holding `field`, default `n`) as the JSON-safe value of Change.before/after."""
    c = pl.col(n)
    field = field or n
    if field in AMOUNTS:
        return (
            pl.when(c.is_null())
            .then(None)
            .otherwise(
                pl.format(
                    "{}{}.{}",
                    pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                    c.abs() // 100,
                    (c.abs() % 100).cast(pl.String).str.zfill(2),
                )
            )
            .alias(n)
        )
    if field in BOOLS:
        return c.cast(pl.Boolean).alias(n)
    return c.alias(n)


def _json_record(names: Sequence[str]) -> pl.Expr:
    return pl.struct([_json_value(n) for n in names]).struct.json_encode()


def _json_changed(names: Sequence[str], suffix: str) -> pl.Expr:
    """{"field": value, ...} over the fields that changed (column `_chg_<field>` true)."""
    pieces = [
        pl.when(pl.col(f"_chg_{n}")).then(
            pl.struct(_json_value(f"{n}{suffix}", n).alias(n))
            .struct.json_encode()
            .str.strip_prefix("{")
            .str.strip_suffix("}")
        )
        for n in names
    ]
    return pl.concat_str([pl.lit("{"), pl.concat_str(pieces, separator=",", ignore_nulls=True), pl.lit("}")])


def _differs(a: str, b: str) -> pl.Expr:
    return pl.col(a).ne_missing(pl.col(b))


def _change_rows(
    frame: pl.DataFrame, action: str, entity: str, names: Sequence[str], *, created: bool
) -> pl.DataFrame:
    """Change rows for created (`after` = whole record) or updated (changed fields) entities.

    `frame` has id, household_id, the new values under `names` and, for updates, the old values
    under `<name>_old` and `_chg_<name>` flags."""
    if frame.is_empty():
        return pl.DataFrame()
    if created:
        before = pl.lit(None, pl.String)
        after = _json_record(names)
    else:
        before = _json_changed(names, "_old")
        after = _json_changed(names, "")
    return frame.select(
        pl.lit(action).alias("action"),
        pl.lit(entity).alias("entity"),
        pl.col("id").cast(pl.String).alias("entity_id"),
        pl.col("household_id"),
        before.alias("before"),
        after.alias("after"),
    )


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
    counts: Counter = Counter()
    stamps = {"created_at": now, "updated_at": now, "is_deleted": False}
    today_s = today.isoformat()

    def log(
        frame: pl.DataFrame,
        action: str,
        entity: str,
        names: Sequence[str],
        created: bool,
        rows: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> None:
        """Write the Change rows of these entities (built chunk by chunk)."""
        rows = rows or (lambda part: _change_rows(part, action, entity, names, created=created))
        w.insert(Change, CHANGE_ROW, frame, prepare=rows, constants=stamp)
        counts["changes"] += frame.height

    file_hh = hh.unique("household_no", keep="last", maintain_order=True).select(
        "household_no", *HOUSEHOLD_FIELDS
    )
    old_mm, extra_hh = stored.members, stored.extra
    all_old_hh = pl.concat([stored.households, extra_hh])
    stay = stored.staying.join(
        all_old_hh.select(pl.col("id").alias("household_id"), "household_no"), on="household_id"
    )
    stay = stay.filter(~pl.col("id_number").is_in(mm["id_number"].implode()))

    # --- households: derived head/size from the members they will have after the save
    current = pl.concat(
        [stay.select("household_no", "name", "relation"), mm.select("household_no", "name", "relation")]
    )
    new_hh = (
        pl.concat([file_hh, extra_hh.select("household_no", *HOUSEHOLD_FIELDS)])
        .join(derive_households(current), on="household_no", how="left", maintain_order="left")
        .with_columns(pl.col("size").fill_null(0), pl.col("head_name").fill_null(""))
    )
    hnames = (*HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED)
    created, changed, same = _compare(new_hh, all_old_hh, ["household_no"], hnames)
    counts.update(
        households_created=created.height, households_updated=changed.height, households_unchanged=same
    )
    created = w.insert_new(
        Household, ["household_no", *hnames], created, key=["household_no"], constants=stamps
    )
    w.update(Household, [*hnames, "updated_at"], changed.with_columns(pl.lit(now).alias("updated_at")))
    log(changed.with_columns(pl.col("id").alias("household_id")), "update", "household", hnames, False)
    ids = pl.concat([all_old_hh.select("id", "household_no"), created.select("id", "household_no")])
    # A created household gets ONE Change (its fields, yearly records and members), written at the end.
    created_hh = created.select("id", "household_no", *hnames)
    is_new_hh = pl.col("household_id").is_in(created_hh["id"].implode())

    # --- yearly records
    sizes = new_hh.select("household_no", "size")
    years = derive_years(
        hh.unique(["household_no", "year"], keep="last", maintain_order=True)
        .join(sizes, on="household_no", how="left", maintain_order="left")
        .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left")
    )
    ynames = (*YEAR_FIELDS, *YEAR_DERIVED)
    old_years = stored.years
    created, changed, same = _compare(years, old_years, ["household_id", "year"], ynames)
    counts.update(years_created=created.height, years_updated=changed.height, years_unchanged=same)
    cols = ["household_id", "year", *ynames]
    created = w.insert_new(
        HouseholdYear,
        cols,
        created,
        key=["household_id", "year"],
        prepare=lambda part: _db_values(part, cols),
        constants=stamps,
        progress=step,
    )
    w.update(
        HouseholdYear,
        [*ynames, "updated_at"],
        _db_values(changed, [*ynames, "id"]).with_columns(pl.lit(now).alias("updated_at")),
        progress=step,
    )
    log(created.filter(~is_new_hh), "create", "household_year", ("year", *ynames), True)
    log(changed, "update", "household_year", ynames, False)
    new_years = years.filter(is_new_hh).select("household_id", "year", *ynames).sort("household_id", "year")
    del years

    # --- members
    members = (
        mm.with_row_index("_order")
        .unique("id_number", keep="last", maintain_order=True)
        .join(ids.rename({"id": "household_id"}), on="household_no", maintain_order="left")
    )
    mnames = ("household_id", *MEMBER_FIELDS)
    created, changed, same = _compare(members, old_mm, ["id_number"], mnames)
    counts.update(members_created=created.height, members_updated=changed.height, members_unchanged=same)
    cols = ["id_number", *mnames]
    created = w.insert_new(
        Member,
        cols,
        created,
        key=["id_number"],
        prepare=lambda part: _db_values(part, cols),
        constants=stamps,
        progress=step,
    )
    w.update(
        Member,
        [*mnames, "updated_at"],
        _db_values(changed, [*mnames, "id"]).with_columns(pl.lit(now).alias("updated_at")),
        progress=step,
    )
    log(created.filter(~is_new_hh), "create", "member", ("id_number", *mnames), True)
    log(changed, "update", "member", mnames, False)
    new_members = (
        members.filter(is_new_hh)
        .sort("household_id", "_order")
        .select("household_id", "id_number", *MEMBER_FIELDS)
    )
    del members

    # --- memberships: a period for every new member; moved members close one and open one
    moved = changed.filter(pl.col("_chg_household_id"))
    w.update(
        Membership,
        ["end_date", "end_reason"],
        moved.select(
            pl.lit(today_s).alias("end_date"),
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
    w.insert(Membership, period, periods, constants={"start_date": today_s, "end_reason": ""})
    counts.update(memberships_created=periods.height, members_moved=moved.height)
    del created, changed

    # --- one Change per created household: after = its fields + "years" + "members"
    log(
        created_hh,
        "create",
        "household",
        hnames,
        True,
        rows=lambda part: _household_created_rows(part, new_years, new_members, hnames),
    )
    return counts


def _json_list(frame: pl.DataFrame, names: Sequence[str], alias: str) -> pl.DataFrame:
    """household_id → '[{...},{...}]' of the rows of `frame` (in their order)."""
    return (
        frame.select("household_id", _json_record(names).alias(alias))
        .group_by("household_id", maintain_order=True)
        .agg(pl.concat_str(pl.lit("["), pl.col(alias).str.join(","), pl.lit("]")).alias(alias))
    )


def _household_created_rows(
    part: pl.DataFrame, years: pl.DataFrame, members: pl.DataFrame, hnames: Sequence[str]
) -> pl.DataFrame:
    """The Change rows of these created households (id, household_no + `hnames`): `after` holds the
    household's fields, "years" (its yearly records) and "members" (its members), as JSON."""
    ids = part["id"].implode()
    lo, hi = part["id"].min(), part["id"].max()

    def of_part(frame: pl.DataFrame) -> pl.DataFrame:  # frame is sorted by household_id: cut, then filter
        start = frame["household_id"].search_sorted(lo, side="left")
        end = frame["household_id"].search_sorted(hi, side="right")
        return frame.slice(start, end - start).filter(pl.col("household_id").is_in(ids))

    ynames = ("year", *YEAR_FIELDS, *YEAR_DERIVED)
    y = _json_list(of_part(years), ynames, "_years")
    m = _json_list(of_part(members), ("id_number", *MEMBER_FIELDS), "_members")
    fields = _json_record(("household_no", *hnames)).str.strip_suffix("}")
    return (
        part.join(y, left_on="id", right_on="household_id", how="left")
        .join(m, left_on="id", right_on="household_id", how="left")
        .select(
            pl.lit("create").alias("action"),
            pl.lit("household").alias("entity"),
            pl.col("id").cast(pl.String).alias("entity_id"),
            pl.col("id").alias("household_id"),
            pl.lit(None, pl.String).alias("before"),
            pl.concat_str(
                fields,
                pl.lit(',"years":'),
                pl.col("_years").fill_null("[]"),
                pl.lit(',"members":'),
                pl.col("_members").fill_null("[]"),
                pl.lit("}"),
            ).alias("after"),
        )
    )


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
