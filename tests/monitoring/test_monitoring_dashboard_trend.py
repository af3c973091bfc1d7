"""Dashboard trend by month, counts by type and method, drill-down, scope denial, and the export's sheets.

A small case history is built by hand (one identification through the services with explicit dates, the rest
written directly) and every monthly figure is recounted in Python from the rows themselves."""

import io
from collections import Counter
from datetime import date, datetime

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from factories import household, region_tree, user

from fupin.monitoring import cases, dashboard, services
from fupin.monitoring.models import Alert, Case
from fupin.policy.models import Parameter

pytestmark = pytest.mark.django_db
ACTOR = {
    "home_checked": "village",
    "authorized": "village",
    "data_compared": "county",
    "village_reviewed": "village",
    "publicized": "village",
    "town_approved": "town",
    "county_approved": "county",
    "announced": "county",
    "recorded": "county",
}


def _case(hh, kind, opened, *, closed=None, outcome="", monitor_type="", method="", green=False):
    steps = cases.STEPS[kind]
    return Case.objects.create(
        household=hh,
        region_id=hh.village_id,
        kind=kind,
        year=2024,
        steps=steps,
        step="" if closed else steps[0],
        opened_on=opened,
        deadline=opened,
        closed_on=closed,
        outcome=outcome,
        monitor_type=monitor_type,
        elimination_method=method,
        green_channel=green,
    )


def _alert(hh, channel, at: datetime, n: int):
    a = Alert.objects.create(
        key=f"k{n}",
        household=hh,
        region_id=hh.village_id,
        year=at.year,
        channel=channel,
        source="registry",
        signal="MON-INCOME",
    )
    Alert.objects.filter(pk=a.pk).update(created_at=timezone.make_aware(at))


@pytest.fixture
def s():
    from decimal import Decimal

    t = region_tree()
    services.ensure_parameters()
    Parameter.objects.create(name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000))
    a1 = household(t.village_a, "A0001", household_type="ordinary")
    a2 = household(t.village_a, "A0002", household_type="exited")
    a3 = household(t.village_a, "A0003", status="exited_policy")
    b1 = household(t.village_b, "B0001", status="returned")
    s = {
        "t": t,
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "b1": b1,
        "village": user("village_operator", t.village_a),
        "town": user("township_reviewer", t.town_a),
        "county": user("county_approver", t.county),
        "other": user("village_operator", t.village_b),
    }
    # a1: identified through the services, opened 20 Feb, every step done 15 Mar → monitored (edge) in March
    case = cases.open_case(
        s["village"], a1, "identification", year=2024, monitor_type="edge", today=date(2024, 2, 20)
    )
    while case.step:
        cases.advance(s[ACTOR[case.step]], case, "ok", today=date(2024, 3, 15))
    _case(
        a1, "elimination", date(2024, 8, 1), closed=date(2024, 9, 10), outcome="approved", method="assisted"
    )
    _case(a2, "identification", date(2024, 5, 6), monitor_type="unstable", green=True)  # open, green channel
    _case(
        a3,
        "identification",
        date(2024, 3, 1),
        closed=date(2024, 3, 20),
        outcome="rejected",
        monitor_type="sudden",
    )
    _case(
        b1,
        "identification",
        date(2024, 1, 5),
        closed=date(2024, 3, 10),
        outcome="approved",
        monitor_type="edge",
    )
    _case(
        b1, "elimination", date(2024, 10, 1), closed=date(2024, 11, 2), outcome="approved", method="natural"
    )
    _case(
        b1,
        "identification",
        date(2023, 12, 28),
        closed=date(2023, 12, 30),
        outcome="rejected",
        monitor_type="edge",
    )  # the year before: counts nowhere in 2024
    _alert(a1, "registry", datetime(2024, 2, 1, 10), 1)
    _alert(a2, "department", datetime(2024, 5, 1, 9), 2)
    _alert(a2, "registry", datetime(2024, 6, 30, 23, 30), 3)  # 15:30 UTC: still June in Beijing
    _alert(b1, "visit", datetime(2024, 1, 3, 8), 4)
    _alert(a3, "registry", datetime(2023, 12, 31, 12), 5)
    return s


def recount(prefix: str, year: int) -> dict:
    """Monthly figures counted in Python from every row, without the dashboard's queries."""
    c = Counter()
    for a in Alert.objects.all():
        at = timezone.localtime(a.created_at)
        if a.region_id.startswith(prefix) and at.year == year:
            c[(at.month, f"alerts_{a.channel}")] += 1
    for k in Case.objects.all():
        if not k.region_id.startswith(prefix):
            continue
        if k.opened_on.year == year:
            c[(k.opened_on.month, "opened")] += 1
        if k.kind == "identification" and (k.outcome == "approved" or (k.green_channel and not k.outcome)):
            on = k.opened_on if k.green_channel else k.closed_on
            if on.year == year:
                c[(on.month, f"identified_{k.monitor_type}")] += 1
        if k.kind == "elimination" and k.outcome == "approved" and k.closed_on.year == year:
            c[(k.closed_on.month, f"eliminated_{k.elimination_method}")] += 1
    return c


def _nonzero(trend):
    skip = {"month", "alerts", "identified", "eliminated"}
    return Counter({(r["month"], k): v for r in trend for k, v in r.items() if k not in skip and v})


