"""Evaluations through the services: the seeded draw, visits (one validation path), import, closing,
permissions and scope, and the figures the county exit evaluation takes from a closed evaluation."""

from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from factories import VISIT, user

from fupin.core.errors import EditConflict
from fupin.evaluation import selectors, services
from fupin.evaluation.models import Evaluation, SampledHousehold, Visit
from fupin.policy.models import Parameter
from fupin.reports.services import result, run_exits


def _sample(e):
    return list(SampledHousehold.objects.filter(evaluation=e).order_by("stratum", "rank"))


def test_create_draws_the_stratified_sample_and_keeps_seed_sizes_and_parameters(evaluation, auditor):
    strata = [s.stratum for s in _sample(evaluation)]
    assert strata.count("exited") == 4 and strata.count("poor") == 2
    # unregistered households of the two drawn villages only (2 per village)
    assert strata.count("unregistered") == 3
    assert len(evaluation.villages) == 2
    unregistered = [s for s in _sample(evaluation) if s.stratum == "unregistered"]
    assert {s.village for s in unregistered} <= set(evaluation.villages)
    assert evaluation.seed == 42 and evaluation.created_by == auditor
    assert evaluation.sample_sizes == {"villages": 2, "exited": 4, "poor": 2, "unregistered": 3}
    assert evaluation.populations["exited"] == {"households": 6, "persons": 18}
    assert {p["name"] for p in evaluation.parameters} >= {"poverty_line", "evaluation_sample_exited"}


def test_same_seed_gives_the_same_sample(county, evaluation, auditor):
    again = services.create_evaluation(
        auditor,
        county=county.county.code,
        year=2020,
        kind="effectiveness",
        seed=42,
        sizes=evaluation.sample_sizes,
    )
    assert [s.household_id for s in _sample(again)] == [s.household_id for s in _sample(evaluation)]


def test_sample_sizes_come_from_the_parameters_by_region(county, auditor):
    services.ensure_parameters()
    Parameter.objects.create(
        name="evaluation_sample_exited", region_code=county.county.code, year_from=2014, value=1, source="县"
    )
    e = services.create_evaluation(auditor, county=county.county.code, year=2020, kind="third_party", seed=1)
    assert e.sample_sizes["exited"] == 1
    assert sum(1 for s in _sample(e) if s.stratum == "exited") == 1


def test_census_takes_every_household(county, auditor):
    e = services.create_evaluation(auditor, county=county.county.code, year=2020, kind="census", seed=5)
    assert len(_sample(e)) == 15 and e.sample_sizes["exited"] is None


@pytest.mark.parametrize("role", ["village_operator", "township_reviewer", "supervisor", "assistance_cadre"])
def test_roles_that_may_not_create_an_evaluation(county, role):
    u = user(role, county.county if role == "supervisor" else county.village_a)
    with pytest.raises(PermissionDenied):
        services.create_evaluation(u, county=county.county.code, year=2020, kind="third_party")
    assert not Evaluation.objects.exists()


def test_evaluator_of_another_county_gets_not_found(county):
    from factories import region

    other = region("520527000000", "赫章县", 3, county.city)
    u = user("auditor", other, username="far")
    with pytest.raises(Http404):
        services.create_evaluation(u, county=county.county.code, year=2020, kind="third_party")
    assert not Evaluation.objects.exists()


def test_bad_input_lists_every_problem_and_saves_nothing(county, auditor):
    with pytest.raises(services.EvaluationRejected) as e:
        services.create_evaluation(
            auditor, county=county.county.code, year=2020, kind="bogus", seed="x", sizes={"exited": "-3"}
        )
    fields = {p.field for p in e.value.problems}
    assert fields == {"kind", "seed", "size_exited"}
    assert all(p.zh and p.en for p in e.value.problems)
    with pytest.raises(services.EvaluationRejected) as e:
        services.create_evaluation(auditor, county=county.county.code, year=2019, kind="third_party")
    assert e.value.problems[0].code == "evaluation.empty"
    with pytest.raises(services.EvaluationRejected):
        services.create_evaluation(auditor, county=county.town_a.code, year=2020, kind="third_party")
    assert not Evaluation.objects.exists()


def test_record_and_correct_a_visit_with_its_version(evaluation, supervisor):
    s = _sample(evaluation)[0]
    v = services.record_visit(supervisor, evaluation.pk, s.pk, VISIT)
    assert v.recorded_by == supervisor and v.food is True and str(v.income_pc) == "6200.00"
    stale = services.visit_version(v)
    v2 = services.record_visit(supervisor, evaluation.pk, s.pk, {**VISIT, "income_pc": "3000"}, version=stale)
    assert str(v2.income_pc) == "3000.00"
    with pytest.raises(EditConflict):
        services.record_visit(supervisor, evaluation.pk, s.pk, {**VISIT, "income_pc": "1"}, version=stale)
    assert str(Visit.objects.get().income_pc) == "3000.00"


def test_a_bad_visit_lists_every_problem_and_saves_nothing(evaluation, supervisor):
    s = _sample(evaluation)[0]
    bad = {**VISIT, "visited_on": "yesterday", "income_pc": "-5", "water": "maybe", "approves": ""}
    with pytest.raises(services.EvaluationRejected) as e:
        services.record_visit(supervisor, evaluation.pk, s.pk, bad)
    assert {p.field for p in e.value.problems} == {"visited_on", "income_pc", "water", "approves"}
    assert not Visit.objects.exists()


