"""Demo poverty statuses (贫困村/贫困县) and exit years (出列/摘帽) for the synthetic county, set through the
region service as a county office would: the villages drawn poor become 贫困村, most of them delisted in a
year of the 攻坚期 (2016–2020, the last ones in 2020 as the 挂牌督战 villages, domain.md §1, §4.2), the
others 非贫困村; the county is a 贫困县 removed from the list in 2019 or 2020 (domain.md §4.3)."""

from __future__ import annotations

import numpy as np

from fupin.regions import codes
from fupin.regions.models import Region
from fupin.regions.services import set_region_status

EXIT_YEARS = (2016, 2017, 2018, 2019, 2020)
EXIT_WEIGHTS = (0.1, 0.2, 0.3, 0.3, 0.1)
STILL_POOR_SHARE = 0.05  # poor villages shown without an exit year yet (a monitoring account's worklist)


def build_demo(county: str, seed: int) -> dict[str, int]:
    """Statuses and exit years of the county and its villages; returns how many of each were set."""
    rng = np.random.default_rng(seed + 11)
    villages = list(
        Region.objects.filter(code__startswith=codes.prefix_of(county), level=codes.VILLAGE)
        .order_by("code")
        .values_list("code", "is_poor")
    )
    draws = rng.random(len(villages))
    years = rng.choice(EXIT_YEARS, size=len(villages), p=EXIT_WEIGHTS)
    out = {"poor_villages": 0, "villages_out": 0, "non_poor_villages": 0}
    for (code, poor), draw, year in zip(villages, draws, years, strict=True):
        if poor:
            exit_year = None if draw < STILL_POOR_SHARE else int(year)
            set_region_status(None, code, poverty_status="poor_village", exit_year=exit_year)
            out["poor_villages"] += 1
            out["villages_out"] += exit_year is not None
        else:
            set_region_status(None, code, poverty_status="non_poor_village", exit_year=None)
            out["non_poor_villages"] += 1
    set_region_status(None, county, poverty_status="poor_county", exit_year=int(rng.choice((2019, 2020))))
    return out
