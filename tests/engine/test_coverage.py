"""Coverage checks over small hand-built frames (no Django)."""

from datetime import date

import polars as pl

from fupin.engine import coverage

AS_OF = date(2024, 6, 30)
D = pl.Date


def _frames(**overrides) -> dict[str, pl.DataFrame]:
    frames = {
        "households": pl.DataFrame(
            {
                "household_id": [1, 2, 3, 4, 5],
                "household_no": ["H1", "H2", "H3", "H4", "H5"],
                "village": ["V1", "V1", "V2", "V2", "V2"],
                "year": [2024] * 5,
                "status": ["poor", "returned", "poor", "exited_policy", "poor"],
                "main_cause": ["illness", "schooling", "no_capital", "illness", "other"],
                "other_causes": ["", "illness", None, "", ""],
            },
            schema=coverage.SCHEMAS["households"],
        ),
        "assignments": pl.DataFrame(
            {
                "household_id": [1, 2, 3, 5],
                "cadre_id": [10, 10, 11, 11],
                "start_date": [date(2023, 1, 1)] * 4,
                "end_date": [None, None, date(2024, 3, 1), None],  # H3's cadre left in March
            },
            schema=coverage.SCHEMAS["assignments"],
        ),
        "measures": pl.DataFrame(
            {
                "measure_id": [100, 101, 102, 103, 104],
                "household_id": [1, 2, 3, 3, 5],
                "year": [2024, 2024, 2024, 2023, 2024],
                "measure_code": ["HLT02", "HLT01", "EDU11", "FIN01", "PUB01"],
                "status": ["in_progress", "planned", "done", "done", "done"],
                "end_date": [None, None, date(2024, 5, 1), date(2023, 12, 31), date(2024, 12, 31)],
                "result": ["", None, "结业 / finished", "", None],
            },
            schema=coverage.SCHEMAS["measures"],
        ),
        "cause_measures": pl.DataFrame(
            {
                "cause": ["illness", "illness", "schooling", "no_capital"],
                "measure_code": ["HLT01", "HLT02", "EDU11", "FIN01"],
            }
        ),
        "cadres": pl.DataFrame(
            {"cadre_id": [10, 11, 12], "name": ["甲", "乙", "丙"], "region": ["V1", "V2", "V2"]},
            schema=coverage.SCHEMAS["cadres"],
        ),
    }
    return frames | overrides


def _hits(findings: pl.DataFrame, check_id: str, column: str) -> list:
    return sorted(findings.filter(pl.col("check_id") == check_id)[column].to_list())


def test_poor_household_without_cadre_in_force():
    f = coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=5)
    # H3's assignment ended before as_of; H4 is not poor
    assert _hits(f, "COV-H1", "household_no") == ["H3"]
    row = f.filter(pl.col("check_id") == "COV-H1").row(0, named=True)
    assert row["region_code"] == "V2" and row["message_en"] == "poor household without an assistance cadre"


def test_measure_must_match_a_cause_of_the_year():
    f = coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=5)
    # H1 illness + HLT02 ok; H2 schooling,illness + HLT01 ok (other cause); H3 no_capital + EDU11 not matched
    # (its FIN01 is of 2023); H5 'other' has no suggestion, so any measure answers it
    assert _hits(f, "COV-H2", "household_no") == ["H3"]
    assert _hits(f, "COV-H2", "value") == ["no_capital"]


