"""Counts and amounts on the pages carry thousands separators in both languages ("1,200", "30,000.00");
years, region codes and household numbers do not, and the raw value stays in a data attribute."""

import re
from datetime import date

import pytest
from factories import household, region_tree, user

from fupin.reports.models import CountyExitInput

GROUPED_CODE = re.compile(r"5,205|520,526|2,024")  # a region code, household number or year with a comma


@pytest.fixture
def tree(db):
    return region_tree()


def _english(client) -> None:
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_household_list_groups_the_amount_not_the_household_number_or_year(client, tree, lang):
    hh = household(tree.village_a, "520526001201001", members=3, wage="90000")  # 30,000.00 a head
    client.force_login(user("county_approver", tree.county))
    if lang == "en":
        _english(client)
    body = client.get("/registry/", {"year": 2024}).content.decode()
    assert "30,000.00" in body and "30000.00" not in body
    assert f">{hh.household_no}</a>" in body  # the household number as it is
    assert re.search(r"<small class=\"muted\">[^<]*2024", body)  # the year in the heading, no comma
    assert not GROUPED_CODE.search(body)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_county_figures_group_counts_not_year_or_region_code(client, tree, lang):
    CountyExitInput.objects.create(
        county=tree.county,
        year=2024,
        exit_sample=1250,
        wrong_exit_found=3,
        missed_sample_population=20480,
        missed_found=2,
        survey_households=1200,
        survey_approving=1164,
    )
    client.force_login(user("county_approver", tree.county))
    if lang == "en":
        _english(client)
    body = client.get("/reports/county-inputs/").content.decode()
    assert 'data-value="1200">1,200<' in body and 'data-value="20480">20,480<' in body
    assert ">1,250<" in body and ">3<" in body
    assert ">2024<" in body and tree.county.code in body  # year and region code without separators
    assert not GROUPED_CODE.search(body)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_project_amounts_are_grouped_with_the_raw_value_kept(client, tree, lang):
    from fupin.funds import services

    op = user("village_operator", tree.village_a)
    p = services.create_project(
        op,
        services.ProjectData(
            name="石板村饮水巩固工程",
            project_type="water",
            region_code=tree.village_a.code,
            implementing_unit="县水务局",
            start_date=date(2024, 3, 1),
            deadline=date(2099, 1, 1),
            budget={"central": "1234567.5"},
        ),
    )
    services.transition(op, p, "submit")
    client.force_login(user("county_approver", tree.county))
    if lang == "en":
        _english(client)
    body = client.get("/funds/").content.decode()
    assert 'data-value="1234567.50">1,234,567.50<' in body and 'data-value="0.00">0.00<' in body
    body = client.get(f"/funds/{p.pk}/").content.decode()
    assert body.count(">1,234,567.50<") == 2  # the source line and the total
