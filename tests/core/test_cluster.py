"""`--dask SCHEDULER` on `fupin identify`, `quality`, `monitor` and `stats` (and FUPIN_DASK_SCHEDULER): the same
stored results as one process, on a store of two counties with a person who moved between them; a clear
error, and nothing written, when the scheduler cannot be reached."""

import json
import logging
from datetime import date
from decimal import Decimal

import pytest
from distributed import LocalCluster
from factories import household, region, region_tree

from fupin.cli import main
from fupin.core import cluster
from fupin.monitoring import services as monitoring
from fupin.monitoring.models import Alert
from fupin.policy.models import Parameter
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import Member, Membership
from fupin.reports.models import Run

YEAR = 2024
UNREACHABLE = "tcp://127.0.0.1:9"


@pytest.fixture(scope="module")
def scheduler():
    # threads in this process: quick to start, no stray processes; the cluster's own info lines are noise
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        yield c.scheduler_address


@pytest.fixture
def store(db):
    """Two counties (520526, 520527), and a son who moved in March from the first to the second."""
    t = region_tree()
    monitoring.ensure_parameters()
    Parameter.objects.create(
        name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000), is_default=True
    )
    other = region("520527000000", "赫章县", 3, t.city)
    town = region("520527001000", "城关镇", 4, other)
    far = region("520527001201", "双河村", 5, town)
    first = household(t.village_a, status="poor", members=4, wage="3000")
    household(t.village_b, status="exited_policy", members=3, wage="30000")
    second = household(far, status="poor", members=2, wage="1000")
    household(far, status="returned", members=5, wage="2000")
    son = Member.objects.filter(household=first, relation="son").first()
    Member.objects.filter(pk=son.pk).update(household=second)
    Membership.objects.filter(member=son).update(end_date=date(YEAR, 3, 1), end_reason="move")
    Membership.objects.create(
        member=son, household=second, relation="son", start_date=date(YEAR, 3, 1), start_reason="move"
    )
    return dict(son=son, second=second)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_identify_on_the_cluster_stores_the_same_result(store, scheduler, capsys):
    code, one, _ = run(capsys, "identify", "--year", str(YEAR), "--format", "json")
    assert code == 0
    code, spread, _ = run(capsys, "identify", "--year", str(YEAR), "--format", "json", "--dask", scheduler)
    assert code == 0
    assert json.loads(spread) == json.loads(one)
    assert len(json.loads(one)) == 4
    a, b = Run.objects.order_by("pk")
    assert a.summary == b.summary and a.rows == b.rows == 4


def test_quality_on_the_cluster_finds_what_one_process_finds(store, scheduler, capsys):
    code, out, _ = run(capsys, "quality", "--year", str(YEAR), "--format", "json", "--dask", scheduler)
    assert code == 0
    first = json.loads(out)
    stored = set(Finding.objects.values_list("rule_id", "household_id", "member_id", "value"))
    assert first["created"] == len(stored) > 0
    # the person who moved is judged once, in the household they live in now
    moved = Finding.objects.filter(rule_id="DQ-B1e", member=store["son"])  # no medical insurance recorded
    assert list(moved.values_list("household_id", flat=True)) == [store["second"].pk]
    # one process afterwards finds exactly the same: nothing new, nothing resolved
    code, out, _ = run(capsys, "quality", "--year", str(YEAR), "--format", "json")
    again = json.loads(out)
    assert (again["findings"], again["created"], again["reopened"], again["resolved"]) == (
        first["findings"],
        0,
        0,
        0,
    )
    assert set(Finding.objects.values_list("rule_id", "household_id", "member_id", "value")) == stored


def test_monitoring_batch_on_the_cluster_raises_the_same_alerts(store, scheduler, capsys):
    code, out, _ = run(capsys, "monitor", "--year", str(YEAR), "--format", "json")
    assert code == 0
    one = json.loads(out)
    alerts = {(a.key, a.household_id, a.signal, json.dumps(a.evidence)) for a in Alert.objects.all()}
    assert alerts
    code, out, _ = run(capsys, "monitor", "--year", str(YEAR), "--format", "json", "--dask", scheduler)
    assert code == 0
    spread = json.loads(out)
    assert [{**r, "new": 0} for r in one] == spread  # the same signals, all known already
    assert {(a.key, a.household_id, a.signal, json.dumps(a.evidence)) for a in Alert.objects.all()} == alerts


@pytest.mark.parametrize("by", ["county", "all"])
def test_stats_on_the_cluster_give_the_same_table(store, scheduler, capsys, by):
    argv = ["stats", "--year", str(YEAR), "--by", by, "--format", "json"]
    code, one, _ = run(capsys, *argv)
    assert code == 0
    code, spread, _ = run(capsys, *argv, "--dask", scheduler)
    assert code == 0
    assert json.loads(spread) == json.loads(one)
    assert {r["region_code"] for r in json.loads(one)} >= {"520526000000", "520527000000"}


@pytest.mark.parametrize("command", ["identify", "quality", "monitor", "stats"])
def test_an_unreachable_scheduler_is_refused_and_nothing_is_written(store, capsys, monkeypatch, command):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    code, _, err = run(capsys, command, "--year", str(YEAR), "--dask", UNREACHABLE)
    assert code == 1
    assert (
        f"无法连接 Dask 调度器 {UNREACHABLE}" in err
        and f"cannot reach the Dask scheduler {UNREACHABLE}" in err
    )
    assert not Run.objects.exists() and not QualityRun.objects.exists()
    assert not Finding.objects.exists() and not Alert.objects.exists()


def test_the_setting_is_used_when_the_option_is_not_given(store, capsys, monkeypatch, settings):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    settings.FUPIN_DASK_SCHEDULER = UNREACHABLE
    code, _, err = run(capsys, "quality", "--year", str(YEAR))
    assert code == 1 and "cannot reach the Dask scheduler" in err
    code, _, _ = run(capsys, "quality", "--year", str(YEAR), "--dask", "")  # '' = this process
    assert code == 0 and QualityRun.objects.count() == 1
