import polars as pl

from fupin.engine.stats import counts_by_region


def test_counts_and_incidence_by_township_by_hand():
    hy = pl.DataFrame(
        {
            "household_id": [1, 2, 3, 4, 5],
            "village": ["520526001201", "520526001201", "520526001202", "520526002201", "520526002201"],
            "year": [2024, 2024, 2024, 2024, 2023],
            "status": ["poor", "exited_policy", "returned", "poor", "poor"],
            "size": [3, 4, 2, 5, 9],
        }
    )
    regions = pl.DataFrame(
        {
            "code": ["520526001000", "520526002000", "520526003000"],
            "name": ["草海镇", "幺站镇", "空镇"],
            "level": [4, 4, 4],
        }
    )
    population = pl.DataFrame(
        {
            "region_code": ["520526001000", "520526002000"],
            "year": [2024, 2023],
            "rural_population": [250, 1000],
        }
    )
    out = counts_by_region(hy, regions, population, year=2024, level=4)
    assert out.to_dicts() == [
        {
            "region_code": "520526001000",
            "region_name": "草海镇",
            "year": 2024,
            "households": 3,
            "persons": 9,
            "poor_households": 2,
            "poor_persons": 5,
            "rural_population": 250,
            "incidence_pct": 2.0,
        },
        # the 2023 row and the 2023 denominator do not count for 2024: no denominator → null incidence
        {
            "region_code": "520526002000",
            "region_name": "幺站镇",
            "year": 2024,
            "households": 1,
            "persons": 5,
            "poor_households": 1,
            "poor_persons": 5,
            "rural_population": None,
            "incidence_pct": None,
        },
        {
            "region_code": "520526003000",
            "region_name": "空镇",
            "year": 2024,
            "households": 0,
            "persons": 0,
            "poor_households": 0,
            "poor_persons": 0,
            "rural_population": None,
            "incidence_pct": None,
        },
    ]


def test_whole_tree_in_one_pass_equals_each_level_on_its_own():
    from fupin.engine.stats import counts_by_tree

    hy = pl.DataFrame(
        {
            "household_id": [1, 2, 3, 4],
            "village": ["520526001201", "520526001202", "520526002201", "520527001201"],
            "year": [2024] * 4,
            "status": ["poor", "exited_policy", "returned", "poor"],
            "size": [3, 4, 2, 5],
        }
    )
    regions = pl.DataFrame(
        {
            "code": [
                "520000000000",
                "520500000000",
                "520526000000",
                "520527000000",
                "520526001000",
                "520526002000",
                "520526001201",
                "520526001202",
            ],
            "name": ["贵州省", "毕节市", "威宁县", "赫章县", "草海镇", "幺站镇", "石板村", "新寨村"],
            "level": [1, 2, 3, 3, 4, 4, 5, 5],
        }
    )
    population = pl.DataFrame({"region_code": ["520526000000"], "year": [2024], "rural_population": [1000]})
    tree = counts_by_tree(hy, regions, population, year=2024)
    got = {
        r["region_code"]: (r["level"], r["households"], r["persons"], r["poor_persons"], r["incidence_pct"])
        for r in tree.iter_rows(named=True)
    }
    assert got == {
        "520000000000": (1, 4, 14, 10, None),
        "520500000000": (2, 4, 14, 10, None),
        "520526000000": (3, 3, 9, 5, 0.5),
        "520527000000": (3, 1, 5, 5, None),
        "520526001000": (4, 2, 7, 3, None),
        "520526002000": (4, 1, 2, 2, None),
        "520526001201": (5, 1, 3, 3, None),
        "520526001202": (5, 1, 4, 0, None),
    }
    for level in range(1, 6):  # the same as asking each level on its own
        one = counts_by_region(
            hy, regions.filter(pl.col("level") == level), population, year=2024, level=level
        )
        assert one.to_dicts() == tree.filter(pl.col("level") == level).drop("level").to_dicts()
