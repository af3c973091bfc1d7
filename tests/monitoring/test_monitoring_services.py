"""The registry batch and department lists stored as alerts: values, no duplicates, scope, CLI."""

import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from factories import household, id_number, region_tree, user

from fupin.accounts.scope import OutOfScope
from fupin.cli import main
from fupin.monitoring import services
from fupin.monitoring.models import Alert, DepartmentImport
from fupin.policy.models import Parameter
from fupin.registry.models import HouseholdYear, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    t = region_tree()
    services.ensure_parameters()
    Parameter.objects.create(
        name="monitoring_line", region_code="", year_from=2021, value=Decimal(6000), is_default=True
    )
    return t


def _year(hh, year=2024, **kw):
    return HouseholdYear.objects.filter(household=hh, year=year).update(**kw)


def test_batch_creates_alerts_with_evidence_and_never_duplicates(tree):
    low = household(tree.village_a, members=3, wage="9000")  # 3,000 per person
    household(tree.village_b, members=2, wage="30000")
    report = services.run_batch(None, 2024)
    assert report.households == 2 and report.new == 1
    a = Alert.objects.get()
    assert (a.household_id, a.signal, a.region_id, a.channel, a.year) == (
        low.pk,
        "MON-INCOME",
        tree.village_a.code,
        "registry",
        2024,
    )
    assert a.evidence == {"value": 3000.0, "threshold": 6000.0}
    a.status = "checking"
    a.save()
    _year(low, wage_income=Decimal(6000))
    again = services.run_batch(None, 2024)
    assert (again.new, again.existing) == (0, 1)
    a.refresh_from_db()
    assert Alert.objects.count() == 1 and a.status == "checking" and a.evidence["value"] == 2000.0


def test_batch_is_limited_to_the_users_scope(tree):
    household(tree.village_a, wage="100")
    household(tree.village_b, wage="100")
    op = user("village_operator", tree.village_a)
    services.run_batch(op, 2024)
    assert set(Alert.objects.values_list("region_id", flat=True)) == {tree.village_a.code}
    with pytest.raises(OutOfScope):  # a 404, like a missing region
        services.run_batch(op, 2024, tree.village_b.code)
    with pytest.raises(PermissionDenied):
        services.run_batch(user("supervisor", tree.county), 2024)


def test_monitor_cli_prints_counts_and_json(tree, capsys):
    household(tree.village_a, members=2, wage="100")
    assert main(["monitor", "--year", "2024", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "signal_id": "MON-INCOME",
            "label_zh": "人均纯收入低于监测线",
            "label_en": "per-capita net income below the monitoring line",
            "households": 1,
            "new": 1,
        }
    ]
    assert main(["monitor", "--year", "2024"]) == 0
    err = capsys.readouterr().err
    assert "1 户 households" in err and "新增预警 0 new alerts" in err


def test_monitor_cli_denies_out_of_scope_region(tree, capsys):
    user("village_operator", tree.village_a, username="op")
    assert main(["monitor", "--year", "2024", "--region", tree.village_b.code, "--user", "op"]) == 1
    assert "outside your scope" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ departments
def _write(path, rows, header=("姓名", "身份证号码", "累计自付费用")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年5月 医保自付费用推送"])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def _typed_as_number() -> int:
    """An ID whose 15-digit Excel form fails the check digit (as almost all do)."""
    for seq in range(1, 50):
        full = id_number("520526", date(1985, 1, 1), seq=seq)
        if full[17] != "X" and _check(full[:15] + "00") != "0":
            return int(full)
    raise AssertionError


def _check(body: str) -> str:
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(a) * b for a, b in zip(body, w, strict=True)) % 11]


