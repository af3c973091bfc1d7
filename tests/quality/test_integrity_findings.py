"""The anti-"数字脱贫" checks (防数字脱贫, DQ-K) end to end: the store's exits, measures and payments through the
quality run into the worklist; its family filter on the page, API and CLI; who may work the findings."""

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from factories import api_client, household, region_tree, user

from fupin.assistance.services import load_catalogue, save_plan_measure
from fupin.cli import main
from fupin.funds import services as funds
from fupin.policy.services import load_defaults
from fupin.quality import selectors, services
from fupin.quality.errors import QualityInputError
from fupin.quality.models import Finding
from fupin.registry.models import Change, HouseholdYear, Member, Membership

pytestmark = pytest.mark.django_db
INTEGRITY = {"DQ-K1", "DQ-K2", "DQ-K3", "DQ-K4", "DQ-K5a", "DQ-K5b"}


def exited(village, no, *, wage_now: str, wage_before: str = "9000", exit_recorded: date | None = None):
    """A household of three, poor in 2023 and exited in 2024 (wages as given), its exit recorded on a day."""
    hh = household(village, no, year=2024, status="exited_policy", household_type="exited", wage=wage_now)
    HouseholdYear.objects.filter(household=hh, year=2024).update(exit_year=2024, main_cause="no_capital")
    before = Decimal(wage_before)
    HouseholdYear.objects.create(
        household=hh,
        year=2023,
        status="poor",
        household_type="poor",
        main_cause="no_capital",
        wage_income=before,
        size=3,
        net_income=before,
        net_income_per_capita=(before / 3).quantize(Decimal("0.01")),
    )
    if exit_recorded is not None:
        record = HouseholdYear.objects.get(household=hh, year=2024)
        change = Change.objects.create(
            action="update",
            entity="household_year",
            entity_id=str(record.pk),
            household=hh,
            before={"status": "poor"},
            after={"status": "exited_policy", "exit_year": 2024},
        )
        at = datetime.combine(exit_recorded, datetime.min.time()).replace(
            hour=10, tzinfo=ZoneInfo("Asia/Shanghai")
        )
        Change.objects.filter(pk=change.pk).update(at=at)  # the history stamps "now"
    return hh


def give_measure(hh, year=2024):
    from fupin.accounts.models import User

    county = User.objects.get(role="county_approver")
    return save_plan_measure(county, hh, year=year, measure_code=_measure_code(), status="done")


def _measure_code() -> str:
    from fupin.assistance.models import MeasureType

    return MeasureType.objects.filter(active_from__lte=2024).order_by("code").first().code


def payable_project(village, approver, operator):
    d = funds.ProjectData(
        name="石板村肉牛养殖项目",
        project_type="industry",
        region_code=village.code,
        implementing_unit="草海镇农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=date(2099, 12, 31),
        content="建设圈舍",
        poverty_link="入股分红",
        performance_targets="户均增收1000元",
        budget={"central": "80000"},
    )
    p = funds.create_project(operator, d)
    p = funds.transition(operator, p, "submit")
    p = funds.transition(approver, p, "library")
    return funds.transition(approver, p, "approve")


def pay(project, operator, member, on: date):
    return funds.add_payment(
        operator,
        project,
        funds.PaymentData(
            kind="household",
            payee_name=member.name,
            item="入股分红",
            amount="500",
            paid_on=on,
            id_number=member.id_number,
        ),
    )


@pytest.fixture
def world():
    t = region_tree()
    load_defaults()
    load_catalogue()
    people = {
        "county": user("county_approver", t.county),
        "op_a": user("village_operator", t.village_a),
        "op_b": user("village_operator", t.village_b),
        "supervisor": user("supervisor", t.county),
        "auditor": user("auditor", t.county),
        "auditor_b": user("auditor", t.town_b),
    }
    # just above the line (12,600 / 3 = 4,200 < 4,400) and no measure
    near = exited(t.village_a, "A0001", wage_now="12600")
    # a clean exit: well above the line, with a measure
    clean = exited(t.village_a, "A0002", wage_now="15000", wage_before="12000")
    give_measure(clean)
    # income jump with nobody working (9,000 → 24,000 for the household), a measure
    jump = exited(t.village_a, "A0003", wage_now="24000")
    give_measure(jump)
    # five exits of village A2 recorded in the last week of 2024, with measures
    batch = [
        exited(
            t.village_a2,
            f"A2{i:03d}",
            wage_now="15000",
            wage_before="12000",
            exit_recorded=date(2024, 12, 24 + i),
        )
        for i in range(5)
    ]
    for hh in batch:
        give_measure(hh)
    # payments: after a death, after leaving the household
    project = payable_project(t.village_a, people["county"], people["op_a"])
    dead = Member.objects.filter(household=clean, relation="spouse").get()
    dead.death_date = date(2024, 3, 1)
    dead.save()
    pay(project, people["op_a"], dead, date(2024, 6, 1))
    gone = Member.objects.filter(household=jump, relation="spouse").get()
    pay(project, people["op_a"], gone, date(2024, 7, 1))
    Membership.objects.filter(member=gone).update(end_date=date(2024, 4, 30), end_reason="move")
    Member.objects.filter(pk=gone.pk).update(household=None)
    return {
        "tree": t,
        **people,
        "near": near,
        "clean": clean,
        "jump": jump,
        "batch": batch,
        "dead": dead,
        "gone": gone,
    }


