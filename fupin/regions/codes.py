"""Administrative division codes: GB/T 2260 (6 digits) and the statistics bureau's 12-digit codes.

Every region is stored under its 12-digit code (省 110000000000, 县 110101000000, 乡 110101001000,
村 110101001001). Because the code is hierarchical, a region's subtree is every code that starts with
its *prefix* (2, 4, 6, 9 or 12 digits): scoping a query is one indexed `LIKE 'prefix%'`.
"""

from __future__ import annotations

from fupin.codes import Code, CodeList
from fupin.engine.regions import (
    CITY,
    COUNTY,
    PREFIX_LENGTHS,
    PROVINCE,
    TOWNSHIP,
    VILLAGE,
)

# the level rules live in the engine; the Django code reads them here too
from fupin.engine.regions import LEVEL_PREFIX_LEN as LEVEL_PREFIX_LEN
from fupin.engine.regions import level_of as level_of
from fupin.engine.regions import parent_of as parent_of
from fupin.engine.regions import prefix_of as prefix_of

LEVEL_NAMES = {
    PROVINCE: ("省", "Province"),
    CITY: ("市", "Prefecture"),
    COUNTY: ("县", "County"),
    TOWNSHIP: ("乡", "Township"),
    VILLAGE: ("村", "Village"),
}


# 贫困村/贫困县 (domain.md §4.2–4.3): a village's status is a village's, a county's a county's. A poor region
# that has left carries its exit year (出列 for a village, 摘帽 for a county) and stays a poor region.
POVERTY_STATUS = CodeList(
    "region_poverty_status",
    "贫困状态",
    "Poverty status",
    [
        Code("poor_village", "贫困村", "Poor village", ("建档立卡贫困村", "是")),
        Code("non_poor_village", "非贫困村", "Non-poor village", ("否",)),
        Code("poor_county", "贫困县", "Poor county", ("国家扶贫开发工作重点县", "贫困县(区)")),
        Code("non_poor_county", "非贫困县", "Non-poor county"),
    ],
)
POOR_REGION_STATUSES = ("poor_village", "poor_county")
STATUSES_OF_LEVEL = {
    VILLAGE: ("poor_village", "non_poor_village"),
    COUNTY: ("poor_county", "non_poor_county"),
}
# 建档立卡 began in 2014 (domain.md §1): no region left poverty under it before.
FIRST_EXIT_YEAR = 2014


class RegionCodeError(ValueError):
    pass


def normalise(code: str) -> str:
    """A 2/4/6/9/12-digit code (or a 6-digit one padded with zeros) → 12 digits."""
    code = str(code).strip()
    if code.endswith(".0"):
        code = code[:-2]
    if not code.isdigit() or len(code) not in PREFIX_LENGTHS:
        raise RegionCodeError(code)
    return code.ljust(12, "0")
