"""`fupin demo`: builds a fresh demo store with accounts and data; never wipes a store it did not make.

The end-to-end runs use a subprocess, because the store is chosen by the settings of the process
(FUPIN_HOME), and the test session's own database must stay as it is.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

from fupin.program import demo
from fupin.program.synthetic import synthetic_registry


def _run_demo(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FUPIN_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(FUPIN_HOME=str(home), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "fupin.cli", "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _query(db: Path, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo-home")
    result = _run_demo(home, "--households", "300", "--seed", "5", "--no-serve")
    return home, result


def test_demo_builds_the_county_and_prints_the_accounts(demo_home):
    home, result = demo_home
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "演示数据已就绪 / demo data ready" in out
    assert "户 / households: 300" in out
    for acc in demo.ACCOUNTS:
        assert acc.username in out and acc.password in out
    assert (home / "demo-store").read_text().strip() == str(home / "fupin.sqlite3")

    db = home / "fupin.sqlite3"
    expected = synthetic_registry(300, seed=5)
    assert _query(db, "SELECT count(*) FROM registry_household")[0][0] == 300
    assert _query(db, "SELECT count(*) FROM registry_member")[0][0] == expected.members.height
    assert _query(db, "SELECT count(*) FROM registry_householdyear")[0][0] == expected.households.height
    assert _query(db, "SELECT status FROM registry_importbatch") == [("done",)]
    # Villages under the real townships, about 30% poor; the county is poor; denominators loaded.
    villages = _query(
        db, "SELECT code, parent_id, is_poor, prefix FROM regions_region WHERE source = ?", demo.DEMO_SOURCE
    )
    assert len(villages) == expected.villages.height
    assert all(parent == code[:9] + "000" and prefix == code for code, parent, _, prefix in villages)
    assert 0.2 <= sum(p for _, _, p, _ in villages) / len(villages) <= 0.4
    assert _query(db, "SELECT is_poor FROM regions_region WHERE code = '520526000000'") == [(1,)]
    assert _query(db, "SELECT count(*) FROM regions_regionpopulation")[0][0] == expected.population.height
    # A household's yearly record carries the income the workbook gave.
    row = expected.households.row(0, named=True)
    stored = _query(
        db,
        "SELECT y.status, y.wage_income FROM registry_householdyear y JOIN registry_household h "
        "ON h.id = y.household_id WHERE h.household_no = ? AND y.year = ?",
        row["household_no"],
        int(row["year"]),
    )
    assert stored and float(stored[0][1]) == float(row["wage_income"])


def test_demo_villages_and_county_carry_poverty_status_and_exit_years(demo_home):
    home, result = demo_home
    assert result.returncode == 0, result.stderr
    rows = _query(
        home / "fupin.sqlite3",
        "SELECT is_poor, poverty_status, exit_year FROM regions_region WHERE source = ?",
        demo.DEMO_SOURCE,
    )
    assert {(bool(p), s) for p, s, _ in rows} == {(True, "poor_village"), (False, "non_poor_village")}
    poor_years = [y for p, _, y in rows if p]
    assert all(y is None or 2016 <= y <= 2020 for y in poor_years)
    assert sum(y is not None for y in poor_years) >= 0.8 * len(poor_years)  # most poor villages delisted
    assert all(y is None for p, _, y in rows if not p)
    [(status, year)] = _query(
        home / "fupin.sqlite3",
        "SELECT poverty_status, exit_year FROM regions_region WHERE code = '520526000000'",
    )
    assert status == "poor_county" and year in (2019, 2020)


def test_demo_accounts_have_their_roles_scopes_and_passwords(demo_home):
    home, result = demo_home
    assert result.returncode == 0, result.stderr
    db = home / "fupin.sqlite3"
    users = {
        u: (role, region, pw)
        for u, role, region, pw in _query(db, "SELECT username, role, region_id, password FROM accounts_user")
    }
    cadres = {u for u in users if u.startswith("cadre")}  # the assistance demo's cadre accounts
    assert set(users) - cadres == {a.username for a in demo.ACCOUNTS}
    assert cadres and {users[u][0] for u in cadres} == {"assistance_cadre"}
    roles = {users[a.username][0] for a in demo.ACCOUNTS}
    assert roles == {
        "system_admin",
        "county_approver",
        "township_reviewer",
        "village_operator",
        "assistance_cadre",
        "department_officer",
        "cppcc_member",
        "supervisor",
        "auditor",
    }
    for acc in demo.ACCOUNTS:
        role, region, hashed = users[acc.username]
        assert role == acc.role
        assert check_password(acc.password, hashed)
        assert not check_password("wrong-password-1", hashed)
        assert len(acc.password) >= 10
    assert users["demo_admin"][1] is None
    assert users["demo_county"][1] == "520526000000"
    village = users["demo_village"][1]
    assert users["demo_cadre"][1] == village and len(village) == 12
    assert users["demo_township"][1] == village[:9] + "000"
    in_village = _query(db, "SELECT count(*) FROM registry_household WHERE village_id = ?", village)[0][0]
    assert in_village > 0


def test_demo_passwords_pass_the_password_rules():
    from django.contrib.auth.password_validation import validate_password

    from fupin.accounts.models import User

    for acc in demo.ACCOUNTS:
        validate_password(acc.password, User(username=acc.username))  # raises if too weak


def test_demo_replaces_its_own_store_on_a_second_run(demo_home):
    home, first = demo_home
    assert first.returncode == 0, first.stderr
    result = _run_demo(home, "--households", "120", "--seed", "8", "--no-serve")
    assert result.returncode == 0, result.stderr
    db = home / "fupin.sqlite3"
    assert _query(db, "SELECT count(*) FROM registry_household")[0][0] == 120
    assert _query(db, "SELECT count(*) FROM accounts_user WHERE username NOT LIKE 'cadre%'")[0][0] == len(
        demo.ACCOUNTS
    )
    assert _query(db, "SELECT count(*) FROM registry_importbatch")[0][0] == 1


def test_demo_refuses_to_wipe_a_store_it_did_not_make(tmp_path):
    db = tmp_path / "fupin.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE registry_household (id integer primary key, household_no text)")
    con.execute("INSERT INTO registry_household (household_no) VALUES ('5205260012010001')")
    con.commit()
    con.close()
    before = db.read_bytes()

    result = _run_demo(tmp_path, "--households", "50", "--no-serve")
    assert result.returncode == 2
    assert "不是由演示创建" in result.stderr and "never overwrites real data" in result.stderr
    assert db.read_bytes() == before
    assert not (tmp_path / "demo-store").exists()


def test_demo_refuses_a_demo_store_that_real_data_was_imported_into(tmp_path):
    first = _run_demo(tmp_path, "--households", "60", "--seed", "3", "--no-serve")
    assert first.returncode == 0, first.stderr
    db = tmp_path / "fupin.sqlite3"
    con = sqlite3.connect(db)
    con.execute("UPDATE registry_importbatch SET filename = '本县建档立卡.xlsx'")  # as if a real import ran
    con.commit()
    con.close()
    result = _run_demo(tmp_path, "--households", "50", "--no-serve")
    assert result.returncode == 2 and "never overwrites real data" in result.stderr
    assert _query(db, "SELECT count(*) FROM registry_household")[0][0] == 60


def test_demo_refuses_a_marker_that_names_another_store(tmp_path):
    db = tmp_path / "fupin.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    (tmp_path / "demo-store").write_text("/somewhere/else/fupin.sqlite3\n")
    result = _run_demo(tmp_path, "--households", "50", "--no-serve")
    assert result.returncode == 2
    assert db.exists()


def test_demo_rejects_a_non_positive_household_count(tmp_path):
    result = _run_demo(tmp_path, "--households", "0", "--no-serve")
    assert result.returncode == 2
    assert "at least 1" in result.stderr
    assert not (tmp_path / "fupin.sqlite3").exists()


@pytest.mark.django_db
def test_with_a_database_url_only_an_empty_or_demo_database_is_used(monkeypatch):
    from fupin.regions.models import Region

    monkeypatch.setenv("FUPIN_DATABASE_URL", "postgres://example/fupin")  # the session database is used
    assert demo.store_state() == "foreign"  # migrated, not made by the demo
    with pytest.raises(demo.StoreRefused, match="never overwrites real data"):
        demo.prepare_store()
    Region.objects.create(
        code="520526001201",
        name="石板村",
        level=5,
        source=demo.DEMO_SOURCE,
        parent=Region.objects.get_or_create(code="520526001000", defaults={"name": "五里岗街道", "level": 4})[
            0
        ],
    )
    assert demo.store_state() == "demo"


def test_demo_has_an_evaluation_with_visits(demo_home):
    home, result = demo_home
    assert result.returncode == 0, result.stderr
    db = home / "fupin.sqlite3"
    assert _query(db, "SELECT count(*) FROM evaluation_evaluation")[0][0] == 1
    assert _query(db, "SELECT count(*) FROM evaluation_visit")[0][0] > 0
    assert "第三方评估 / evaluation #" in result.stdout