def test_trend_equals_a_recount_and_takes_one_query_per_measure(s, django_assert_num_queries):
    with django_assert_num_queries(4):
        trend = dashboard.trend(s["county"], year=2024)
    assert len(trend) == 12
    assert _nonzero(trend) == recount("520526", 2024)
    assert _nonzero(trend) == Counter(
        {
            (1, "alerts_visit"): 1,
            (1, "opened"): 1,
            (2, "alerts_registry"): 1,
            (2, "opened"): 1,
            (3, "opened"): 1,
            (3, "identified_edge"): 2,
            (5, "alerts_department"): 1,
            (5, "opened"): 1,
            (5, "identified_unstable"): 1,
            (6, "alerts_registry"): 1,
            (8, "opened"): 1,
            (9, "eliminated_assisted"): 1,
            (10, "opened"): 1,
            (11, "eliminated_natural"): 1,
        }
    )
    assert (
        sum(r["identified"] for r in trend)
        == cases.case_counts(s["county"], year=2024)["new_identified"]
        == 3
    )
    # a village sees its own history only, and matches its own recount
    village = dashboard.trend(s["village"], year=2024)
    assert _nonzero(village) == recount(s["t"].village_a.code, 2024)
    assert sum(r["alerts_visit"] + r["eliminated_natural"] for r in village) == 0


def test_counts_by_type_method_and_remaining_poor(s):
    f = dashboard.figures(s["county"], year=2024)
    assert f == {
        "remaining_poor": 3,
        "monitored_by_type": {"unstable": 1, "edge": 0, "sudden": 0},
        "new_by_type": {"unstable": 1, "edge": 2, "sudden": 0},
        "eliminated_by_method": {"assisted": 1, "natural": 1},
    }
    o = dashboard.figures(s["other"], year=2024)
    assert o == {
        "remaining_poor": 1,
        "monitored_by_type": {"unstable": 0, "edge": 0, "sudden": 0},
        "new_by_type": {"unstable": 0, "edge": 1, "sudden": 0},
        "eliminated_by_method": {"assisted": 0, "natural": 1},
    }


def _drill(c, **q):
    r = c.get("/monitoring/households/", {"year": 2024, **q})
    return r.status_code, [
        h.household_no for h in r.context["page"].object_list
    ] if r.status_code == 200 else None


def test_dashboard_shows_and_drills_down(s):
    c = Client()
    c.force_login(s["county"])
    r = c.get("/monitoring/?year=2024")
    assert r.context["figures"]["remaining_poor"] == 3 and r.context["trend"][2]["identified_edge"] == 2
    body = r.content.decode()
    assert "measure=identified&key=edge&month=3" in body and 'id="trend"' in body
    assert "按月趋势" in body and "未脱贫户（含返贫）" not in body and "户未脱贫（含返贫）" in body
    assert _drill(c, measure="poor") == (200, ["A0001", "A0002", "B0001"])
    assert _drill(c, measure="identified", key="edge", month=3) == (200, ["A0001", "B0001"])
    assert _drill(c, measure="identified", key="edge", month=4) == (200, [])
    assert _drill(c, measure="eliminated", key="natural") == (200, ["B0001"])
    assert _drill(c, measure="monitored", key="unstable") == (200, ["A0002"])
    assert _drill(c, measure="alerts", key="registry", month=6) == (200, ["A0002"])
    assert _drill(c, measure="opened", month=1) == (200, ["B0001"])
    assert _drill(c, measure="nonsense")[0] == 404


def test_out_of_scope_users_see_nothing_of_another_region(s):
    o = Client()
    o.force_login(s["other"])
    r = o.get("/monitoring/?year=2024")
    assert sum(m["alerts"] + m["opened"] + m["identified"] + m["eliminated"] for m in r.context["trend"]) == 5
    assert _nonzero(r.context["trend"]) == recount(s["t"].village_b.code, 2024)
    assert _drill(o, measure="poor") == (200, ["B0001"])
    assert _drill(o, measure="identified", key="edge", month=3) == (200, ["B0001"])
    assert _drill(o, measure="alerts") == (200, ["B0001"])
    a_code = s["t"].village_a.code
    assert o.get("/monitoring/", {"year": 2024, "region": a_code}).status_code == 404
    assert _drill(o, measure="poor", region=a_code)[0] == 404
    assert o.get("/monitoring/export.xlsx", {"year": 2024, "region": a_code}).status_code in (403, 404)


def test_export_has_the_trend_and_count_sheets(s):
    c = Client()
    c.force_login(s["county"])
    x = c.get("/monitoring/export.xlsx?year=2024")
    assert x.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert {"按月 trend", "按类型 by type", "按消除方式 by method"} <= set(wb.sheetnames)
    rows = list(wb["按月 trend"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert len(body) == 12 and head[0] == "月份 month"
    march = dict(zip(head, body[2], strict=True))
    assert march["新识别 identified: edge"] == 2 and march["新开事项 cases opened"] == 1
    assert sum(r[head.index("帮扶消除 eliminated: assisted")] for r in body) == 1
    types = {r[0]: r[2:] for r in wb["按类型 by type"].iter_rows(min_row=2, values_only=True)}
    assert types == {"unstable": (1, 1), "edge": (0, 2), "sudden": (0, 0)}
    methods = {r[0]: r[2] for r in wb["按消除方式 by method"].iter_rows(min_row=2, values_only=True)}
    assert methods == {"assisted": 1, "natural": 1}
    totals = {r[0]: r[1] for r in wb["总体 totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["remaining poor households"] == 3