def test_stopped_measure_does_not_cover():
    frames = _frames()
    m = frames["measures"].with_columns(
        pl.when(pl.col("measure_id") == 100)
        .then(pl.lit("stopped"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    f = coverage.run(_frames(measures=m), year=2024, as_of=AS_OF, cadre_limit=5)
    assert _hits(f, "COV-H2", "household_no") == ["H1", "H3"]


def test_cadre_over_limit_counts_assignments_in_force():
    f = coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=1)
    # cadre 10 has H1, H2 (2 > 1); cadre 11 has only H5 in force (H3 ended)
    assert _hits(f, "COV-C1", "cadre_id") == [10]
    assert _hits(f, "COV-C1", "value") == ["2/1"]
    assert (
        coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=2)
        .filter(pl.col("check_id") == "COV-C1")
        .height
        == 0
    )


def test_measure_ended_without_result():
    f = coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=5)
    # 102 done with result: fine; 104 done, blank result: finding; 100 in progress, open: fine; 103 is 2023
    assert _hits(f, "COV-M1", "measure_id") == [104]
    later = coverage.run(_frames(), year=2024, as_of=date(2025, 1, 10), cadre_limit=5)
    assert _hits(later, "COV-M1", "measure_id") == [104]
    frames = _frames()
    m = frames["measures"].with_columns(pl.lit(date(2024, 6, 1)).alias("end_date"))
    # past its end date with no result, even if the status was not updated
    assert _hits(
        coverage.run(_frames(measures=m), year=2024, as_of=AS_OF, cadre_limit=5), "COV-M1", "measure_id"
    ) == [100, 101, 104]


def test_poor_village_checks():
    villages = pl.DataFrame(
        {
            "code": ["V1", "V2", "V3", "V4"],
            "name": ["一村", "二村", "三村", "四村"],
            "is_poor": [True, True, False, True],
        }
    )
    teams = pl.DataFrame(
        {
            "team_id": [1, 2, 3],
            "village": ["V1", "V2", "V4"],
            "start_date": [date(2023, 1, 1)] * 3,
            "end_date": [None, None, date(2024, 1, 1)],
        },
        schema=coverage.SCHEMAS["teams"],
    )
    members = pl.DataFrame(
        {
            "team_id": [1, 1, 2],
            "is_first_secretary": [True, False, False],
            "start_date": [date(2023, 1, 1)] * 3,
            "end_date": [None] * 3,
        },
        schema=coverage.SCHEMAS["team_members"],
    )
    units = pl.DataFrame(
        {"region_code": ["V1", "V4"], "start_date": [None, None], "end_date": [None, None]},
        schema=coverage.SCHEMAS["paired_units"],
    )
    leaders = pl.DataFrame(
        {
            "region_code": ["V1", "V2"],
            "level": ["county", "township"],
            "start_date": [None, None],
            "end_date": [None, None],
        },
        schema=coverage.SCHEMAS["leaders"],
    )
    f = coverage.run(
        {
            "villages": villages,
            "teams": teams,
            "team_members": members,
            "paired_units": units,
            "leaders": leaders,
        },
        year=2024,
        as_of=AS_OF,
        cadre_limit=5,
    )
    assert _hits(f, "COV-V1", "region_code") == ["V4"]  # V4's team term ended; V3 is not poor
    assert _hits(f, "COV-V2", "region_code") == ["V2", "V4"]
    assert _hits(f, "COV-V3", "region_code") == ["V2"]
    assert _hits(f, "COV-V4", "region_code") == ["V2", "V4"]  # V2's leader is a township leader
    assert _hits(f, "COV-V2", "subject") == ["二村", "四村"]


def test_summary_lists_every_check_in_order():
    s = coverage.summary(coverage.run(_frames(), year=2024, as_of=AS_OF, cadre_limit=1))
    assert s["check_id"].to_list() == [ch.id for ch in coverage.CHECKS]
    assert dict(zip(s["check_id"], s["count"], strict=True)) == {
        "COV-H1": 1,
        "COV-H2": 1,
        "COV-V1": 0,
        "COV-V2": 0,
        "COV-V3": 0,
        "COV-V4": 0,
        "COV-C1": 1,
        "COV-M1": 1,
    }


def test_empty_frames_give_empty_findings():
    f = coverage.run({}, year=2024, as_of=AS_OF, cadre_limit=5)
    assert f.height == 0 and f.schema == pl.Schema(coverage.FINDINGS)
