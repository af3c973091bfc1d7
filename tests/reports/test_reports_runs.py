"""Stored runs: identification and exits on a hand-built registry, scope, reproduction, county inputs."""

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from factories import user

from fupin.accounts.scope import OutOfScope
from fupin.policy.models import Parameter
from fupin.policy.services import save_parameter
from fupin.registry.models import HouseholdYear, Member
from fupin.reports import services
from fupin.reports.models import CountyExitInput, Run


def by_no(df: pl.DataFrame) -> dict:
    return {r["household_no"]: r for r in df.iter_rows(named=True)}


def test_identification_run_is_stored_with_parameters_and_result(county):
    run = services.run_identification(None, 2024, "520526")
    assert run.status == "done" and run.kind == "identify" and run.region_code == "520526000000"
    assert Path(run.path).parent == settings.FUPIN_HOME / "runs" and Path(run.path).name.startswith(
        f"{run.pk}-"
    )
    rows = by_no(services.result(run))
    assert len(rows) == 4 and run.rows == 4
    h1, h4 = rows[county.h1.household_no], rows[county.h4.household_no]
    assert (h1["poor"], h1["net_income_pc"], h1["poverty_line"]) == (True, 2000.0, 4000.0)
    assert h1["reasons"] == ["income_below_line"]
    assert h4["poor"] is False and "income_above_line" in h4["reasons"]
    assert run.summary["poor"] == 3 and run.summary["not_poor"] == 1 and run.summary["poor_persons"] == 9
    lines = [p for p in run.parameters if p["name"] == "poverty_line"]
    assert [(p["year_from"], p["value"]) for p in lines] == [(2020, 4000.0)]


def test_household_exit_covers_registered_poor_with_reasons(county):
    for m in Member.objects.filter(household=county.h4):
        m.medical_insurance = True
        m.save()
    HouseholdYear.objects.filter(household=county.h4, year=2024).update(housing_grade="A", water_safe=True)
    run = services.run_exits(None, 2024, None, "household")
    rows = by_no(services.result(run))
    assert set(rows) == {
        county.h1.household_no,
        county.h3.household_no,
        county.h4.household_no,
    }  # not the exited
    assert rows[county.h4.household_no]["exit_eligible"] is True
    assert rows[county.h4.household_no]["exit_reasons"] == []
    h1 = rows[county.h1.household_no]
    assert h1["exit_eligible"] is False
    assert h1["exit_reasons"] == ["income_below_line", "medical_unknown", "housing_unknown", "water_unknown"]
    assert run.summary == {
        "candidates": 3,
        "eligible": 1,
        "not_eligible": 2,
        "reasons": run.summary["reasons"],
    }


def test_village_exit_incidence_against_threshold(county):
    run = services.run_exits(None, 2024, "520526", "village")
    rows = {r["village"]: r for r in services.result(run).iter_rows(named=True)}
    a, a2, b = rows["520526001201"], rows["520526001202"], rows["520526002201"]
    assert (a["poor_persons"], a["incidence_pct"], a["incidence_threshold"], a["exit"]) == (3, 1.5, 3.0, True)
    assert (a2["incidence_pct"], a2["exit"], a2["reasons"]) == (4.0, False, ["above_threshold"])
    assert (b["incidence_pct"], b["exit"], b["reasons"]) == (None, False, ["no_denominator"])
    assert a["village_name"] == "石板村"


def test_county_exit_with_inputs_passes_every_indicator(county, approver):
    services.save_county_input(
        approver,
        county="520526",
        year=2024,
        values={
            "exit_sample": 100,
            "wrong_exit_found": 1,
            "missed_sample_population": 500,
            "missed_found": 2,
            "survey_households": 100,
            "survey_approving": 95,
        },
    )
    run = services.run_exits(approver, 2024, None, "county")
    [row] = services.result(run).to_dicts()
    assert row["county"] == "520526000000"
    assert row["comprehensive_incidence_pct"] == 1.3  # (10 remaining + 2 missed + 1 wrong) / 1000
    assert (row["wrong_exit_pct"], row["missed_pct"], row["approval_pct"]) == (1.0, 0.4, 95.0)
    assert row["comprehensive_incidence_threshold"] == 3.0 and row["approval_threshold"] == 90.0
    assert row["exit"] is True and row["wrong_exit_reason"] is None


