"""A page's query parameter out of its range (?year=0, ?year=99999999999999999999, ?from=…) answers 400 with
the message in Chinese and English and reads or writes nothing. Each of these was a 500: `date(0, 1, 1)`
raised, SQLite cannot bind an integer past 64 bits, PostgreSQL and Polars refused one."""

import pytest
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog

HUGE = "99999999999999999999"


@pytest.fixture
def admin_client(db, client):
    tree = region_tree()
    household(tree.village_a)
    client.force_login(user("system_admin", None))
    return client


@pytest.mark.parametrize(
    "url",
    [
        f"/reports/?year={HUGE}",
        f"/reports/?from={HUGE}",
        f"/reports/?to={HUGE}",
        f"/reports/statistics.xlsx?year={HUGE}",
        f"/reports/statistics.xlsx?to={HUGE}",
        f"/reports/headline/?years={HUGE}",
        f"/overview/?year={HUGE}",
        f"/policy/?year={HUGE}",
        f"/funds/?year={HUGE}",
        "/funds/?year=-5",
        f"/assistance/coverage/?year={HUGE}",
        "/assistance/coverage/?year=0",
        f"/monitoring/?year={HUGE}",
        "/monitoring/?year=-5",
        "/monitoring/?year=0",
        "/monitoring/export.xlsx?year=0",
        f"/monitoring/export.xlsx?year={HUGE}",
    ],
)
def test_number_out_of_range_in_a_page_query_is_400_in_both_languages(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 400, response.content[:300]
    text = response.content.decode()
    assert "超出范围" in text and "is out of range" in text
    name = url.split("?")[1].split("=")[0]
    assert f"参数 {name} " in text and f"{name}=" in text
    assert not ExportLog.objects.exists()


def test_an_ordinary_year_and_a_word_still_work(admin_client):
    """A year in range shows that year; a value that is not a number is left out as before."""
    assert admin_client.get("/reports/?year=2024").status_code == 200
    assert admin_client.get("/monitoring/?year=abc").status_code == 200
    assert admin_client.get("/funds/?year=").status_code == 200
