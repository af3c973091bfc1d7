"""`fupin quality`: count table, formats, Excel with masking, scope and read-only refusals, exit codes."""

import json
from datetime import date

import openpyxl
import pytest
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.cli import main
from fupin.policy.services import load_defaults
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    t = region_tree()
    load_defaults()
    for village, no in ((t.village_a, "A0001"), (t.village_b, "B0001")):
        hh = household(village, no)
        child = hh.members.order_by("id")[2]
        child.birth_date, child.labour = date(2016, 3, 1), "ordinary"
        child.save()
    Member.objects.filter(household__household_no="A0001", relation="spouse").update(
        id_number="52052619720302123"
    )
    return t


def test_table_prints_counts_per_rule_and_totals(setup, capsys):
    assert main(["quality", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "错误类型" in out and "错误条数" in out
    assert "DQ-C4" in out and "16岁以下劳动能力应为无劳动力" in out and "under 16 but labour" in out
    n = Finding.objects.count()
    assert f"合计 {n} 条 / {n} findings; 新增 {n} new" in out
    assert main(["quality", "--year", "2024"]) == 0  # re-run: nothing new
    assert "新增 0 new" in capsys.readouterr().out and Finding.objects.count() == n


def test_json_and_csv(setup, capsys, tmp_path):
    assert main(["quality", "--year", "2024", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    c4 = next(r for r in body["rules"] if r["rule_id"] == "DQ-C4")
    assert c4 == {
        "rule_id": "DQ-C4",
        "severity": "error",
        "message_zh": "16岁以下劳动能力应为无劳动力(2_01_011)",
        "message_en": "under 16 but labour ability is not 'no labour' (2_01_011)",
        "count": 2,
    }
    out = tmp_path / "q.csv"
    assert main(["quality", "--year", "2024", "--format", "csv", "--out", str(out)]) == 0
    assert "DQ-C4,error," in out.read_text(encoding="utf-8")


def test_xlsx_scoped_and_masked_for_the_user(setup, tmp_path):
    sup = user("supervisor", setup.town_a)
    op = user("village_operator", setup.village_a)
    main(["quality", "--year", "2024", "--user", op.username])  # fills village A's findings
    # the supervisor cannot run the rules (read-only) …
    assert main(["quality", "--year", "2024", "--user", sup.username]) == 1
    # … an operator exports village A only, with ID numbers (the role sees them)
    out = tmp_path / "q.xlsx"
    assert (
        main(["quality", "--year", "2024", "--format", "xlsx", "--out", str(out), "--user", op.username]) == 0
    )
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["问题清单"].iter_rows(values_only=True))
    head = rows[0]
    found = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert {r["户编号"] for r in found} == {"A0001"}
    assert next(r for r in found if r["规则编号"] == "DQ-A1")["证件号码"] == "52052619720302123"
    counts = {r[0]: r[4] for r in list(wb["错误条数"].iter_rows(values_only=True))[1:]}
    assert counts["DQ-C4"] == 1
    log = ExportLog.objects.get()
    assert (log.channel, log.user, log.masked) == ("cli", op, False)


def test_xlsx_masks_for_a_role_without_id_numbers(setup, tmp_path):
    main(["quality", "--year", "2024"])
    from fupin.quality import exports, selectors

    sup = user("supervisor", setup.county)
    out = tmp_path / "s.xlsx"
    exports.export_findings(
        sup, selectors.findings_for(sup, year=2024), filters={}, channel="cli", target=out
    )
    rows = list(openpyxl.load_workbook(out, read_only=True)["问题清单"].iter_rows(values_only=True))
    found = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert next(r for r in found if r["规则编号"] == "DQ-A1")["证件号码"] == "520526*******2123"


def test_out_of_scope_region_exits_1_usage_2(setup, capsys):
    op = user("village_operator", setup.village_a)
    assert main(["quality", "--year", "2024", "--region", setup.village_b.code, "--user", op.username]) == 1
    err = capsys.readouterr().err
    assert "不在您的管辖范围内" in err and "outside your scope" in err
    assert main(["quality", "--year", "2024", "--region", "52x"]) == 2
    assert main(["quality", "--year", "2024", "--format", "xlsx"]) == 2
    assert main(["quality", "--year", "2024", "--user", "nobody"]) == 2
    assert QualityRun.objects.count() == 0
    with pytest.raises(SystemExit) as e:
        main(["quality"])
    assert e.value.code == 2
