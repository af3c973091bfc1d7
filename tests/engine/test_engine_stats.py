import polars as pl

from fupin.engine.stats import counts_by_region


def test_counts_and_incidence_by_township_by_hand():
    hy = pl.DataFrame({
        "household_id": [1, 2, 3, 4, 5],
        "village": ["520526001201", "520526001201", "520526001202", "520526002201", "520526002201"],
        "year": [2024, 2024, 2024, 2024, 2023],
        "status": ["poor", "exited_policy", "returned", "poor", "poor"],
        "size": [3, 4, 2, 5, 9],
    })
    regions = pl.DataFrame({"code": ["520526001000", "520526002000", "520526003000"],
                            "name": ["草海镇", "幺站镇", "空镇"], "level": [4, 4, 4]})
    population = pl.DataFrame({"region_code": ["520526001000", "520526002000"], "year": [2024, 2023],
                               "rural_population": [250, 1000]})
    out = counts_by_region(hy, regions, population, year=2024, level=4)
    assert out.to_dicts() == [
        {"region_code": "520526001000", "region_name": "草海镇", "year": 2024, "households": 3, "persons": 9,
         "poor_households": 2, "poor_persons": 5, "rural_population": 250, "incidence_pct": 2.0},
        # the 2023 row and the 2023 denominator do not count for 2024: no denominator → null incidence
        {"region_code": "520526002000", "region_name": "幺站镇", "year": 2024, "households": 1, "persons": 5,
         "poor_households": 1, "poor_persons": 5, "rural_population": None, "incidence_pct": None},
        {"region_code": "520526003000", "region_name": "空镇", "year": 2024, "households": 0, "persons": 0,
         "poor_households": 0, "poor_persons": 0, "rural_population": None, "incidence_pct": None},
    ]
