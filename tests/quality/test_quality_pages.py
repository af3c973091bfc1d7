"""The worklist pages: filters, counts, actions, run, export — scoped, read-only roles denied."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from factories import household, region_tree, user

from fupin.accounts.models import ExportLog
from fupin.policy.services import load_defaults
from fupin.quality import services
from fupin.quality.models import Finding, QualityRun
from fupin.registry.models import Member

pytestmark = pytest.mark.django_db
URL = "/quality/"


@pytest.fixture
def setup():
    t = region_tree()
    load_defaults()
    hh_a, hh_b = household(t.village_a, "A0001"), household(t.village_b, "B0001")
    for hh in (hh_a, hh_b):
        child = hh.members.order_by("id")[2]
        child.birth_date, child.labour = date(2016, 3, 1), "ordinary"
        child.save()
    # a broken ID number in A (wrong length): its value is the ID number itself
    Member.objects.filter(household=hh_a, relation="spouse").update(id_number="52052619720302123")
    services.run_quality(None, 2024)
    return {
        "tree": t,
        "op_a": user("village_operator", t.village_a),
        "hh_a": hh_a,
        "hh_b": hh_b,
        "c4_a": Finding.objects.get(rule_id="DQ-C4", household=hh_a),
        "c4_b": Finding.objects.get(rule_id="DQ-C4", household=hh_b),
    }


def test_worklist_shows_counts_and_own_findings_only(client, setup):
    client.force_login(setup["op_a"])
    page = client.get(URL, {"year": 2024})
    html = page.content.decode()
    assert page.status_code == 200
    assert "A0001" in html and "B0001" not in html
    assert reverse("registry:household_detail", args=["A0001"]) in html
    assert 'data-rule="DQ-C4"' in html and "16岁以下劳动能力应为无劳动力" in html
    assert f'data-finding="{setup["c4_a"].pk}"' in html and f'data-finding="{setup["c4_b"].pk}"' not in html
    # the count link filters by rule
    page = client.get(URL, {"year": 2024, "rule": "DQ-C4"})
    rows = page.content.decode().count("data-finding=")
    assert rows == 1 and page.context["page"].paginator.count == 1


def test_worklist_in_english_and_region_outside_scope_is_404(client, setup):
    client.force_login(setup["op_a"])
    client.cookies["django_language"] = "en"
    html = client.get(URL, {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "under 16 but labour ability is not" in html
    assert client.get(URL, {"year": 2024, "region": setup["tree"].village_b.code}).status_code == 404


def test_mark_explained_needs_a_note_then_works(client, setup):
    client.force_login(setup["op_a"])
    f = setup["c4_a"]
    back = client.post(
        reverse("quality:act"), {"ids": [f.pk], "action": "explained", "note": ""}, follow=True
    )
    assert "标记为已说明时必须填写说明" in back.content.decode()
    assert Finding.objects.get(pk=f.pk).status == "open"
    client.post(reverse("quality:act"), {"ids": [f.pk], "action": "explained", "note": "已入户核实"})
    f.refresh_from_db()
    assert (f.status, f.note, f.closed_by) == ("explained", "已入户核实", setup["op_a"])


def test_bulk_actions_fix_assign_reopen(client, setup):
    op = setup["op_a"]
    client.force_login(op)
    ids = list(Finding.objects.filter(household=setup["hh_a"]).values_list("id", flat=True))
    client.post(reverse("quality:act"), {"ids": ids, "action": "fixed"})
    assert set(Finding.objects.filter(id__in=ids).values_list("status", flat=True)) == {"fixed"}
    client.post(reverse("quality:act"), {"ids": ids, "action": "assign", "assignee": op.pk})
    assert set(Finding.objects.filter(id__in=ids).values_list("assignee", flat=True)) == {op.pk}
    assert client.get(URL, {"year": 2024, "assignee": "mine"}).context["page"].paginator.count == len(ids)
    client.post(reverse("quality:act"), {"ids": ids[:1], "action": "open"})
    assert (
        Finding.objects.get(pk=ids[0]).status == "open" and Finding.objects.get(pk=ids[0]).closed_at is None
    )


def test_operator_of_a_cannot_act_on_b(client, setup):
    client.force_login(setup["op_a"])
    r = client.post(reverse("quality:act"), {"ids": [setup["c4_b"].pk], "action": "fixed"})
    assert r.status_code == 404 and Finding.objects.get(pk=setup["c4_b"].pk).status == "open"


def test_run_from_the_page(client, setup):
    client.force_login(setup["op_a"])
    Member.objects.filter(pk=setup["c4_a"].member_id).update(labour="none")
    r = client.post(reverse("quality:run"), {"year": 2024}, follow=True)
    assert r.status_code == 200 and "已消除 1 条" in r.content.decode()  # Chinese by default
    run = QualityRun.objects.first()
    assert (run.user, run.region_code, run.resolved) == (setup["op_a"], setup["tree"].village_a.code, 1)
    assert Finding.objects.get(pk=setup["c4_a"].pk).status == "resolved"
    assert Finding.objects.get(pk=setup["c4_b"].pk).status == "open"


def test_read_only_roles_view_and_export_but_cannot_act(client, setup):
    for role in ("supervisor", "auditor", "department_officer"):
        client.force_login(user(role, setup["tree"].county))
        page = client.get(URL, {"year": 2024})
        assert (
            page.status_code == 200
            and "B0001" in page.content.decode()
            and 'id="act-form"' not in page.content.decode()
        )
        assert (
            client.post(reverse("quality:act"), {"ids": [setup["c4_a"].pk], "action": "fixed"}).status_code
            == 403
        )
        assert client.post(reverse("quality:run"), {"year": 2024}).status_code == 403
        assert client.get(reverse("quality:export"), {"year": 2024}).status_code == 200
    assert Finding.objects.get(pk=setup["c4_a"].pk).status == "open" and QualityRun.objects.count() == 1


def _sheet(content: bytes, name: str) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_export_is_scoped_masked_and_logged(client, setup):
    spouse = Member.objects.get(household=setup["hh_a"], relation="spouse")
    client.force_login(user("supervisor", setup["tree"].town_a))  # no sees_id_numbers
    r = client.get(reverse("quality:export"), {"year": 2024})
    rows = _sheet(r.content, "问题清单")
    assert {row["户编号"] for row in rows} == {"A0001"}
    a1 = next(row for row in rows if row["规则编号"] == "DQ-A1")
    assert a1["证件号码"] == "520526*******2123" and a1["值"] == "520526*******2123"
    assert all(spouse.id_number not in str(v) for row in rows for v in row.values())
    counts = {row["规则编号"]: row["错误条数"] for row in _sheet(r.content, "错误条数")}
    assert counts["DQ-C4"] == 1
    log = ExportLog.objects.get()
    assert (log.kind, log.channel, log.rows, log.masked, log.filters["year"]) == (
        "quality.findings.xlsx",
        "web",
        len(rows),
        True,
        2024,
    )
    # a village operator sees ID numbers, and only village A
    client.force_login(setup["op_a"])
    rows = _sheet(client.get(reverse("quality:export"), {"year": 2024}).content, "问题清单")
    assert {row["户编号"] for row in rows} == {"A0001"}
    assert next(row for row in rows if row["规则编号"] == "DQ-A1")["证件号码"] == spouse.id_number


def test_assistance_cadre_may_not_export(client, setup):
    client.force_login(user("assistance_cadre", setup["tree"].village_a))
    assert client.get(reverse("quality:export")).status_code == 403


def test_a_malformed_region_is_said_on_the_worklist_and_nothing_is_exported(client, setup):
    from fupin.accounts.models import ExportLog

    client.force_login(setup["op_a"])
    page = client.get(URL, {"year": 2024, "region": "52x"})
    assert page.status_code == 200 and "行政区划代码格式错误" in page.content.decode()
    assert page.context["page"].paginator.count == 0
    export = client.get(reverse("quality:export"), {"year": 2024, "region": "52x"})
    assert export.status_code == 302 and not ExportLog.objects.exists()
    outside = client.get(reverse("quality:export"), {"year": 2024, "region": setup["tree"].village_b.code})
    assert outside.status_code == 404 and not ExportLog.objects.exists()