def integrity_findings():
    return set(
        Finding.objects.filter(rule_id__in=INTEGRITY).values_list(
            "rule_id", "household__household_no", "member_id"
        )
    )


def test_run_files_every_integrity_finding_under_its_household(world):
    run = services.run_quality(world["county"], 2024)
    expected = {
        ("DQ-K1", "A0001", None),
        ("DQ-K2", "A0001", None),
        ("DQ-K3", "A0003", None),
        *{("DQ-K4", f"A2{i:03d}", None) for i in range(5)},
        ("DQ-K5a", "A0002", world["dead"].pk),
        ("DQ-K5b", "A0003", world["gone"].pk),
    }
    assert integrity_findings() == expected
    assert run.counts["DQ-K4"] == 5 and run.counts["DQ-K1"] == 1
    k1 = Finding.objects.get(rule_id="DQ-K1")
    assert (k1.value, k1.severity, k1.scope) == ("4200 / 4000", "suspect", "household_year")
    assert "刚刚超过贫困线" in k1.message_zh and "just above the poverty line" in k1.message_en
    # 24,000 over the two members left at the year end (the spouse left in April)
    assert Finding.objects.get(rule_id="DQ-K3").value == "3000 → 12000"
    assert Finding.objects.get(rule_id="DQ-K4", household__household_no="A2000").value == "2024-12-24 ×5"
    assert Finding.objects.get(rule_id="DQ-K5a").value == "2024-06-01 †2024-03-01"
    assert Finding.objects.get(rule_id="DQ-K5b").value == "2024-07-01 ×1"
    names = {p["name"] for p in run.params}
    assert {"integrity_just_above_pct", "integrity_batch_min", "integrity_death_grace_days"} <= names


def test_a_measure_added_then_rerun_resolves_the_exit_without_one(world):
    services.run_quality(world["county"], 2024)
    give_measure(world["near"], 2023)
    run = services.run_quality(world["county"], 2024)
    k2 = Finding.objects.get(rule_id="DQ-K2")
    assert k2.status == "resolved" and run.resolved == 1 and run.created == 0


def test_a_regional_threshold_changes_the_findings(world):
    from fupin.policy.services import save_parameter

    save_parameter(
        world["county"],
        name="integrity_batch_min",
        region_code=world["tree"].county.code,
        year_from=2014,
        year_to=None,
        value=6,
        source="县定",
        reason="本县六户以上为批量",
    )
    services.run_quality(world["county"], 2024)
    assert not Finding.objects.filter(rule_id="DQ-K4").exists()


def test_family_filter_and_scope(world):
    services.run_quality(world["county"], 2024)
    county = world["county"]
    integrity = selectors.findings_for(county, year=2024, family="integrity")
    assert set(integrity.values_list("rule_id", flat=True)) == INTEGRITY
    quality = selectors.findings_for(county, year=2024, family="quality")
    assert quality.exists() and not quality.filter(rule_id__in=INTEGRITY).exists()
    assert not selectors.findings_for(world["op_b"], family="integrity").exists()  # village B: none
    with pytest.raises(Http404):
        selectors.findings_for(world["op_b"], region=world["tree"].village_a.code, family="integrity")
    with pytest.raises(QualityInputError) as e:
        selectors.findings_for(county, family="fraud")
    assert e.value.code == "quality.family" and "规则类别" in e.value.zh


def test_integrity_findings_are_worked_by_supervisors_and_auditors_not_the_village(world):
    services.run_quality(world["county"], 2024)
    k1 = Finding.objects.get(rule_id="DQ-K1")
    with pytest.raises(PermissionDenied):
        services.set_status(world["op_a"], [k1.pk], "explained", "收入已核实")
    assert Finding.objects.get(pk=k1.pk).status == "open"
    services.set_status(world["supervisor"], [k1.pk], "explained", "入户核实，收入属实")
    k1.refresh_from_db()
    assert (k1.status, k1.closed_by, k1.note) == ("explained", world["supervisor"], "入户核实，收入属实")
    # the supervisor may not work the data-quality findings
    other = Finding.objects.exclude(rule_id__in=INTEGRITY).filter(household=world["near"]).first()
    with pytest.raises(PermissionDenied):
        services.set_status(world["supervisor"], [other.pk], "fixed")
    # assigned only to those who work them, inside the region
    k2 = Finding.objects.get(rule_id="DQ-K2")
    with pytest.raises(QualityInputError) as e:
        services.assign(world["county"], [k2.pk], world["op_a"].pk)
    assert e.value.code == "quality.assignee_integrity"
    with pytest.raises(QualityInputError):
        services.assign(world["county"], [k2.pk], world["auditor_b"].pk)  # town B: not A's findings
    services.assign(world["county"], [k2.pk], world["auditor"].pk)
    assert Finding.objects.get(pk=k2.pk).assignee == world["auditor"]
    with pytest.raises(PermissionDenied):
        services.run_quality(world["supervisor"], 2024)  # running the rules stays with the writers


