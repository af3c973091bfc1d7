"""Engine runs partitioned by county on a Dask LocalCluster give the single run's results, across-county
cases planted on purpose: a person who moved between counties, an ID number held in two counties, payments
to them."""

import logging
import sys
import threading
from datetime import date

import numpy as np
import polars as pl
import pytest
from distributed import Client, LocalCluster

from fupin.engine import headline, identification, integrity, monitoring, partitioned, quality, stats
from fupin.engine.defaults import default_params
from fupin.engine.params import override
from fupin.engine.schema import CASES, MONITOR_TYPES
from fupin.engine.synthetic_frames import county_registry as registry_county
from fupin.engine.synthetic_frames import regions_and_population, registry

YEAR = 2020
KEY = ["rule_id", "household_id", "member_id", "year"]
COUNTIES = [f"5201{k:02d}" for k in range(1, 7)] + ["330106"]


@pytest.fixture(scope="module")
def client():
    # threads in this process: quick to start, nothing to pickle across processes, no stray processes; the
    # cluster's own info lines are noise here
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with (
        LocalCluster(n_workers=3, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster, timeout=30) as c,
    ):
        yield c


def _member(m: pl.DataFrame, household_id: int) -> dict:
    return m.filter(pl.col("household_id") == household_id).row(0, named=True)


@pytest.fixture(scope="module")
def nation():
    """Two years of 3,000 households over 7 counties, with the across-county cases planted."""
    hy, m = registry(3000, year=YEAR, seed=11)
    county = pl.Series(COUNTIES).gather(hy["household_id"] % len(COUNTIES))
    hy = hy.with_columns((county + pl.col("village").str.slice(6)).alias("village"))
    prev = hy.with_columns(
        pl.lit(YEAR - 1, pl.Int64).alias("year"),
        (pl.col("wage_income") * 0.3).alias("wage_income"),
        pl.when(pl.col("household_id") % 3 == 0)
        .then(pl.lit("poor"))
        .otherwise(pl.col("status").cast(pl.String))
        .cast(hy["status"].dtype)
        .alias("status"),
    )
    m = m.with_columns(pl.lit(None, pl.Date).alias("start_date"), pl.lit(None, pl.Date).alias("end_date"))

    # a person who moved in March from household 1 (county 520102) to household 6 (330106): away for
    # more months than a year has (DQ-G1a), paid before and after the move
    moved = _member(m, 1)
    moved_id = moved["member_id"]
    m = m.with_columns(
        pl.when(pl.col("member_id") == moved_id)
        .then(pl.lit(date(YEAR, 3, 1)))
        .otherwise(pl.col("end_date"))
        .alias("end_date"),
        pl.when(pl.col("member_id") == moved_id)
        .then(pl.lit(13, pl.Int64))
        .otherwise(pl.col("work_months"))
        .alias("work_months"),
    )
    again = m.filter(pl.col("member_id") == moved_id).with_columns(
        pl.lit(6, pl.Int64).alias("household_id"),
        pl.lit("son").cast(m["relation"].dtype).alias("relation"),
        pl.lit(date(YEAR, 3, 1)).alias("start_date"),
        pl.lit(None, pl.Date).alias("end_date"),
    )
    # an ID number held by two people in two counties (households 3 and 13: 520104, 330106), one dead
    twin_id = _member(m, 3)["id_number"]
    twin = _member(m, 13)["member_id"]
    m = pl.concat([m, again]).with_columns(
        pl.when(pl.col("member_id") == twin)
        .then(pl.lit(twin_id))
        .otherwise(pl.col("id_number"))
        .alias("id_number"),
        pl.when(pl.col("member_id") == twin)
        .then(pl.lit(date(YEAR, 1, 10)))
        .otherwise(pl.col("death_date"))
        .alias("death_date"),
    )
    m = m.sort("household_id", "member_id")  # the store's order

    rng = np.random.default_rng(5)
    ids = m["id_number"].sample(200, seed=5).to_list()
    payments = pl.DataFrame(
        {
            "payment_id": np.arange(1, len(ids) + 5),
            "id_number": [*ids, moved["id_number"], moved["id_number"], twin_id, twin_id],
            "amount": rng.uniform(100, 900, len(ids) + 4),
            "paid_on": [
                *[date(YEAR, int(mo), 15) for mo in rng.integers(1, 13, len(ids))],
                date(YEAR, 2, 1),
                date(YEAR, 6, 1),
                date(YEAR, 9, 1),
                date(YEAR, 10, 1),
            ],
        },
        schema=integrity.PAYMENTS,
    )
    hh = hy["household_id"]
    measures = pl.DataFrame(
        {"household_id": hh.filter(hh % 4 == 0), "year": YEAR, "status": "done"}, schema=integrity.MEASURES
    )
    exits = pl.DataFrame(
        {"household_id": hh.filter(hh % 5 == 0), "year": YEAR, "recorded_on": date(YEAR, 12, 28)},
        schema=integrity.EXIT_RECORDS,
    )
    cases = pl.DataFrame(
        {
            "id": range(1, 61),
            "household_id": [*hh.head(59).to_list(), 999_999],  # the last: no registry record
            "village": [*hy["village"].head(59).to_list(), "520101001201"],
            "kind": "identification",
            "outcome": "approved",
            "green_channel": False,
            "opened_on": date(YEAR, 2, 1),
            "closed_on": date(YEAR, 3, 1),
            "monitor_type": list(MONITOR_TYPES) * 20,
        },
        schema=CASES,
    )
    both = pl.concat([prev, hy]).sort("household_id", "year")
    return dict(
        hy=both,
        members=m,
        payments=payments,
        measures=measures,
        exits=exits,
        cases=cases,
        moved=moved_id,
        twin=twin,
    )


