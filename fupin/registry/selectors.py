"""Reads of the registry, always through the user's region scope (a user sees only their subtree)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from django.db.models import Max, Q, QuerySet

from fupin.regions.models import Region
from fupin.registry.models import Change, Household, HouseholdYear, Member
from fupin.registry.validation import Context, parse_ids, prepare

IN_BATCH = 5000  # keeps every IN (...) list under SQLite's parameter limit


def _prefix(user) -> str:
    return "" if user is None else user.scope_prefix


def households_for(user, *, include_deleted: bool = False) -> QuerySet[Household]:
    qs = Household.objects.filter(village__code__startswith=_prefix(user))
    return qs if include_deleted else qs.filter(is_deleted=False)


def get_household_for(user, household_no: str, *, include_deleted: bool = False) -> Household:
    """The household, or Household.DoesNotExist when it is outside the user's scope (callers answer 404)."""
    return households_for(user, include_deleted=include_deleted).select_related("village").get(
        household_no=household_no)


def members_for(user) -> QuerySet[Member]:
    return Member.objects.filter(household__village__code__startswith=_prefix(user), is_deleted=False,
                                 household__is_deleted=False)


def latest_year(user) -> int | None:
    return HouseholdYear.objects.filter(household__village__code__startswith=_prefix(user)).aggregate(
        y=Max("year"))["y"]


def household_years_for(user, *, year: int | None = None, region: str | None = None, q: str | None = None,
                        status: str | None = None, household_type: str | None = None,
                        cause: str | None = None, order: str = "household__household_no",
                        ) -> QuerySet[HouseholdYear]:
    """The household list: one row per household for one year (default: the latest), with filters.

    `region` narrows within the scope (it can never widen it); `q` matches a household number, the head's
    name, or any member's name or full ID number.
    """
    qs = HouseholdYear.objects.filter(household__village__code__startswith=_prefix(user),
                                      household__is_deleted=False, is_deleted=False)
    if year is None:
        year = latest_year(user)
    qs = qs.filter(year=year)
    if region:
        qs = qs.filter(household__village__code__startswith=region_prefix(region))
    if status:
        qs = qs.filter(status=status)
    if household_type:
        qs = qs.filter(household_type=household_type)
    if cause:
        qs = qs.filter(Q(main_cause=cause) | Q(other_causes__regex=rf"(^|,){cause}(,|$)"))
    if q:
        q = q.strip()
        member_hh = Member.objects.filter(Q(name__contains=q) | Q(id_number=q.upper())).values("household_id")
        qs = qs.filter(Q(household__household_no__startswith=q) | Q(household__head_name__contains=q)
                       | Q(household_id__in=member_hh))
    return qs.select_related("household", "household__village").order_by(order, "pk")


def region_prefix(code: str) -> str:
    from fupin.regions.codes import RegionCodeError, normalise, prefix_of

    try:
        return prefix_of(normalise(code))
    except RegionCodeError:
        return "#"  # matches nothing


def changes_for(user, household: Household) -> QuerySet[Change]:
    get_household_for(user, household.household_no, include_deleted=True)  # scope check
    return household.changes.select_related("user").order_by("-at", "-id")


def _in_batches(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), IN_BATCH):
        yield values[i:i + IN_BATCH]


def load_context(user, households_raw: pl.DataFrame, members_raw: pl.DataFrame) -> Context:
    """What validation must know of the store about the villages, households and people in the input."""
    ctx = Context()
    prefix = _prefix(user)
    codes = set()
    if "region_code" in households_raw.columns:
        codes = set(households_raw["region_code"].cast(pl.String).str.strip_chars().drop_nulls().unique()
                    .str.replace(r"\.0+$", "").to_list())
    for chunk in _in_batches(sorted(codes)):
        for code in Region.objects.filter(code__in=chunk, level=5).values_list("code", flat=True):
            (ctx.villages if code.startswith(prefix) else ctx.out_of_scope_villages).add(code)

    numbers = set()
    for df in (households_raw, members_raw):
        if "household_no" in df.columns:
            numbers |= set(df["household_no"].cast(pl.String).str.normalize("NFKC")
                           .str.replace_all(r"\s+", "").drop_nulls().unique().to_list())
    for chunk in _in_batches(sorted(numbers)):
        for no, village in Household.objects.filter(household_no__in=chunk).values_list("household_no",
                                                                                        "village_id"):
            (ctx.existing_households if village.startswith(prefix) else ctx.out_of_scope_households).add(no)
    heads = []
    for chunk in _in_batches(sorted(ctx.existing_households)):
        heads += list(Member.objects.filter(household__household_no__in=chunk, relation="head", is_deleted=False)
                      .values_list("household__household_no", "id_number"))
    ctx.existing_heads = pl.DataFrame(heads, schema={"household_no": pl.String, "id_number": pl.String},
                                      orient="row")

    ids: list[str] = []
    if "id_number" in members_raw.columns and members_raw.height:
        ids = parse_ids(prepare(members_raw.select("id_number"), ["id_number"]), "id_number", ctx.today)["_id18"].drop_nulls().unique().to_list()
    rows = []
    for chunk in _in_batches(sorted(ids)):
        rows += list(Member.objects.filter(id_number__in=chunk, household__isnull=False)
                     .values_list("id_number", "household__household_no"))
    ctx.existing_members = pl.DataFrame(rows, schema={"id_number": pl.String, "household_no": pl.String},
                                        orient="row")
    return ctx