def test_api_family_filter_and_denials(world):
    services.run_quality(world["county"], 2024)
    auditor = api_client(world["auditor"])
    r = auditor.get("/api/quality/findings", {"year": 2024, "family": "integrity"})
    assert r.status_code == 200
    body = r.json()
    assert {i["rule_id"] for i in body["items"]} == INTEGRITY and body["count"] == 10
    assert {i["family"] for i in body["items"]} == {"integrity"}
    summary = auditor.get("/api/quality/summary", {"year": 2024, "family": "integrity"}).json()
    assert summary["total"] == 10 and summary["family"] == "integrity"
    bad = auditor.get("/api/quality/findings", {"family": "fraud"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["code"] == "quality.family"
    k1 = Finding.objects.get(rule_id="DQ-K1")
    r = api_client(world["op_a"]).patch(
        f"/api/quality/findings/{k1.pk}",
        {"status": "explained", "note": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403 and Finding.objects.get(pk=k1.pk).status == "open"
    r = auditor.patch(
        f"/api/quality/findings/{k1.pk}",
        {"status": "explained", "note": "核实属实"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "explained"
    outside = api_client(world["op_b"]).get(f"/api/quality/findings/{k1.pk}")
    assert outside.status_code == 404


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_page_family_section_and_denial(world, client, lang):
    services.run_quality(world["county"], 2024)
    client.cookies["django_language"] = lang
    client.force_login(world["supervisor"])
    r = client.get(reverse("quality:worklist"), {"year": 2024, "family": "integrity"})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="integrity-note"' in html and 'id="act-form"' in html
    assert 'data-rule="DQ-K1"' in html and "DQ-C" not in html  # the family's counts and rule choices
    assert ("防数字脱贫" in html) if lang == "zh-hans" else ("Anti-paper-exit checks" in html)
    # all rules: the supervisor sees them but acts on none; a link leads to the integrity list
    r = client.get(reverse("quality:worklist"), {"year": 2024})
    assert 'id="act-form"' not in r.content.decode() and 'id="integrity-hint"' in r.content.decode()
    # the village operator may not act on them
    client.force_login(world["op_a"])
    k1 = Finding.objects.get(rule_id="DQ-K1")
    r = client.post(reverse("quality:act"), {"ids": [k1.pk], "action": "explained", "note": "x"})
    assert r.status_code == 403 and Finding.objects.get(pk=k1.pk).status == "open"
    client.force_login(world["supervisor"])
    r = client.post(reverse("quality:act"), {"ids": [k1.pk], "action": "explained", "note": "入户核实"})
    assert r.status_code == 302 and Finding.objects.get(pk=k1.pk).status == "explained"


def test_cli_family_option_and_refusal(world, capsys):
    assert main(["quality", "--year", "2024", "--family", "integrity", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["family"] == "integrity"
    assert {r["rule_id"]: r["count"] for r in body["rules"]} == {
        "DQ-K1": 1,
        "DQ-K2": 1,
        "DQ-K3": 1,
        "DQ-K4": 5,
        "DQ-K5a": 1,
        "DQ-K5b": 1,
    }
    assert main(["quality", "--year", "2024", "--family", "integrity"]) == 0
    out = capsys.readouterr().out
    assert "防数字脱贫" in out and "DQ-K4" in out and "DQ-C" not in out and "本类 10 条" in out
    assert (
        main(["quality", "--year", "2024", "--family", "integrity", "--user", world["supervisor"].username])
        == 1
    )
    assert "不能处理" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["quality", "--year", "2024", "--family", "fraud"])


def test_export_of_the_integrity_list_is_scoped_and_logged(world, client):
    import io

    import openpyxl

    from fupin.accounts.models import ExportLog

    services.run_quality(world["county"], 2024)
    client.force_login(world["auditor"])
    r = client.get(reverse("quality:export"), {"year": 2024, "family": "integrity"})
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["问题清单"]
    headers = [c.value for c in sheet[1]]
    rule_col = next(i for i, h in enumerate(headers) if "规则" in str(h))
    rules = {row[rule_col] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rules == INTEGRITY
    log = ExportLog.objects.get(kind="quality.findings.xlsx")
    assert log.filters["family"] == "integrity" and log.rows == 10 and log.masked
