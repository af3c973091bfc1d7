"""Arguments the command line once answered with a traceback: a year out of range (`date(0, 1, 1)` raised,
SQLite could not bind 99999999999999999999) and text that no database can take — a NUL, or the lone
surrogate Python makes of a byte that is not UTF-8 in an argument (`--user $'\\xff'`). Each is now a usage
error (exit 2) in Chinese and English, and nothing is written."""

import pytest
from factories import household, region_tree, user

from fupin.cli import main
from fupin.monitoring.models import Alert

HUGE = "99999999999999999999"


@pytest.fixture
def store(db):
    tree = region_tree()
    household(tree.village_a)
    user("system_admin", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["stats", "--year", HUGE],
        ["assistance", "coverage", "--year", "0"],
        ["assistance", "coverage", "--year", "-5"],
        ["assistance", "coverage", "--year", HUGE],
        ["cppcc", "indicators", "--year", "10000"],
        ["cppcc", "indicators", "--year", HUGE],
        ["monitor", "--year", HUGE, "--user", "system_admin-all"],
        ["headline", "--year", "0"],
    ],
)
def test_year_out_of_range_is_a_usage_error(store, capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert (
        "年度应为 1949 至 2100 之间的整数" in err
        and "the year must be a whole number from 1949 to 2100" in err
    )
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["stats", "--year", "2024", "--user", "adm\udcff"], "代理码位"),
        (["stats", "--year", "2024", "--user", "adm\x00"], "空字符"),
        (["monitor", "--year", "2024", "--user", "\udcffadmin"], "代理码位"),
    ],
)
def test_unstorable_text_in_an_argument_is_a_usage_error(store, capsys, argv, zh):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "user: " in err and zh in err and "cannot be stored or searched" in err
    assert not Alert.objects.exists()
