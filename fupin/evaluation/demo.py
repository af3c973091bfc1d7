"""Demo evaluation (第三方评估) of the synthetic county: a sample drawn from a fixed seed through the real
service, and verification visits for about two thirds of it, recorded through the real service too.

The visits follow the registry: the re-measured income is the household's registered per-capita income
with some noise, a few guarantees turn out not secured, and most households approve. The evaluation stays
open (visits under way), so its rates show on its page while the county exit still uses the typed figures.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.contrib.auth import get_user_model

from fupin.engine.evaluation import GUARANTEES
from fupin.evaluation import services
from fupin.evaluation.models import SampledHousehold
from fupin.registry.models import HouseholdYear

VISITED_SHARE = 0.67
UNMET_SHARE = 0.03  # per guarantee
APPROVE_SHARE = 0.95
DEMO_SIZES = {"villages": 8, "exited": 80, "poor": 20, "unregistered": 30}


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def build_demo(county: str, year: int, seed: int, today: date | None = None) -> dict:
    today = today or date.today()
    auditor, supervisor = _user("demo_auditor"), _user("demo_supervisor")
    evaluation = services.create_evaluation(
        auditor,
        county=county,
        year=year,
        kind="third_party",
        seed=seed,
        sizes=DEMO_SIZES,
        note="演示：第三方评估 / demo third-party evaluation",
    )
    rng = np.random.default_rng(seed + 7)
    sample = list(SampledHousehold.objects.filter(evaluation=evaluation).order_by("stratum", "rank"))
    incomes = dict(
        HouseholdYear.objects.filter(
            year=year, household_id__in=[s.household_id for s in sample], is_deleted=False
        ).values_list("household_id", "net_income_per_capita")
    )
    last_day = min(today, date(year, 12, 31))
    visits = 0
    for s in sample:
        if rng.random() >= VISITED_SHARE:
            continue
        registered = float(incomes.get(s.household_id) or 0)
        values = {
            "visited_on": last_day - timedelta(days=int(rng.integers(0, 40))),
            "income_pc": f"{max(0.0, registered * rng.uniform(0.85, 1.15)):.2f}",
            **{g: "否" if rng.random() < UNMET_SHARE else "是" for g in GUARANTEES},
            "approves": "是" if rng.random() < APPROVE_SHARE else "否",
            "note": "",
        }
        services.record_visit(supervisor or auditor, evaluation.pk, s.pk, values)
        visits += 1
    return {"evaluation": evaluation.pk, "sampled": len(sample), "visits": visits}
