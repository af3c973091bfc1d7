"""Reads of the registry, always through the user's region scope (a user sees only their subtree)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import polars as pl
from django.db import connection
from django.db.models import CharField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from fupin.accounts import scope
from fupin.core.frames import read_sql, table
from fupin.engine import schema
from fupin.engine.cleaning import prepare
from fupin.engine.idnumber import parse_ids
from fupin.regions.models import Region
from fupin.registry import snapshot
from fupin.registry.models import Change, Household, HouseholdYear, Member, Membership
from fupin.registry.snapshot_source import MEMBER_COLUMNS, YEAR_COLUMNS, column
from fupin.registry.validation import Context


def households_for(user, *, include_deleted: bool = False) -> QuerySet[Household]:
    qs = Household.objects.filter(village__code__startswith=scope.prefix_for(user))
    return qs if include_deleted else qs.filter(is_deleted=False)


def get_household_for(user, household_no: str, *, include_deleted: bool = False) -> Household:
    """The household, or Household.DoesNotExist when it is outside the user's scope (callers answer 404)."""
    return (
        households_for(user, include_deleted=include_deleted)
        .select_related("village")
        .get(household_no=household_no)
    )


def household_detail_for(user, household_no: str) -> Household:
    """The household with its current members (`current_members`) and live years (`live_years`, newest
    first) fetched along; Household.DoesNotExist when it is outside the user's scope (callers answer 404)."""
    return (
        households_for(user)
        .select_related("village")
        .prefetch_related(
            Prefetch(
                "members", Member.objects.filter(is_deleted=False).order_by("id"), to_attr="current_members"
            ),
            Prefetch(
                "years",
                HouseholdYear.objects.filter(is_deleted=False).order_by("-year"),
                to_attr="live_years",
            ),
        )
        .get(household_no=household_no)
    )


def household_numbers(user, ids: Iterable[int]) -> dict[int, str]:
    """Household id → household number (户编号) of the given households in the user's subtree."""
    return dict(
        households_for(user, include_deleted=True).filter(pk__in=list(ids)).values_list("pk", "household_no")
    )


def members_for(user) -> QuerySet[Member]:
    return Member.objects.filter(
        household__village__code__startswith=scope.prefix_for(user),
        is_deleted=False,
        household__is_deleted=False,
    )


def movable_members(user) -> QuerySet[Member]:
    """People a user may move into a household: members of households in scope, and people who left a
    household (no current one) whose last household was in scope. A person who left a household elsewhere
    is not visible: a region's officials must not look up people of other regions by ID number."""
    prefix = scope.prefix_for(user)
    last_village = (
        Membership.objects.filter(member=OuterRef("pk"))
        .order_by("-start_date", "-pk")
        .values("household__village__code")[:1]
    )
    return Member.objects.annotate(last_village=Subquery(last_village, output_field=CharField())).filter(
        Q(household__village__code__startswith=prefix)
        | Q(household__isnull=True, last_village__startswith=prefix),
        is_deleted=False,
    )


def latest_year(user) -> int | None:
    return HouseholdYear.objects.filter(
        household__village__code__startswith=scope.prefix_for(user)
    ).aggregate(y=Max("year"))["y"]


def years_for(user) -> list[int]:
    """Years with household records in the user's subtree, newest first.

    The store's years come one `MAX(year)` at a time (a probe of the year index each) and each is kept if
    the subtree has a record in it (`EXISTS`, which stops at the first): a DISTINCT over the join read every
    household-year in scope (4–9 s for a province of 3 M households on SQLite)."""
    live = HouseholdYear.objects.filter(
        household__village__code__startswith=scope.prefix_for(user), is_deleted=False
    )
    years: list[int] = []
    year = HouseholdYear.objects.aggregate(y=Max("year"))["y"]
    while year is not None:
        if live.filter(year=year).exists():
            years.append(year)
        year = HouseholdYear.objects.filter(year__lt=year).aggregate(y=Max("year"))["y"]
    return years


