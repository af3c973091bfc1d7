"""The region a `fupin` command works on: `--region` checked, else the `--user`'s region, else the region
that holds the store's data; and the note on stderr when that region has no households in the year."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from fupin.core.cli_support import UsageError


@dataclass(frozen=True)
class Where:
    """`region`: what to hand to the service (None: its own default, the user's region or everything);
    `code`: the 12-digit code the command works on ('' everywhere); `defaulted`: chosen from the data."""

    region: str | None
    code: str
    defaulted: bool = False


def data_region() -> str | None:
    """The deepest region that holds all of the store's data (every household and every project), or None
    when the store holds none or the data spans provinces."""
    from django.db.models import Max, Min

    from fupin.funds.models import Project
    from fupin.regions.codes import LEVEL_PREFIX_LEN
    from fupin.regions.models import Region
    from fupin.registry.models import Household

    ends = [
        v
        for d in (
            Household.objects.filter(is_deleted=False).aggregate(lo=Min("village_id"), hi=Max("village_id")),
            Project.objects.aggregate(lo=Min("region_id"), hi=Max("region_id")),
        )
        for v in d.values()
        if v
    ]
    if not ends:
        return None
    lo, hi = min(ends), max(ends)  # the common prefix of the two ends is that of every code between them
    common = len(os.path.commonprefix([lo, hi]))
    for level in sorted(LEVEL_PREFIX_LEN, reverse=True):
        if LEVEL_PREFIX_LEN[level] <= common:
            code = lo[: LEVEL_PREFIX_LEN[level]].ljust(12, "0")
            if Region.objects.filter(code=code).exists():
                return code
    return None


def region_label(code: str) -> str:
    from fupin.regions.models import Region

    if not code:
        return "全部地区 / all regions"
    name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{name} {code}" if name else code


def resolve_region(args, user, *, max_level: int | None = None) -> Where:
    """The region a command works on. `--region`: checked here (malformed or unknown code: usage error,
    exit 2; outside the user's scope: the service refuses as before). `--user` alone: the user's region.
    Neither: the region that holds the store's data, said on stderr (raised to `max_level` if deeper, e.g.
    the county for county exits)."""
    from fupin.regions.codes import LEVEL_PREFIX_LEN, RegionCodeError, level_of, normalise
    from fupin.regions.models import Region

    given = getattr(args, "region", None)
    if given:
        try:
            code = normalise(given)
        except RegionCodeError:
            raise UsageError(f"行政区划代码格式错误 / bad region code: {given}") from None
        if not Region.objects.filter(code=code).exists():
            raise UsageError(
                f"没有这个行政区划代码 / no such region code: {given} "
                f"（请先导入区划：fupin import regions / import the regions first: fupin import regions）"
            )
        return Where(code, code)
    if user is not None:
        return Where(None, user.region_id or "")
    code = data_region()
    if code is None:
        return Where(None, "")
    if max_level is not None and level_of(code) > max_level:
        code = code[: LEVEL_PREFIX_LEN[max_level]].ljust(12, "0")
    label = region_label(code)
    print(
        f"地区：{label}（数据所在地区；用 --region 指定其他地区） / region: {label} "
        f"(where the store's data is; choose another with --region)",
        file=sys.stderr,
    )
    return Where(code, code, defaulted=True)


def explain_no_households(code: str, year: int) -> bool:
    """When `code` ('' everywhere) holds no household in `year`, say why on stderr and name the years that
    do have data. True when it said so."""
    from fupin.regions.codes import prefix_of
    from fupin.registry.models import HouseholdYear

    rows = HouseholdYear.objects.filter(is_deleted=False, household__is_deleted=False)
    if code:
        rows = rows.filter(household__village__code__startswith=prefix_of(code))
    if rows.filter(year=year).exists():
        return False
    years = sorted(set(rows.values_list("year", flat=True).distinct()))
    label = region_label(code)
    if years:
        shown = ", ".join(str(y) for y in years)
        print(
            f"{label} 在 {year} 年没有户数据；有数据的年度：{shown} / "
            f"no households in {label} in {year}; years with data: {shown}",
            file=sys.stderr,
        )
    else:
        print(
            f"{label} 没有任何户数据（先导入：fupin import households） / "
            f"no households at all in {label} (import them first: fupin import households)",
            file=sys.stderr,
        )
    return True