def test_department_import_matches_reports_and_never_duplicates(tree, tmp_path, capsys):
    hh = household(tree.village_a, wage="90000")
    other = household(tree.village_b, wage="90000")
    _year(other, household_type="ordinary")
    m = Member.objects.filter(household=hh).order_by("id").first()
    o = Member.objects.filter(household=other).order_by("id").first()
    stranger = id_number("520526", date(1990, 1, 1))
    f = _write(
        tmp_path / "yb.xlsx",
        [
            (m.name, m.id_number, "6,000"),  # registered poor household: ≥ 5,000 → alert
            (o.name, o.id_number, "6000"),  # ordinary household: < 20,000 → no alert
            ("某人", stranger, "30000"),  # not in the registry
            (m.name, m.id_number, "7000"),  # the same person again
            ("某某", _typed_as_number(), "7000"),  # typed as a number: Excel kept 15 digits
        ],
    )
    assert main(["import", "department", str(f), "--source", "medical_insurance", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "第5行 row 5" in out and "不在" not in out.split("第5行")[0]
    assert "第6行 row 6" in out and "same person" in out
    assert "第7行 row 7" in out and "stored as a number" in out
    batch = DepartmentImport.objects.get()
    assert batch.rows == 5 and batch.alerts_new == 1
    assert batch.counts == {
        "below_threshold": 1,
        "duplicate": 1,
        "id.as_number": 1,
        "not_in_registry": 1,
        "signal": 1,
    }
    a = Alert.objects.get()
    assert (a.member_id, a.household_id, a.signal, a.channel, a.source) == (
        m.pk,
        hh.pk,
        "DEPT-medical_insurance",
        "department",
        "medical_insurance",
    )
    assert a.evidence["amount"] == 6000.0 and a.evidence["threshold"] == 5000.0 and a.evidence["row"] == 3
    wb = openpyxl.load_workbook(batch.unmatched_file)
    rows = list(wb.active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [5, 6, 7] and rows[1][4] == "not_in_registry"
    # the same list again: no second alert
    assert main(["import", "department", str(f), "--source", "medical_insurance", "--year", "2024"]) == 0
    assert Alert.objects.count() == 1
    assert DepartmentImport.objects.order_by("-id").first().alerts_existing == 1


def test_department_import_scope_hides_other_villages(tree, tmp_path):
    hh = household(tree.village_b, wage="90000")
    m = Member.objects.filter(household=hh).first()
    f = _write(tmp_path / "mz.xlsx", [(m.name, m.id_number)], header=("姓名", "证件号码"))
    op = user("village_operator", tree.village_a)
    batch = services.import_department(op, f, source="civil_affairs", year=2024)
    assert batch.counts == {"not_in_registry": 1} and Alert.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.import_department(user("supervisor", tree.county), f, source="civil_affairs", year=2024)
    officer = user("department_officer", tree.county)
    assert services.import_department(officer, f, source="civil_affairs", year=2024).alerts_new == 1


def test_department_import_missing_column_is_rejected(tree, tmp_path, capsys):
    f = _write(tmp_path / "bad.xlsx", [("张三", "x")], header=("姓名", "身份证号码"))
    assert main(["import", "department", str(f), "--source", "medical_insurance"]) == 1
    assert "missing required columns" in capsys.readouterr().err
    assert main(["import", "department", str(tmp_path / "none.xlsx"), "--source", "education"]) == 2
    assert main(["import", "department", str(f), "--source", "nope"]) == 2


def test_monitor_cli_writes_xlsx(tree, tmp_path):
    household(tree.village_a, members=2, wage="100")
    out = tmp_path / "m.xlsx"
    assert main(["monitor", "--year", "2024", "--format", "xlsx", "--out", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("signal_id", "label_zh") and rows[1][0] == "MON-INCOME" and rows[1][3] == 1


def test_unmatched_rows_past_the_sheet_limit_go_on_in_continuation_sheets(tree, tmp_path, monkeypatch):
    """xlsxwriter drops rows past Excel's limit without a word: the list of unmatched rows goes on."""
    from fupin.core import exports

    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    strangers = [("某人", id_number("520526", date(1990, 1, 1), seq=s), "30000") for s in (1, 2, 3)]
    f = _write(tmp_path / "yb.xlsx", strangers)
    batch = services.import_department(user("county_approver", tree.county), f, source="medical_insurance")
    wb = openpyxl.load_workbook(batch.unmatched_file)
    assert wb.sheetnames == [services.UNMATCHED_SHEET] + [f"{services.UNMATCHED_SHEET} ({k})" for k in (2, 3)]
    assert [[r[0] for r in ws.iter_rows(values_only=True)] for ws in wb] == [
        ["行号 Row", n] for n in (3, 4, 5)
    ]


def test_masked_unmatched_download_keeps_the_rows_of_every_continuation_sheet(tree, tmp_path, monkeypatch):
    """A role that may not see ID numbers gets the list rewritten with them masked: it read the first
    sheet only."""
    from fupin.core import exports

    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    ids = [id_number("520526", date(1990, 1, 1), seq=s) for s in (1, 2, 3)]
    f = _write(tmp_path / "yb.xlsx", [("某人", i, "30000") for i in ids])
    officer = user("department_officer", tree.county)
    batch = services.import_department(officer, f, source="medical_insurance", year=2024)
    wb = openpyxl.load_workbook(io.BytesIO(services.unmatched_download(officer, batch)))
    rows = [r for ws in wb for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows] == ["3", "4", "5"]
    assert [r[1] for r in rows] == [i[:6] + "********" + i[-4:] for i in ids]