def household_years_for(
    user,
    *,
    year: int | None = None,
    region: str | None = None,
    q: str | None = None,
    status: str | None = None,
    household_type: str | None = None,
    cause: str | None = None,
    order: str = "household__household_no",
) -> QuerySet[HouseholdYear]:
    """The household list: one row per household for one year (default: the latest), with filters.

    `region` narrows within the scope (it can never widen it: OutOfScope outside, BadRegionCode malformed);
    `q` matches a household number, the head's name, or any member's name or full ID number (the last only
    for roles that see ID numbers).
    """
    qs = HouseholdYear.objects.filter(
        household__village__code__startswith=scope.prefix_for(user),
        household__is_deleted=False,
        is_deleted=False,
    )
    if year is None:
        year = latest_year(user)
    qs = qs.filter(year=year)
    if region:
        qs = qs.filter(household__village__code__startswith=scope.resolve(user, region).prefix)
    if status:
        qs = qs.filter(status=status)
    if household_type:
        qs = qs.filter(household_type=household_type)
    if cause:
        qs = qs.filter(Q(main_cause=cause) | Q(other_causes__regex=rf"(^|,){cause}(,|$)"))
    if q:
        q = q.strip()
        by_person = Q(name__contains=q)
        if user is None or user.can("sees_id_numbers"):
            # A role that sees only masked numbers may not search by one: the answer would confirm
            # whose number it is.
            by_person |= Q(id_number=q.upper())
        member_hh = Member.objects.filter(by_person).values("household_id")
        qs = qs.filter(
            Q(household__household_no__startswith=q)
            | Q(household__head_name__contains=q)
            | Q(household_id__in=member_hh)
        )
    return qs.select_related("household", "household__village").order_by(order, "pk")


def changes_for(user, household: Household) -> QuerySet[Change]:
    get_household_for(user, household.household_no, include_deleted=True)  # scope check
    return household.changes.select_related("user").order_by("-at", "-id")


