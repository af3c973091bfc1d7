"""The dashboard's alert counts (selectors.summary), read from grouped counts and added up, equal a count
of the alerts one by one: by signal, channel and status, per child region, households counted once."""

from collections import Counter
from itertools import cycle

import pytest
from factories import household, region_tree, user

from fupin.monitoring import selectors
from fupin.monitoring.models import Alert, AlertStatus, Channel

pytestmark = pytest.mark.django_db
YEAR = 2024


@pytest.fixture
def alerts():
    t = region_tree()
    a1, a2 = household(t.village_a, "A0001"), household(t.village_a, "A0002")
    b1 = household(t.village_b, "B0001")
    c1 = household(t.village_a2, "C0001")
    rows = [
        # (household, inbox, signal, channel, status)
        (a1, t.village_a, "MON-INCOME", "registry", "new"),
        (a1, t.village_a, "MON-MEDICAL", "department", "checking"),
        (a2, t.village_a, "MON-INCOME", "registry", "dismissed"),
        (b1, t.village_b, "MON-INCOME", "registry", "new"),
        (b1, t.village_b, "DEPT-medical_insurance", "department", "case_opened"),
        # a household that moved: alerts in two inboxes, in two townships
        (c1, t.village_a2, "MON-INCOME", "registry", "new"),
        (c1, t.village_b, "MON-HOUSING", "visit", "new"),
        # self-reports of people not in the registry: in the county's inbox, or in none
        (None, t.county, "SELF-report", "self_report", "new"),
        (None, None, "SELF-report", "self_report", "checking"),
    ]
    keys = cycle(range(10_000))
    for hh, inbox, signal, channel, status in rows:
        Alert.objects.create(
            key=f"k{next(keys)}",
            household=hh,
            region=inbox,
            year=YEAR,
            channel=channel,
            source="registry",
            signal=signal,
            status=status,
        )
    Alert.objects.create(
        key="other-year",
        household=a1,
        region=t.village_a,
        year=YEAR - 1,
        channel="registry",
        source="registry",
        signal="MON-INCOME",
        status="new",
    )
    return t


def _recount(qs, children: dict[str, int]) -> dict:
    rows = list(qs.values("household_id", "region_id", "signal", "channel", "status"))
    per_child: dict[str, dict] = {}
    for code, plen in children.items():
        mine = [r for r in rows if r["region_id"] and r["region_id"][:plen] == code[:plen]]
        per_inbox: dict[str, set] = {}
        for r in mine:
            if r["household_id"]:
                per_inbox.setdefault(r["region_id"], set()).add(r["household_id"])
        per_child[code] = {
            "alerts": len(mine),
            "households": sum(len(s) for s in per_inbox.values()),
            "new": sum(r["status"] == "new" for r in mine),
        }
    signals = Counter(r["signal"] for r in rows)
    return {
        "total": len(rows),
        "households": len({r["household_id"] for r in rows if r["household_id"]}),
        "new": sum(r["status"] == "new" for r in rows),
        "unmatched": sum(r["household_id"] is None for r in rows),
        "by_signal": [
            {"signal": s, "n": n, "new": sum(r["status"] == "new" and r["signal"] == s for r in rows)}
            for s, n in sorted(signals.items())
        ],
        "by_channel": {c: sum(r["channel"] == c for r in rows) for c in Channel.values},
        "by_status": {s: sum(r["status"] == s for r in rows) for s in AlertStatus.values},
        "per_child": per_child,
    }


@pytest.mark.parametrize("who", ["county", "town_a", "nation"])
def test_summary_equals_a_count_of_the_alerts_one_by_one(alerts, who):
    t = alerts
    area = {"county": t.county, "town_a": t.town_a, "nation": None}[who]
    u = user("county_approver" if area else "supervisor", area)
    got = selectors.summary(u, year=YEAR)
    qs = Alert.objects.filter(year=YEAR)
    if area:
        qs = qs.filter(region__code__startswith=u.scope_prefix)
    children = {
        "county": {t.town_a.code: 9, t.town_b.code: 9},
        "town_a": {t.village_a.code: 12, t.village_a2.code: 12},
        "nation": {t.province.code: 2},
    }[who]
    want = _recount(qs, children)
    assert {k: got[k] for k in ("total", "households", "new", "unmatched")} == {
        k: want[k] for k in ("total", "households", "new", "unmatched")
    }
    assert got["by_signal"] == want["by_signal"]
    assert got["by_channel"] == want["by_channel"] and got["by_status"] == want["by_status"]
    assert {r["code"]: {k: r[k] for k in ("alerts", "households", "new")} for r in got["by_region"]} == want[
        "per_child"
    ]
    assert [r["name"] for r in got["by_region"]] == [
        {
            t.town_a.code: t.town_a.name,
            t.town_b.code: t.town_b.name,
            t.village_a.code: t.village_a.name,
            t.village_a2.code: t.village_a2.name,
            t.province.code: t.province.name,
        }[c]
        for c in children
    ]
    if who == "county":  # what the figures are, not only that two counts agree
        assert (got["total"], got["households"], got["new"], got["unmatched"]) == (8, 4, 5, 1)