def test_readers_may_not_record_visits_nor_see_the_sample(evaluation, operator, county):
    s = _sample(evaluation)[0]
    reader = user("township_reviewer", county.county, username="reader")
    with pytest.raises(PermissionDenied):
        services.record_visit(reader, evaluation.pk, s.pk, VISIT)
    with pytest.raises(PermissionDenied):
        selectors.sample_for(reader, evaluation)
    # a village operator reads the evaluation of its county? no: it lies outside the village's subtree
    with pytest.raises(Evaluation.DoesNotExist):
        selectors.get_evaluation(operator, evaluation.pk)
    assert not Visit.objects.exists()


def _visit_all(e, u, wrong: int = 1, missed: int = 1, disapprove: int = 1):
    for s in _sample(e):
        values = dict(VISIT)
        if s.stratum == "exited" and wrong:
            values["income_pc"], wrong = "2000", wrong - 1
        elif s.stratum == "unregistered" and missed:
            values["housing"], missed = "否", missed - 1
        if disapprove:
            values["approves"], disapprove = "否", disapprove - 1
        services.record_visit(u, e.pk, s.pk, values)


def test_rates_with_intervals_from_the_visits(evaluation, supervisor):
    _visit_all(evaluation, supervisor)
    r = {row["indicator"]: row for row in selectors.rates(evaluation).iter_rows(named=True)}
    # one exited household of 3 persons wrongly exited among 4 × 3 persons
    assert (r["wrong_exit"]["numerator"], r["wrong_exit"]["denominator"], r["wrong_exit"]["pct"]) == (
        3,
        12,
        25.0,
    )
    assert (r["missed"]["numerator"], r["missed"]["denominator"]) == (3, 9)
    assert (r["approval"]["numerator"], r["approval"]["denominator"]) == (8, 9)
    for row in r.values():
        assert row["ci_low"] <= row["pct"] <= row["ci_high"]


def test_import_visits_all_or_nothing(evaluation, supervisor, tmp_path: Path):
    sample = _sample(evaluation)
    rows = [{"户编号": s.household.household_no, **{k: v for k, v in VISIT.items()}} for s in sample[:3]]
    header = {
        "visited_on": "走访日期",
        "income_pc": "人均纯收入",
        "food": "不愁吃",
        "clothing": "不愁穿",
        "education": "义务教育有保障",
        "medical": "基本医疗有保障",
        "housing": "住房安全有保障",
        "water": "饮水安全有保障",
        "approves": "认可",
        "note": "备注",
    }
    df = pl.DataFrame([{header.get(k, k): v for k, v in r.items()} for r in rows])
    bad = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("不知道")).otherwise(pl.col("认可")).alias("认可")
    )
    bad = pl.concat([bad, bad.head(1).with_columns(pl.lit("999").alias("户编号"))])
    path = tmp_path / "bad.csv"
    bad.write_csv(path)
    with pytest.raises(services.EvaluationRejected) as e:
        services.import_visits(supervisor, evaluation.pk, path)
    assert {(p.row, p.code) for p in e.value.problems} == {
        (3, "evaluation.yes_no"),
        (5, "evaluation.not_sampled"),
    }
    assert not Visit.objects.exists()
    good = tmp_path / "good.xlsx"
    df.write_excel(good)
    assert services.import_visits(supervisor, evaluation.pk, good) == 3
    assert Visit.objects.count() == 3 and Visit.objects.first().recorded_by == supervisor


def test_close_needs_visits_then_refuses_more_visits(evaluation, auditor, supervisor):
    with pytest.raises(services.EvaluationRejected):
        services.close_evaluation(auditor, evaluation.pk)
    s = _sample(evaluation)[0]
    services.record_visit(supervisor, evaluation.pk, s.pk, VISIT)
    with pytest.raises(PermissionDenied):
        services.close_evaluation(supervisor, evaluation.pk)
    with pytest.raises(EditConflict):
        services.close_evaluation(auditor, evaluation.pk, version="t1")
    e = services.close_evaluation(
        auditor, evaluation.pk, version=services.evaluation_version(Evaluation.objects.get())
    )
    assert e.status == "closed" and e.closed_by == auditor
    with pytest.raises(services.EvaluationRejected):
        services.record_visit(supervisor, evaluation.pk, s.pk, VISIT)


def test_county_exit_uses_a_closed_evaluation_and_says_so(county, evaluation, auditor, supervisor, approver):
    from fupin.reports.services import save_county_input

    save_county_input(
        approver,
        county=county.county.code,
        year=2020,
        values={
            "exit_sample": 100,
            "wrong_exit_found": 0,
            "missed_sample_population": 100,
            "missed_found": 0,
            "survey_households": 100,
            "survey_approving": 100,
        },
    )
    before = result(run_exits(approver, 2020, county.county.code, level="county")).row(0, named=True)
    assert before["figures_source"] == "county_input" and before["wrong_exit_pct"] == 0.0
    _visit_all(evaluation, supervisor)
    open_run = result(run_exits(approver, 2020, county.county.code, level="county")).row(0, named=True)
    assert open_run["figures_source"] == "county_input"  # an open evaluation does not count yet
    services.close_evaluation(auditor, evaluation.pk)
    after = result(run_exits(approver, 2020, county.county.code, level="county")).row(0, named=True)
    assert after["figures_source"] == "evaluation" and after["evaluation_id"] == evaluation.pk
    assert after["wrong_exit_pct"] == 25.0 and after["approval_pct"] == pytest.approx(88.8889)
    assert after["exit"] is False
