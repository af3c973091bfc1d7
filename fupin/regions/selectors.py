"""Reads of the region tree, limited to what the user may see.

Scope rule: a user sees the subtree of their own region (`code__startswith=user.scope_prefix`); a user
without a region sees everything. The regions *above* the user's own (its ancestors) are not in
`regions_for(user)` and `get_region_for` answers DoesNotExist for them; their codes and names are shown
only as the breadcrumb of a region in scope (`ancestors_of`), which is public reference data anyway
(the national division codes) and carries no registry data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from fupin.regions import codes
from fupin.regions.models import Region, RegionBoundary, RegionPopulation


def regions_for(user) -> QuerySet[Region]:
    """Every region in the user's subtree (all regions for a nationwide user)."""
    qs = Region.objects.all()
    prefix = user.scope_prefix
    return qs.filter(code__startswith=prefix) if prefix else qs


def get_region_for(user, code: str) -> Region:
    """The region `code` (2–12 digits) if the user may see it, else Region.DoesNotExist (answer 404)."""
    try:
        code12 = codes.normalise(code)
    except codes.RegionCodeError:
        raise Region.DoesNotExist(code) from None
    return regions_for(user).select_related("parent").get(code=code12)


def top_regions(user) -> QuerySet[Region]:
    """Where browsing starts: the user's own region, or the provinces for a nationwide user."""
    if user.region_id:
        return Region.objects.filter(code=user.region_id)
    return Region.objects.filter(level=codes.PROVINCE)


def children(user, code: str | None = None) -> QuerySet[Region]:
    """The direct children of `code` (DoesNotExist when out of scope); without a code, `top_regions`."""
    if code is None:
        return top_regions(user)
    region = get_region_for(user, code)
    return regions_for(user).filter(parent=region)


def ancestors_of(region: Region) -> list[Region]:
    """The breadcrumb above a region (province first): codes and names only, see the module note."""
    return region.ancestors()


def names_of(region_codes: Iterable[str]) -> dict[str, str]:
    """Code → name of the given regions: codes and names only, reference data (see the module note)."""
    return dict(Region.objects.filter(code__in=list(region_codes)).values_list("code", "name"))


def search(user, q: str = "", *, within: str | None = None, level: int | None = None) -> QuerySet[Region]:
    """Regions in scope whose name contains `q`, optionally below `within` and at one level."""
    qs = regions_for(user)
    if within is not None:
        qs = qs.filter(code__startswith=get_region_for(user, within).prefix)
    if q:
        qs = qs.filter(name__contains=q.strip())
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def population_for(user, code: str) -> QuerySet[RegionPopulation]:
    """The denominators of one region in scope, by year."""
    region = get_region_for(user, code)
    return RegionPopulation.objects.filter(region=region).order_by("year")


def boundaries_for(user) -> QuerySet[RegionBoundary]:
    """The map boundaries loaded for regions in the user's subtree."""
    return RegionBoundary.objects.filter(region__code__startswith=user.scope_prefix)


def filter_choices(user, chosen: str = "", limit: int = 3000) -> list[tuple[str, str]]:
    """The choices of a page's region filter: the two levels below the user's region (townships and their
    villages, indented, for a county account), plus `chosen` when it was typed and is in scope."""
    level = user.region.level if user.region_id else 0
    rows = (
        regions_for(user)
        .filter(level__in=(level + 1, level + 2))
        .order_by("code")
        .values_list("code", "name", "level")[:limit]
    )
    choices = [(code, ("\u3000" if lvl == level + 2 else "") + name) for code, name, lvl in rows]
    if chosen and chosen not in {code for code, _name in choices}:
        try:
            extra = get_region_for(user, chosen)
            choices.append((extra.code, extra.name))
        except Region.DoesNotExist:
            pass
    return choices