def _in_list(column: str) -> str:
    """SQL testing `column` against ONE parameter holding the whole list (no parameter limit, one query):
    `= ANY(%s)` with a list on PostgreSQL, `IN (SELECT value FROM json_each(%s))` with JSON on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"


def _list_param(values: list[str]):
    return values if connection.vendor == "postgresql" else json.dumps(values)


def _query(sql: str, values: list[str], schema: dict[str, pl.DataType], extra: Iterable = ()) -> pl.DataFrame:
    if not values:
        return pl.DataFrame(schema=schema)
    with connection.cursor() as cur:
        cur.execute(sql, [_list_param(values), *extra])
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _q(model, field: str | None = None) -> str:
    qn = connection.ops.quote_name
    return qn(model._meta.db_table) if field is None else qn(model._meta.get_field(field).column)


def load_context(user, households_raw: pl.DataFrame, members_raw: pl.DataFrame) -> Context:
    """What validation must know of the store about the villages, households and people in the input.

    A few set-based queries (one parameter holding the whole list), whatever the size of the input."""
    ctx = Context()
    prefix = scope.prefix_for(user)
    codes: list[str] = []
    if "region_code" in households_raw.columns:
        codes = (
            households_raw["region_code"]
            .cast(pl.String)
            .str.strip_chars()
            .drop_nulls()
            .unique()
            .str.replace(r"\.0+$", "")
            .to_list()
        )
    found = _query(
        f"SELECT {_q(Region, 'code')} FROM {_q(Region)} WHERE {_in_list(_q(Region, 'code'))} "
        f"AND {_q(Region, 'level')} = %s",
        codes,
        {"code": pl.String},
        [5],
    )["code"].to_list()
    for code in found:
        (ctx.villages if code.startswith(prefix) else ctx.out_of_scope_villages).add(code)

    numbers = pl.concat(
        [
            df["household_no"].cast(pl.String)
            for df in (households_raw, members_raw)
            if "household_no" in df.columns
        ]
        or [pl.Series([], dtype=pl.String)]
    )
    numbers = numbers.str.normalize("NFKC").str.replace_all(r"\s+", "").drop_nulls().unique().to_list()
    hh = _query(
        f"SELECT {_q(Household, 'id')}, {_q(Household, 'household_no')}, {_q(Household, 'village')} "
        f"FROM {_q(Household)} WHERE {_in_list(_q(Household, 'household_no'))}",
        numbers,
        {"id": pl.Int64, "household_no": pl.String, "village_id": pl.String},
    )
    inside = hh.filter(pl.col("village_id").str.starts_with(prefix))
    ctx.existing_households = set(inside["household_no"].to_list())
    ctx.out_of_scope_households = set(
        hh.filter(~pl.col("village_id").str.starts_with(prefix))["household_no"].to_list()
    )
    m = Member
    heads = _query(
        f"SELECT {_q(m, 'household')}, {_q(m, 'id_number')} FROM {_q(m)} "
        f"WHERE {_in_list(_q(m, 'household'))} AND {_q(m, 'relation')} = %s "
        f"AND {_q(m, 'is_deleted')} = %s",
        inside["id"].to_list(),
        {"id": pl.Int64, "id_number": pl.String},
        ["head", False],
    )
    ctx.existing_heads = heads.join(inside.select("id", "household_no"), on="id").select(
        "household_no", "id_number"
    )
    ids: list[str] = []
    # The first load into an empty registry (the largest import a county makes) needs no look-up of people.
    people_stored = Member.objects.filter(household__isnull=False).exists()
    if people_stored and "id_number" in members_raw.columns and members_raw.height:
        ids = (
            parse_ids(prepare(members_raw.select("id_number"), ["id_number"]), "id_number", ctx.today)[
                "_id18"
            ]
            .drop_nulls()
            .unique()
            .to_list()
        )
    found = _query(
        f"SELECT {_q(m, 'id_number')}, {_q(m, 'household')} FROM {_q(m)} "
        f"WHERE {_in_list(_q(m, 'id_number'))} AND {_q(m, 'household')} IS NOT NULL",
        ids,
        {"id_number": pl.String, "household_id": pl.Int64},
    )
    owners = _query(
        f"SELECT {_q(Household, 'id')}, {_q(Household, 'household_no')}, {_q(Household, 'village')} "
        f"FROM {_q(Household)} WHERE {_in_list(_q(Household, 'id'))}",
        found["household_id"].unique().to_list(),
        {"household_id": pl.Int64, "household_no": pl.String, "village_id": pl.String},
    )
    ctx.existing_members = found.join(owners, on="household_id").select(
        "id_number", "household_no", pl.col("village_id").str.starts_with(prefix).alias("in_scope")
    )
    return ctx


IDENTIFIERS = ("name", "id_number")  # of members: most of the frame's bytes, and what no statistic reads


def registry_frames(
    prefix: str = "", years: list[int] | None = None, *, identifiers: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's two registry frames for the region subtree `prefix` (schema.HOUSEHOLD_YEAR_FRAME and
    schema.MEMBER_FRAME + MEMBERSHIP_COLUMNS), ordered by household. `identifiers=False`: the members' names
    and ID numbers are not read (null columns), for work that counts people rather than names them.

    From the registry's columnar snapshot when it can be used (snapshot.py: outside a transaction), else one
    SELECT each through the cursor; the two give the same frames.

    Members come one row per membership period, so a person who moved counts in each household for its
    years. A period that began with the first registration has no start date: it counts for every earlier
    year too (the registry does not know when such a person joined).
    """
    where = {"household_years": pl.col("year").is_in(years)} if years else None
    left_out = () if identifiers else IDENTIFIERS
    if (read := snapshot.frames(prefix, where=where, without={"members": left_out})) is not None:
        return read["household_years"], read["members"].drop("village")
    vendor = connection.vendor
    hy_cols = [column("y", c, t, vendor) for c, t in YEAR_COLUMNS.items() if c != "household_id"]
    m_cols = [
        column("m", c, t, vendor) if c not in left_out else f"NULL AS {c}" for c, t in MEMBER_COLUMNS.items()
    ]
    year_filter = f" AND y.year IN ({', '.join(['%s'] * len(years))})" if years else ""
    household_years = read_sql(
        f"SELECT y.household_id, h.village_id AS village, {', '.join(hy_cols)} "
        f"FROM {table(HouseholdYear)} y JOIN {table(Household)} h ON h.id = y.household_id "
        f"WHERE y.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s{year_filter} "
        f"ORDER BY y.household_id, y.year",
        [False, False, prefix + "%", *(years or [])],
        schema=schema.HOUSEHOLD_YEAR_FRAME,
    )
    members = read_sql(
        f"SELECT m.id AS member_id, p.household_id, p.relation, {', '.join(m_cols)}, "
        f"CASE WHEN p.start_reason = 'registered' THEN NULL ELSE p.start_date END AS start_date, p.end_date "
        f"FROM {table(Membership)} p JOIN {table(Member)} m ON m.id = p.member_id "
        f"JOIN {table(Household)} h ON h.id = p.household_id "
        f"WHERE m.is_deleted = %s AND h.is_deleted = %s AND h.village_id LIKE %s ORDER BY p.household_id, m.id",
        [False, False, prefix + "%"],
        schema={**schema.MEMBER_FRAME, **schema.MEMBERSHIP_COLUMNS},
    )
    return household_years, members


def snapshot_household_years(prefix: str, where: pl.Expr) -> pl.DataFrame | None:
    """The household-years of the subtree matching `where` (schema.HOUSEHOLD_YEAR_FRAME) from the registry's
    snapshot, for selectors of other frames of the registry; None when it cannot be used (read through the
    cursor then)."""
    read = snapshot.frames(prefix, only=("household_years",), where={"household_years": where})
    return None if read is None else read["household_years"]
