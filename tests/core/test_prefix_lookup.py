"""`startswith` (every region scope) matches the same rows on SQLite and PostgreSQL — literally and
case-sensitively — and on SQLite it is answered from the column's index, not by reading every row."""

import pytest
from django.db import connection
from factories import region, region_tree

from fupin.regions.models import Region

pytestmark = pytest.mark.django_db


def test_prefix_matches_literally_and_case_sensitively():
    t = region_tree()
    for code, name in [
        ("520526001203", "a*b村"),
        ("520526001204", "a?b村"),
        ("520526001205", "a[b]村"),
        ("520526001206", "a%b村"),
        ("520526001207", "a_b村"),
        ("520526001208", "Abc村"),
        ("520526001209", "axb村"),
    ]:
        region(code, name, 5, t.town_a)

    def names(prefix: str) -> list[str]:
        return sorted(Region.objects.filter(name__startswith=prefix).values_list("name", flat=True))

    assert names("a*") == ["a*b村"]
    assert names("a?") == ["a?b村"]
    assert names("a[") == ["a[b]村"]
    assert names("a%") == ["a%b村"]
    assert names("a_") == ["a_b村"]
    assert names("A") == ["Abc村"]  # SQLite's LIKE matched "a…" too
    assert set(Region.objects.filter(code__startswith="520526001").values_list("code", flat=True)) == {
        t.town_a.code,
        t.village_a.code,
        t.village_a2.code,
        *(f"52052600120{i}" for i in range(3, 10)),
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_sqlite_reads_a_range_of_the_index():
    region_tree()
    sql, params = Region.objects.filter(prefix__startswith="5205").values("code").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(row[3] for row in cur.fetchall())
    assert "SEARCH" in plan and "prefix>? AND prefix<?" in plan