@pytest.fixture(scope="module")
def params():
    # one county with its own poverty line: parameters vary by region inside some parts only
    return override(default_params(), [("poverty_line", "520103000000", 2010, None, 9000, "test county")])


@pytest.fixture(scope="module")
def parts(client, nation):
    return partitioned.scatter(
        client,
        nation["hy"],
        nation["members"],
        n_parts=4,
        by_household={k: nation[k] for k in ("measures", "exits", "cases")},
    )


def test_parts_hold_whole_counties_and_every_row(nation):
    cut = partitioned.split(nation["hy"], nation["members"], n_parts=4)
    assert len(cut) == 4
    seen = [set(p["household_years"]["village"].str.slice(0, 6).to_list()) for p in cut]
    assert sorted(c for s in seen for c in s) == sorted(COUNTIES)  # each county in one part only
    assert sum(p["household_years"].height for p in cut) == nation["hy"].height
    assert sum(p["members"].height for p in cut) == nation["members"].height
    # the moved person's two rows are in two parts, and so are the two holders of the twin ID number
    twin_id = nation["members"].filter(pl.col("member_id") == nation["twin"])["id_number"]
    assert sum(p["members"]["id_number"].is_in(twin_id.implode()).any() for p in cut) == 2
    assert sum(p["members"]["member_id"].is_in([nation["moved"]]).any() for p in cut) == 2


def test_identification_partitioned_equals_one_run(parts, nation, params):
    whole = identification.identify(nation["hy"], nation["members"], params)
    assert whole.filter(pl.col("year") == YEAR)["poverty_line"].n_unique() == 2
    assert partitioned.identify(parts, params).equals(whole)


def test_quality_partitioned_equals_one_run_and_judges_the_moved_person_once(parts, nation, params):
    hy = nation["hy"].filter(pl.col("year") == YEAR)
    whole = quality.run(hy, nation["members"], params, year=YEAR)
    split = partitioned.quality_findings(parts, params, year=YEAR)
    assert split.sort(KEY).equals(whole.sort(KEY))
    moved = split.filter((pl.col("member_id") == nation["moved"]) & (pl.col("rule_id") == "DQ-G1a"))
    assert moved["household_id"].to_list() == [6]  # where the person lives now, not also in household 1


def test_integrity_partitioned_equals_one_run_with_payees_across_counties(parts, nation, params):
    whole = integrity.run(
        nation["hy"],
        nation["members"],
        params,
        year=YEAR,
        measures=nation["measures"],
        exits=nation["exits"],
        payments=nation["payments"],
    )
    split = partitioned.integrity_findings(parts, params, year=YEAR, payments=nation["payments"])
    assert split.sort(KEY).equals(whole.sort(KEY))
    # the payment after the death of the person holding the twin ID number, filed in their county
    dead = split.filter(pl.col("rule_id") == "DQ-K5a")
    assert (nation["twin"], 13) in set(zip(dead["member_id"], dead["household_id"], strict=True))
    assert set(split["rule_id"]) >= {"DQ-K1", "DQ-K4", "DQ-K5a"}


