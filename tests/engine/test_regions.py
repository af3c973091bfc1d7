"""Region levels of the 12-digit division codes, with the values written out."""

from fupin.engine import regions


def test_prefix_lengths_by_level():
    assert regions.LEVEL_PREFIX_LEN == {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
    assert regions.PREFIX_LENGTHS == (2, 4, 6, 9, 12)
    assert regions.PREFIX_LENGTHS_ZH == "2、4、6、9 或 12 位数字"
    assert regions.PREFIX_LENGTHS_EN == "2, 4, 6, 9 or 12 digits"


def test_ancestors_of_a_village_township_county_and_province():
    assert regions.ancestors("520526001201") == [
        "520000000000",
        "520500000000",
        "520526000000",
        "520526001000",
    ]
    assert regions.ancestors("520526001") == ["520000000000", "520500000000", "520526000000"]
    assert regions.ancestors("520526") == ["520000000000", "520500000000"]
    assert regions.ancestors("52") == []
    assert regions.ancestors("") == []
