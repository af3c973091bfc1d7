"""The statistics workbook of any region: empty cells where a figure cannot be computed, never a 500."""

import io

import openpyxl
import pytest
from django.urls import reverse
from factories import region, user

from fupin.registry.models import HouseholdYear


@pytest.fixture
def boss(county):
    return user("county_approver", county.county, username="boss")


def _cells(content: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize("which", ["village_a", "village_a2", "village_b", "town_b", "county"])
def test_statistics_export_for_every_region(client, county, boss, which):
    client.force_login(boss)
    r = client.get(
        reverse("reports:statistics_export"), {"year": 2024, "region": getattr(county, which).code}
    )
    assert r.status_code == 200
    for c in _cells(r.content):
        assert c.data_type != "e" and c.value not in ("nan", "NaN", "inf")


def test_statistics_export_for_village_without_denominator_or_persons(client, county, boss):
    empty = region("520526002202", "空村", 5, county.town_b)
    client.force_login(boss)
    r = client.get(reverse("reports:statistics_export"), {"year": 2024, "region": empty.code})
    assert r.status_code == 200
    HouseholdYear.objects.filter(household=county.h4).update(size=0)
    r = client.get(reverse("reports:statistics_export"), {"year": 2024, "region": county.village_b.code})
    assert r.status_code == 200
    assert all(c.data_type != "e" for c in _cells(r.content))
