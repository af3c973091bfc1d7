"""engine/cppcc.py: 委员动员面, 委员参与率, households and persons linked, matters logged and solved — small frames
with the expected values written out."""

from datetime import date

import polars as pl

from fupin.engine import cppcc as engine


def _frames():
    members = pl.DataFrame(
        {
            "member_id": [1, 2, 3, 4],
            "level": ["county", "county", "city", "county"],
            "region": ["A", "A", "B", "A"],
            "active": [True, True, True, False],
        },
        schema=engine.SCHEMAS["members"],
    )
    links = pl.DataFrame(
        {
            "member_id": [1, 1, 3, 4, 2],
            "household_id": [10, 11, 10, 12, 13],
            "persons": [3, 4, 3, 5, 6],
            "linked_on": [
                date(2023, 5, 1),
                date(2024, 2, 1),
                date(2024, 3, 1),
                date(2024, 1, 1),
                date(2025, 1, 1),
            ],
        },
        schema=engine.SCHEMAS["links"],
    )
    matters = pl.DataFrame(
        {
            "member_id": [2, 1, 1],
            "logged_on": [date(2024, 1, 1), date(2023, 1, 1), date(2024, 6, 1)],
            "closed_on": [date(2024, 2, 1), None, None],
        },
        schema=engine.SCHEMAS["matters"],
    )
    return members, links, matters


def test_the_totals_count_active_members_only_and_households_once():
    members, links, matters = _frames()
    [row] = engine.indicators(members, links, matters, engine.empty("posts"), 2024).to_dicts()
    # active: 1, 2, 3; linked by the end of 2024: 1 and 3 (2 links only in 2025, 4 is inactive)
    assert row["active_members"] == 3 and row["linked_members"] == 2 and row["mobilisation_pct"] == 66.67
    # activity in 2024: 1 (link, matter), 2 (matter logged and closed), 3 (link)
    assert row["participating"] == 3 and row["participation_pct"] == 100.0
    # household 10 is linked to two members: counted once (3 + 4 persons)
    assert (row["households"], row["persons"]) == (2, 7)
    assert (row["matters_logged"], row["matters_solved"]) == (2, 1)


def test_by_level_and_a_post_is_activity():
    members, links, matters = _frames()
    posts = pl.DataFrame({"member_id": [2], "posted_on": [date(2023, 4, 1)]}, schema=engine.SCHEMAS["posts"])
    by_level = engine.indicators(members, links, matters.head(0), posts, 2023, "level").to_dicts()
    assert [r["level"] for r in by_level] == ["city", "county"]
    city, county = by_level
    assert (city["active_members"], city["linked_members"], city["participating"]) == (1, 0, 0)
    # 2023: member 1 linked household 10, member 2 posted
    assert (county["active_members"], county["linked_members"], county["participating"]) == (2, 1, 2)
    assert county["mobilisation_pct"] == 50.0 and county["households"] == 1 and county["persons"] == 3


def test_no_member_gives_one_row_of_zeros_and_no_rate():
    [row] = engine.indicators(
        engine.empty("members"), engine.empty("links"), engine.empty("matters"), engine.empty("posts"), 2024
    ).to_dicts()
    assert row["active_members"] == 0 and row["mobilisation_pct"] is None and row["participation_pct"] is None