def test_registry_batch_partitioned_equals_one_run(parts, nation, params):
    whole = monitoring.registry_batch(nation["hy"], nation["members"], params, YEAR)
    split, households = partitioned.registry_batch(parts, params, YEAR)
    assert whole.height > 0
    assert split.equals(whole)
    assert households == nation["hy"].filter(pl.col("year") == YEAR).height


def test_statistics_roll_up_from_the_parts_village_counts(parts, nation):
    hy = nation["hy"]
    regions, population = regions_and_population(hy.filter(pl.col("year") == YEAR), YEAR)
    villages = partitioned.village_counts(parts, YEAR)
    assert stats.counts_from_villages(villages, regions, population, year=YEAR, level=3).equals(
        stats.counts_by_region(hy, regions, population, year=YEAR, level=3)
    )
    tree = pl.concat(
        [
            regions,
            pl.DataFrame(
                {"code": ["520000000000", "330000000000"], "name": ["贵州", "浙江"], "level": [1, 1]}
            ),
        ]
    )
    assert stats.tree_from_villages(villages, tree, population, year=YEAR).equals(
        stats.counts_by_tree(hy, tree, population, year=YEAR)
    )
    groups = partitioned.village_groups(parts, [YEAR])
    whole = headline.headline_counts(hy, nation["cases"], tree, years=[YEAR])
    # the case of a household without a registry record is counted in its case's village's county
    county = whole.filter(pl.col("region_code") == "520101000000")
    without = headline.headline_counts(hy, nation["cases"].head(59), tree, years=[YEAR])
    assert county["monitored_households"].max() == (
        without.filter(pl.col("region_code") == "520101000000")["monitored_households"].max() + 1
    )
    assert headline.headline_from_villages(groups, tree, years=[YEAR]).equals(whole)


def test_an_unreachable_scheduler_is_a_clear_error_and_leaves_no_thread():
    """A server whose scheduler is down tries it at every request: each try used to leave an event-loop
    thread running."""
    before = threading.active_count()
    for _ in range(3):
        with (
            pytest.raises(partitioned.ClusterError) as e,
            partitioned.connect("tcp://127.0.0.1:9", timeout=1),
        ):
            pass
        assert "无法连接 Dask 调度器" in e.value.zh and "cannot reach the Dask scheduler" in e.value.en
    assert threading.active_count() == before


def test_a_connection_leaves_no_thread_once_closed(client):
    """The cluster's own threads are there already; the client's loop is gone once it closes."""
    before = threading.active_count()
    for _ in range(3):
        with partitioned.connect(client.scheduler.address, timeout=10) as c:
            assert c.submit(sum, [1, 2]).result() == 3
    assert threading.active_count() == before


def test_without_dask_installed_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails as if not installed
    with pytest.raises(partitioned.ClusterError) as e:
        with partitioned.connect("tcp://127.0.0.1:8786"):
            pass
    assert "未安装 Dask" in e.value.zh and "Dask is not installed" in e.value.en


def test_a_county_generated_alone_lies_in_that_county():
    hy, m = registry_county(520526, 900, first_household=5_000_001, first_member=9_000_001)
    assert hy["village"].str.slice(0, 6).unique().to_list() == ["520526"]
    assert hy["household_id"].min() == 5_000_001 and hy["household_id"].is_sorted()
    assert m["member_id"].min() == 9_000_001 and set(m["household_id"]) == set(hy["household_id"])
    assert m["id_number"].str.slice(0, 6).unique().to_list() == ["520526"]


def test_an_empty_registry_gives_the_empty_results_of_one_run(client, params):
    hy, m = registry(10, year=YEAR, seed=1)
    hy, m = hy.clear(), m.clear()
    parts = partitioned.scatter(client, hy, m)
    assert partitioned.identify(parts, params).equals(identification.identify(hy, m, params))
    assert partitioned.quality_findings(parts, params, year=YEAR).equals(
        quality.run(hy, m, params, year=YEAR)
    )
    signals, households = partitioned.registry_batch(parts, params, YEAR)
    assert (signals.height, households) == (0, 0)
    assert partitioned.village_counts(parts, YEAR).height == 0