def test_county_without_inputs_or_denominator_is_missing_and_not_passed(county):
    from fupin.regions.models import RegionPopulation

    RegionPopulation.objects.filter(region=county.county).delete()
    run = services.run_exits(None, 2024, "520526", "county")
    [row] = services.result(run).to_dicts()
    assert row["comprehensive_incidence_pct"] is None and row["comprehensive_incidence_passed"] is False
    assert row["comprehensive_incidence_reason"] == "no_denominator"
    assert row["wrong_exit_pct"] is None and row["wrong_exit_reason"] == "no_sample"
    assert row["approval_reason"] == "no_sample" and row["exit"] is False
    assert run.summary["failed"] == 1


def test_county_exit_refused_below_county_level(county, op_a):
    with pytest.raises(services.ReportInputError) as e:
        services.run_exits(op_a, 2024, None, "county")
    assert "county" in e.value.message_en and Run.objects.count() == 0


def test_reproduced_old_run_keeps_its_parameters(county):
    old = services.run_identification(None, 2024, "520526")
    assert by_no(services.result(old))[county.h4.household_no]["poor"] is False
    admin = user("system_admin", None, username="root")
    line = Parameter.objects.get(name="poverty_line", region_code="", year_from=2020)
    save_parameter(
        admin,
        pk=line.pk,
        name="poverty_line",
        region_code="",
        year_from=2020,
        year_to=None,
        value="8000",
        reason="test: a higher line",
    )
    new = services.run_identification(None, 2024, "520526")
    assert by_no(services.result(new))[county.h4.household_no]["poor"] is True  # 6000 < 8000
    again = services.reproduce(old)
    assert again.reproduces == old and again.parameters == old.parameters
    rows = by_no(services.result(again))
    assert (
        rows[county.h4.household_no]["poor"] is False
        and rows[county.h4.household_no]["poverty_line"] == 4000.0
    )


def test_reproduction_sees_current_data(county):
    old = services.run_identification(None, 2024, "520526")
    HouseholdYear.objects.filter(household=county.h1, year=2024).update(wage_income=Decimal("60000"))
    rows = by_no(services.result(services.reproduce(old)))
    assert rows[county.h1.household_no]["poor"] is False


def test_village_operator_cannot_run_or_see_other_village(county, op_a, op_b):
    with pytest.raises(OutOfScope):
        services.run_identification(op_a, 2024, county.village_b.code)
    theirs = services.run_identification(op_b, 2024)
    assert theirs.region_code == county.village_b.code and theirs.rows == 1
    mine = services.run_identification(op_a, 2024)
    assert set(services.result(mine)["village"]) == {county.village_a.code}
    assert list(services.runs_for(op_a)) == [mine]
    with pytest.raises(Run.DoesNotExist):
        services.get_run(op_a, theirs.pk)
    with pytest.raises(OutOfScope):
        services.reproduce(theirs, op_a)


def test_county_inputs_only_by_approvers_of_that_county(county, op_a, approver):
    values = {"exit_sample": 10, "wrong_exit_found": 1}
    with pytest.raises(OutOfScope):
        services.save_county_input(op_a, county="520526", year=2024, values=values)
    with pytest.raises(PermissionDenied):  # in scope, but not an approver
        services.save_county_input(
            user("supervisor", county.county), county="520526", year=2024, values=values
        )
    other = user("county_approver", None, username="nationwide-approver")
    services.save_county_input(other, county="520526", year=2024, values=values)
    with pytest.raises(services.ReportInputError) as e:
        services.save_county_input(
            approver, county="520526", year=2024, values={"exit_sample": 10, "wrong_exit_found": 11}
        )
    assert e.value.field == "wrong_exit_found"
    with pytest.raises(services.ReportInputError):
        services.save_county_input(approver, county="520526001", year=2024, values=values)
    with pytest.raises(services.ReportInputError) as e:  # new figures never overwrite stored ones
        services.save_county_input(approver, county="520526", year=2024, values={"survey_households": 5})
    assert e.value.code == "reports.duplicate"
    stored = CountyExitInput.objects.get()
    assert (stored.exit_sample, stored.survey_households) == (10, None)
    obj = services.save_county_input(
        approver, county="520526", year=2024, values={"survey_households": 5}, pk=stored.pk
    )
    assert CountyExitInput.objects.count() == 1 and obj.survey_households == 5 and obj.exit_sample is None
