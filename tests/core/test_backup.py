"""`fupin backup OUT` / `fupin restore FILE`: every table comes back row for row; nothing is lost silently.

Transactional tests: a backup reads the store through the backup API (SQLite) or pg_dump, a separate
connection (PostgreSQL), which must see committed rows; and a restore replaces the whole database.
The suite runs this on whichever store it runs on (SQLite here, PostgreSQL again with FUPIN_DATABASE_URL).
"""

import json
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from factories import household, region_tree, user

from fupin.accounts.export_log import log_export
from fupin.accounts.models import ExportLog, User
from fupin.cli import main
from fupin.program.backup import PAYLOADS
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot() -> dict[str, list[str]]:
    """Every table of the database (introspection, not the models), its rows in a stable order; but the
    registry's version row, whose store token a restore draws anew (test_restore_never_serves_...)."""
    out = {}
    with connection.cursor() as c:
        for t in connection.introspection.table_names():
            if t == "registry_registryversion":
                continue
            c.execute(f"SELECT * FROM {connection.ops.quote_name(t)}")
            out[t] = sorted(repr(row) for row in c.fetchall())
    return out


def rewrite(src: Path, dst: Path, *, manifest=None, payload=None) -> Path:
    """A copy of a backup file with its manifest or its database member changed (a valid zip still)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "manifest.json" and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif info.filename != "manifest.json" and payload:
                data = payload(data)
            zout.writestr(info.filename, data)
    return dst


def safety_files() -> set[Path]:
    folder = Path(settings.FUPIN_HOME) / "backups"
    return set(folder.glob("*.zip")) if folder.exists() else set()


@pytest.fixture
def county():
    from fupin.policy.services import load_defaults

    load_defaults()
    t = region_tree()
    household(t.village_a, status="poor", members=3)
    household(t.village_b, status="returned", members=4)
    user("system_admin", None, "admin")
    user("supervisor", t.county, "reader")
    return t


@pytest.fixture
def backup_file(county, tmp_path, capsys) -> Path:
    out = tmp_path / "store.zip"
    assert main(["backup", str(out)]) == 0
    capsys.readouterr()
    return out


def test_every_table_comes_back_row_for_row(tmp_path, capsys):
    from fupin.program.demo import build_demo

    build_demo(40, seed=11)
    log_export(None, "registry.households", channel="web", rows=3, filters={"q": "草海镇", "year": 2024})
    before = snapshot()
    assert set(connection.introspection.django_table_names(include_views=False)) <= {
        *before,
        "registry_registryversion",
    }
    for table in (
        "registry_household",
        "registry_member",
        "registry_householdyear",
        "accounts_user",
        "accounts_exportlog",
        "funds_project",
        "assistance_cadre",
        "monitoring_alert",
        "quality_finding",
        "reports_run",
        "regions_region",
        "policy_parameter",
    ):
        assert before[table], f"{table} should hold rows for the test to mean something"

    out = tmp_path / "full.zip"
    assert main(["backup", str(out)]) == 0
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"] == {t: len(rows) for t, rows in before.items()} | {
        "registry_registryversion": 1
    }

    # The store changes after the backup: every household edited, one added, an account, the log emptied.
    Household.objects.update(head_name="改过 / changed", phone="")
    household(Household.objects.first().village, "added-after-the-backup", members=2)
    ExportLog.objects.all().delete()
    User.objects.create_user("after-backup", password="x" * 12, role="auditor")
    assert snapshot() != before

    capsys.readouterr()
    assert main(["restore", str(out), "--replace"]) == 0
    assert snapshot() == before
    printed = capsys.readouterr().out
    assert "registry_household" in printed and f"{len(before['registry_member']):,}" in printed


def test_restore_never_serves_a_registry_snapshot_of_the_store_before(backup_file, capsys):
    """The backup holds the registry at version v with the store's token; the store moves on and is
    restored: its registry is at v again, but the frames must be those of the backup, whichever snapshot of
    version v this store once held — the restore draws a new token."""
    from fupin.registry import snapshot as registry_snapshot
    from fupin.registry.selectors import registry_frames

    token = registry_snapshot.current()[0]
    at_backup = registry_frames()
    Household.objects.update(is_deleted=True)
    assert registry_frames()[0].is_empty()
    assert main(["restore", str(backup_file), "--replace"]) == 0
    assert registry_snapshot.current()[0] != token
    restored = registry_frames()
    assert restored[0].equals(at_backup[0]) and restored[1].equals(at_backup[1])


def test_backup_file_is_private_and_not_overwritten_without_force(backup_file, capsys):
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    first = backup_file.read_bytes()
    assert main(["backup", str(backup_file)]) == 2
    err = capsys.readouterr().err
    assert "文件已存在" in err and "--force" in err and "exists" in err
    assert backup_file.read_bytes() == first
    assert main(["backup", str(backup_file), "--force"]) == 0
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert not list(backup_file.parent.glob(".*"))  # no partial file or work folder left behind


def test_backup_is_recorded_in_the_export_log(county, tmp_path):
    out = tmp_path / "logged.zip"
    assert main(["backup", str(out), "--user", "admin"]) == 0
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    log = ExportLog.objects.get()
    assert (log.kind, log.channel, log.user.username, log.masked) == ("core.backup", "cli", "admin", False)
    assert log.rows == sum(manifest["tables"].values()) > 0
    assert log.filters["out"] == str(out)


def test_read_only_role_may_not_back_up_or_restore(backup_file, tmp_path, capsys):
    before = snapshot()
    assert main(["backup", str(tmp_path / "no.zip"), "--user", "reader"]) == 2
    err = capsys.readouterr().err
    assert "无权" in err and "may not back up" in err
    assert not (tmp_path / "no.zip").exists()
    assert main(["restore", str(backup_file), "--replace", "--user", "reader"]) == 2
    assert "无权" in capsys.readouterr().err
    assert snapshot() == before
    assert not ExportLog.objects.filter(user__username="reader").exists()


def test_store_with_data_is_refused_without_replace(backup_file, capsys):
    household(Household.objects.first().village, status="poor", members=2)
    before = snapshot()
    assert main(["restore", str(backup_file)]) == 1
    err = capsys.readouterr().err
    assert "已有数据" in err and "--replace" in err and "already holds data" in err
    assert snapshot() == before


def test_replace_backs_up_the_current_store_first(backup_file, capsys):
    extra = household(Household.objects.first().village, status="poor", members=2)
    existing = safety_files()
    assert main(["restore", str(backup_file), "--replace"]) == 0
    (safety,) = safety_files() - existing
    assert str(safety) in capsys.readouterr().out
    assert stat.S_IMODE(safety.stat().st_mode) == 0o600
    assert not Household.objects.filter(pk=extra.pk).exists()
    # the safety backup holds the store as it was: restoring it brings the household back
    assert main(["restore", str(safety), "--replace"]) == 0
    assert Household.objects.filter(pk=extra.pk).exists()


def test_empty_store_is_restored_without_replace(backup_file, capsys):
    call_command("flush", interactive=False, verbosity=0)
    existing = safety_files()
    assert main(["restore", str(backup_file)]) == 0
    assert safety_files() == existing
    assert Household.objects.count() == 2 and User.objects.filter(username="admin").exists()


@pytest.mark.parametrize("damage", ["truncated", "payload", "not_zip"])
def test_damaged_file_is_refused_and_the_store_is_unchanged(backup_file, tmp_path, capsys, damage):
    bad = tmp_path / "bad.zip"
    if damage == "truncated":
        bad.write_bytes(backup_file.read_bytes()[: backup_file.stat().st_size // 2])
    elif damage == "payload":  # a valid zip whose database no longer matches the manifest's SHA-256
        rewrite(backup_file, bad, payload=lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    else:
        bad.write_text("hello")
    before = snapshot()
    assert main(["restore", str(bad), "--replace"]) == 1
    err = capsys.readouterr().err
    assert "已损坏" in err and "damaged" in err and "nothing was changed" in err
    assert snapshot() == before


@pytest.mark.parametrize(
    ("edit", "zh", "en"),
    [
        (
            lambda m: {**m, "vendor": "postgresql" if m["vendor"] == "sqlite" else "sqlite"},
            "不能恢复",
            "cannot be restored",
        ),
        (
            lambda m: {**m, "migrations": [*m["migrations"], "registry.9999_from_the_future"]},
            "更新版本",
            "newer fupin",
        ),
        (lambda m: {**m, "format": "something-else"}, "不是 fupin 备份文件", "not a fupin backup"),
    ],
)
def test_backup_of_another_vendor_or_a_newer_version_is_refused(backup_file, tmp_path, capsys, edit, zh, en):
    bad = rewrite(backup_file, tmp_path / "other.zip", manifest=edit)
    before = snapshot()
    assert main(["restore", str(bad), "--replace"]) == 1
    err = capsys.readouterr().err
    assert zh in err and en in err
    assert snapshot() == before


def test_backup_of_an_older_version_is_migrated_forward(county, tmp_path, capsys):
    """A backup made before the funds app existed: restored, then its migrations run."""
    out = tmp_path / "old.zip"
    try:
        call_command("migrate", "funds", "zero", verbosity=0)
        assert main(["backup", str(out)]) == 0
        manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
        assert not any(m.startswith("funds.") for m in manifest["migrations"])
        assert "funds_project" not in manifest["tables"]
    finally:
        call_command("migrate", verbosity=0)
    assert main(["restore", str(out), "--replace"]) == 0
    assert "funds_project" in connection.introspection.table_names()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM django_migrations WHERE app = 'funds'")
        assert c.fetchone()[0] > 0
    assert Household.objects.count() == 2


def test_payload_matches_the_store_vendor(backup_file):
    names = zipfile.ZipFile(backup_file).namelist()
    assert sorted(names) == sorted(["manifest.json", PAYLOADS[connection.vendor]])


def test_broken_database_with_a_matching_checksum_fails_without_changing_the_store(
    backup_file, tmp_path, capsys
):
    """A database member cut in half, its manifest updated to match: the load fails, all or nothing."""
    import hashlib

    cut = {}

    def half(data: bytes) -> bytes:
        cut["data"] = data[: len(data) // 2]
        return cut["data"]

    rewrite(backup_file, tmp_path / "half.zip", payload=half)
    bad = rewrite(
        tmp_path / "half.zip",
        tmp_path / "bad.zip",
        manifest=lambda m: {**m, "size": len(cut["data"]), "sha256": hashlib.sha256(cut["data"]).hexdigest()},
    )
    household(Household.objects.first().village, "still-here", members=2)
    before = snapshot()
    assert main(["restore", str(bad), "--replace"]) == 1
    err = capsys.readouterr().err
    assert "恢复失败，当前数据未改变" in err and "the store is unchanged" in err
    assert snapshot() == before
