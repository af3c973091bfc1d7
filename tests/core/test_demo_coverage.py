"""`fupin demo` exercises every area: monitored households of every type, cases in every state of both workflows
(some overdue), alerts of every channel and status over many months, a cadre for every poor and monitored
household, visits over many months, projects in every lifecycle state, and trends on the dashboard and the
overview that are not empty.

One small demo is built in a subprocess (its store is FUPIN_HOME's); the pages are rendered in another
process pointed at the same store.
"""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from fupin.monitoring.cases import STEPS


def _env(home):
    env = {k: v for k, v in os.environ.items() if k not in ("FUPIN_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(FUPIN_HOME=str(home), COLUMNS="200")
    return env


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo-coverage")
    result = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "demo", "--households", "300", "--no-serve"],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    con = sqlite3.connect(home / "fupin.sqlite3")
    yield home, lambda sql, *p: con.execute(sql, p).fetchall()
    con.close()


def test_every_monitoring_type_is_present(store):
    _home, q = store
    types = {
        t
        for (t,) in q(
            "SELECT DISTINCT monitor_type FROM monitoring_case WHERE kind = 'identification' "
            "AND outcome = 'approved'"
        )
    }
    assert types == {"unstable", "edge", "sudden"}
    # the type fits the household type (脱贫不稳定户 are 脱贫户, 边缘易致贫户 一般农户)
    wrong = q(
        "SELECT count(*) FROM monitoring_case c JOIN registry_householdyear y ON y.household_id = c.household_id "
        "AND y.year = 2024 WHERE (c.monitor_type = 'unstable' AND y.household_type != 'exited') "
        "OR (c.monitor_type = 'edge' AND y.household_type != 'ordinary')"
    )
    assert wrong == [(0,)]


@pytest.mark.parametrize("kind", ["identification", "elimination"])
def test_cases_are_in_every_state_of_the_workflow(store, kind):
    _home, q = store
    open_steps = {
        s for (s,) in q("SELECT DISTINCT step FROM monitoring_case WHERE kind = ? AND step != ''", kind)
    }
    assert open_steps == set(STEPS[kind])
    outcomes = {
        o for (o,) in q("SELECT DISTINCT outcome FROM monitoring_case WHERE kind = ? AND step = ''", kind)
    }
    assert {"approved", "rejected"} <= outcomes
    overdue = q(
        "SELECT count(*) FROM monitoring_case WHERE kind = ? AND step != '' AND deadline < ?",
        kind,
        date.today().isoformat(),
    )[0][0]
    assert overdue >= 1
    actions = {
        a
        for (a,) in q(
            "SELECT DISTINCT e.action FROM monitoring_caseevent e JOIN monitoring_case c "
            "ON c.id = e.case_id WHERE c.kind = ?",
            kind,
        )
    }
    assert {"open", "advance", "reject", "object", "rollback"} <= actions


def test_green_channel_and_a_rolled_back_elimination(store):
    _home, q = store
    assert q("SELECT count(*) FROM monitoring_case WHERE green_channel AND step != ''")[0][0] >= 1
    assert (
        q("SELECT count(*) FROM monitoring_case WHERE kind = 'elimination' AND outcome = 'rolled_back'")[0][0]
        >= 1
    )
    assert {
        m
        for (m,) in q(
            "SELECT DISTINCT elimination_method FROM monitoring_case WHERE kind = 'elimination' "
            "AND outcome = 'approved'"
        )
    } == {"assisted", "natural"}


def test_case_history_lies_in_the_past_and_follows_the_case(store):
    _home, q = store
    # every step done has its event; an approved case's last event is on the day it closed
    rows = q(
        "SELECT c.id, c.closed_on, max(date(e.at)), count(e.id), json_array_length(c.steps) "
        "FROM monitoring_case c JOIN monitoring_caseevent e ON e.case_id = c.id "
        "WHERE c.outcome = 'approved' GROUP BY c.id"
    )
    assert rows and all(last == closed and n >= steps + 1 for _id, closed, last, n, steps in rows)
    months = {m for (m,) in q("SELECT DISTINCT substr(at, 1, 7) FROM monitoring_caseevent")}
    assert len(months) >= 6


def test_alerts_come_from_every_channel_in_every_status_over_many_months(store):
    _home, q = store
    assert {c for (c,) in q("SELECT DISTINCT channel FROM monitoring_alert")} == {
        "registry",
        "department",
        "self_report",
        "visit",
    }
    assert {s for (s,) in q("SELECT DISTINCT status FROM monitoring_alert")} == {
        "new",
        "checking",
        "dismissed",
        "case_opened",
    }
    months = {m for (m,) in q("SELECT DISTINCT substr(created_at, 1, 7) FROM monitoring_alert")}
    assert len(months) >= 6
    today = date.today()
    last12 = {
        f"{today.year - (today.month - k <= 0)}-{(today.month - k - 1) % 12 + 1:02d}" for k in range(12)
    }
    assert len(months & last12) >= 6
    assert q("SELECT count(*) FROM monitoring_departmentimport")[0][0] >= 6


def test_every_poor_and_monitored_household_has_a_cadre(store):
    _home, q = store
    poor = {
        h
        for (h,) in q(
            "SELECT household_id FROM registry_householdyear WHERE year = 2024 "
            "AND status IN ('poor', 'returned')"
        )
    }
    monitored = {
        h
        for (h,) in q(
            "SELECT household_id FROM monitoring_case WHERE kind = 'identification' "
            "AND (outcome = 'approved' OR (green_channel AND outcome = ''))"
        )
    }
    assisted = {h for (h,) in q("SELECT household_id FROM assistance_assignment WHERE end_date IS NULL")}
    assert monitored and not (poor | monitored) - assisted


def test_visits_measures_and_projects(store):
    _home, q = store
    months = {m for (m,) in q("SELECT DISTINCT substr(date, 1, 7) FROM assistance_visit")}
    assert len(months) >= 6
    # some households have not been visited for more than three months
    last = q("SELECT household_id, max(date) FROM assistance_visit GROUP BY household_id")
    assert any((date.today() - date.fromisoformat(d)).days > 90 for _h, d in last)
    assert {s for (s,) in q("SELECT DISTINCT status FROM assistance_planmeasure")} == {
        "planned",
        "in_progress",
        "done",
        "stopped",
    }
    assert q("SELECT count(*) FROM assistance_workteam")[0][0] >= 1
    assert {s for (s,) in q("SELECT DISTINCT status FROM funds_project")} >= {
        "draft",
        "proposed",
        "in_library",
        "approved",
        "implementing",
        "accepted",
        "announced",
    }
    assert q("SELECT count(*) FROM quality_finding")[0][0] > 0


PAGES = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from fupin.accounts.models import User
from fupin.monitoring.dashboard import trend
from fupin.overview.figures import overview
user = User.objects.get(username="demo_county")
c = Client()
c.force_login(user)
out = {"dashboard": c.get("/monitoring/").status_code, "overview": c.get("/overview/").status_code,
       "trend": trend(user, year=2024), "overview_trend": overview(user)["trend"]}
print(json.dumps(out, default=str))
"""


def test_the_dashboard_and_overview_trends_are_not_empty(store):
    home, _q = store
    env = {**_env(home), "DJANGO_SETTINGS_MODULE": "fupin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PAGES], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["dashboard"] == 200 and out["overview"] == 200
    months_with_alerts = [r for r in out["trend"] if r["alerts"]]
    assert len(months_with_alerts) >= 6
    assert sum(r["identified"] for r in out["trend"]) > 0 and sum(r["opened"] for r in out["trend"]) > 0
    assert len([r for r in out["overview_trend"] if r["alerts"]]) >= 6
    assert sum(r["opened"] + r["closed"] for r in out["overview_trend"]) > 0
