import json

import pytest
from factories import household, region_tree, user

from fupin.cli import main
from fupin.regions.models import RegionPopulation
from fupin.registry.models import HouseholdYear


@pytest.fixture
def county(db):
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    household(t.village_a, status="exited_policy", members=4)
    household(t.village_a2, status="returned", members=2)
    household(t.village_b, status="poor", members=5)
    RegionPopulation.objects.create(region=t.county, year=2024, rural_population=1000)
    RegionPopulation.objects.create(region=t.town_a, year=2024, rural_population=100)
    return t


def run_json(capsys, *argv):
    assert main(["stats", "--year", "2024", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_json_keys_and_figures_equal_a_recount(county, capsys):
    rows = run_json(capsys, "--region", "520526", "--by", "township")
    assert [r["region_code"] for r in rows] == ["520526001000", "520526002000"]
    assert set(rows[0]) >= {
        "region_code",
        "region_name",
        "year",
        "households",
        "persons",
        "poor_households",
        "poor_persons",
        "rural_population",
        "incidence_pct",
    }
    for r in rows:  # recount through the ORM
        qs = HouseholdYear.objects.filter(
            year=2024, household__village__code__startswith=r["region_code"][:9]
        )
        poor = qs.filter(status__in=["poor", "returned"])
        assert r["households"] == qs.count()
        assert r["persons"] == sum(qs.values_list("size", flat=True))
        assert r["poor_persons"] == sum(poor.values_list("size", flat=True))
    assert rows[0]["incidence_pct"] == 5.0  # 5 poor persons / 100
    assert rows[1]["incidence_pct"] is None  # no denominator loaded


def test_county_row(county, capsys):
    [row] = run_json(capsys, "--region", "520526")
    assert (row["households"], row["poor_persons"], row["incidence_pct"]) == (4, 10, 1.0)


def test_stats_scoped_to_acting_user(county, capsys):
    user("village_operator", county.village_a, username="op")
    [row] = run_json(capsys, "--user", "op")
    assert row["region_code"] == "520526001201" and row["households"] == 2
    assert main(["stats", "--year", "2024", "--region", "520526002", "--user", "op"]) == 1
    assert "scope" in capsys.readouterr().err


def test_bad_region_code_is_a_usage_error(county, capsys):
    assert main(["stats", "--year", "2024", "--region", "52x"]) == 2


def test_stats_by_all_levels_rolls_the_tree_up(county, capsys):
    rows = run_json(capsys, "--region", "520526", "--by", "all")
    by_code = {r["region_code"]: r for r in rows}
    assert set(by_code) == {
        "520526000000",
        "520526001000",
        "520526002000",
        "520526001201",
        "520526001202",
        "520526002201",
    }
    assert by_code["520526000000"]["households"] == 4 and by_code["520526000000"]["incidence_pct"] == 1.0
    assert by_code["520526001000"]["poor_persons"] == (
        by_code["520526001201"]["poor_persons"] + by_code["520526001202"]["poor_persons"]
    )


def test_an_out_file_that_cannot_be_written_is_a_usage_error_without_a_traceback(county, capsys, tmp_path):
    missing = tmp_path / "no-such-folder" / "stats.csv"
    assert main(["stats", "--year", "2024", "--format", "csv", "--out", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "无法读写文件" in err and "cannot read or write" in err and str(missing) in err
    assert "Traceback" not in err
