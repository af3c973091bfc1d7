import io
import json
from datetime import date

import pypdf
import pytest
from funds_helpers import move
from openpyxl import load_workbook

from fupin.accounts.models import ExportLog
from fupin.funds import services
from fupin.funds.announcement import mask_name
from fupin.funds.models import Payment


def login(client, u):
    client.force_login(u)
    return client


def paid(approved, people, dead=False):
    p = move(approved, people["village"], "start")
    m = approved.households[0].members.first()
    if dead:
        m.death_date = date(2024, 4, 1)
        m.save()
    for _ in range(2):  # the same item twice → FA-3
        services.add_payment(
            people["village"],
            p,
            services.PaymentData(
                kind="household",
                id_number=m.id_number,
                payee_name="",
                item="产业奖补",
                amount="1000",
                paid_on=date(2024, 5, 1),
            ),
        )
    return p, m


def test_list_shows_projects_in_scope_only(client, approved, people):
    r = login(client, people["town"]).get("/funds/")
    assert r.status_code == 200 and "石板村肉牛养殖项目" in r.content.decode()
    client.logout()
    r = login(client, people["other"]).get("/funds/")
    assert "石板村肉牛养殖项目" not in r.content.decode()


def test_detail_outside_region_is_404(client, approved, people):
    assert login(client, people["other"]).get(f"/funds/{approved.pk}/").status_code == 404
    assert client.get(f"/funds/{approved.pk}/announcement.pdf").status_code == 404


def test_village_operator_cannot_approve_on_page(client, tree, people):
    from funds_helpers import make_project

    p = move(make_project(people["village"], tree.village_a), people["village"], "submit")
    p = move(p, people["county"], "library")
    login(client, people["village"])
    page = client.get(f"/funds/{p.pk}/").content.decode()
    assert 'value="approve"' not in page
    r = client.post(f"/funds/{p.pk}/action/", {"action": "approve"})
    assert r.status_code == 403
    client.logout()
    r = login(client, people["county"]).post(f"/funds/{p.pk}/action/", {"action": "approve", "note": "同意"})
    assert r.status_code == 302 and p.transitions.last().note == "同意"


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"),
    [
        ("en", "your role may not approve a project", "您的角色不能执行"),
        ("zh-hans", "您的角色不能执行“审批通过”", "your role may not"),
    ],
)
def test_a_refused_action_says_why_in_the_pages_language_only(client, tree, people, lang, shown, hidden):
    from funds_helpers import make_project

    p = move(make_project(people["village"], tree.village_a), people["village"], "submit")
    p = move(p, people["county"], "library")
    login(client, people["village"]).cookies["django_language"] = lang
    r = client.post(f"/funds/{p.pk}/action/", {"action": "approve"})
    assert r.status_code == 403
    assert shown in r.content.decode() and hidden not in r.content.decode()


def test_create_project_through_page(client, tree, people):
    login(client, people["village"])
    data = {
        "name": "新寨",
        "project_type": "water",
        "region_code": tree.village_a.code,
        "implementing_unit": "水务局",
        "start_date": "2024-03-01",
        "deadline": "2024-01-01",
        "budget_central": "1000",
    }
    r = client.post("/funds/new/", data)
    assert r.status_code == 400 and "完成期限早于开工日期" in r.content.decode()
    r = client.post("/funds/new/", data | {"deadline": "2024-09-01"})
    assert r.status_code == 302


def test_payment_on_closed_project_refused_on_page(client, approved, people):
    p, m = paid(approved, people)
    move(p, people["county"], "accept")
    r = login(client, people["village"]).post(
        f"/funds/{p.pk}/payments/",
        {"kind": "household", "id_number": m.id_number, "item": "x", "amount": "5", "paid_on": "2024-05-02"},
    )
    assert r.status_code == 400 and "不能再付款" in r.content.decode()
    assert Payment.objects.filter(project=p).count() == 2


def test_anomaly_page_and_excel_export_logged(client, approved, people):
    paid(approved, people, dead=True)
    login(client, people["county"])
    r = client.get("/funds/anomalies/")
    text = r.content.decode()
    assert r.status_code == 200 and "FA-2" in text and "FA-3" in text and "石板村" in text
    r = client.get("/funds/anomalies/?check=FA-2&format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "检查" and [x[0] for x in rows[1:]] == ["FA-2", "FA-2"]
    assert ExportLog.objects.get(kind="funds_anomalies").rows == 2


def test_payment_export_masks_id_numbers_for_auditor(client, approved, people):
    p, m = paid(approved, people)
    r = login(client, people["auditor"]).get(f"/funds/{p.pk}/payments.xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[1][6] == m.id_number[:6] + "********" + m.id_number[-4:]
    assert ExportLog.objects.get(kind="funds_payments").masked is True
    client.logout()
    r = login(client, people["county"]).get("/funds/?format=xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb["项目"]["B2"].value == "石板村肉牛养殖项目" and wb["资金拨付"]["G2"].value == m.id_number


def test_announcement_page_and_pdf(client, approved, people):
    login(client, people["auditor"])
    page = client.get(f"/funds/{approved.pk}/announcement/").content.decode()
    head = approved.households[0].head_name
    assert "100000.00" in page and mask_name(head) in page and head not in page
    assert approved.households[0].members.first().id_number not in page
    r = client.get(f"/funds/{approved.pk}/announcement.pdf")
    assert r["Content-Type"] == "application/pdf"
    text = "".join(pg.extract_text() for pg in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "石板村肉牛养殖项目" in text and "草海镇农业服务中心" in text


def test_mask_name():
    assert [mask_name(n) for n in ("张三丰", "张三", "欧阳娜娜", "")] == ["张*丰", "张*", "欧**娜", ""]


# ---- API


def bearer(u) -> dict:
    from fupin.accounts.auth import issue_token

    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(u, 'test')}"}


def test_api_lifecycle_permissions_and_scope(client, approved, people):
    url = f"/api/funds/projects/{approved.pk}/transitions"
    r = client.post(
        url, json.dumps({"action": "accept"}), content_type="application/json", **bearer(people["village"])
    )
    assert r.status_code == 403
    r = client.post(
        url, json.dumps({"action": "accept"}), content_type="application/json", **bearer(people["county"])
    )
    assert r.status_code == 422 and r.json()["detail"][0]["message"]["en"].startswith(
        "the project is approved"
    )
    r = client.get(f"/api/funds/projects/{approved.pk}", **bearer(people["other"]))
    assert r.status_code == 404
    r = client.get("/api/funds/projects", **bearer(people["county"]))
    assert [p["budget"] for p in r.json()] == [100000.0]


def test_api_payments_and_anomalies(client, approved, people):
    p, m = paid(approved, people, dead=True)
    r = client.get(f"/api/funds/projects/{p.pk}/payments", **bearer(people["auditor"]))
    assert r.json()[0]["id_number"].count("*") == 8
    r = client.get("/api/funds/anomalies", **bearer(people["county"]))
    assert sorted({x["check_id"] for x in r.json()}) == ["FA-2", "FA-3"]
    assert client.get("/api/funds/anomalies", **bearer(people["other"])).json() == []
    r = client.post(
        f"/api/funds/projects/{p.pk}/payments",
        json.dumps(
            {
                "kind": "household",
                "id_number": "123",
                "payee_name": "甲",
                "item": "x",
                "amount": 1,
                "paid_on": "2024-05-01",
            }
        ),
        content_type="application/json",
        **bearer(people["village"]),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "id_number"


# ---- CLI


def test_cli_anomalies_json_and_scope(approved, people, tmp_path, capsys):
    from fupin.cli import main

    paid(approved, people, dead=True)
    assert main(["funds", "anomalies", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert sorted(x["check_id"] for x in found) == ["FA-2", "FA-2", "FA-3", "FA-3"]
    assert main(["funds", "anomalies", "--format", "json", "--user", people["other"].username]) == 0
    assert json.loads(capsys.readouterr().out) == []
    out = tmp_path / "a.xlsx"
    assert (
        main(
            ["funds", "anomalies", "--format", "xlsx", "--out", str(out), "--user", people["county"].username]
        )
        == 0
    )
    assert load_workbook(out).active.max_row == 5
    assert [(x.user, x.kind) for x in ExportLog.objects.filter(channel="cli").order_by("pk")] == [
        (None, "funds_anomalies"),
        (people["other"], "funds_anomalies"),
        (people["county"], "funds_anomalies"),
    ]


# ---- a region outside the user's scope: refused (404, exit 1), never an empty list


def test_region_outside_the_scope_is_404_on_pages_and_api(client, approved, people, tree):
    outside = {"region": tree.village_a.code}
    login(client, people["other"])
    for url in ("/funds/", "/funds/anomalies/"):
        assert client.get(url, outside).status_code == 404
        assert client.get(url, {**outside, "format": "xlsx"}).status_code == 404
    client.logout()
    for url in ("/api/funds/projects", "/api/funds/anomalies", "/api/funds/projects.xlsx"):
        r = client.get(url, outside, **bearer(people["other"]))
        assert r.status_code == 404, url
    r = client.get("/api/funds/projects", {"region": "52x"}, **bearer(people["county"]))
    assert r.status_code == 422 and r.json()["detail"][0]["code"] == "region.malformed"
    assert not ExportLog.objects.exists()


def test_cli_anomalies_region_outside_the_scope_exits_1(approved, people, tree, capsys):
    from fupin.cli import main

    argv = ["funds", "anomalies", "--format", "json", "--region", tree.village_a.code]
    assert main([*argv, "--user", people["other"].username]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out == "" and "outside your scope" in captured.err and "不在您的管辖范围内" in captured.err
    )
    assert main([*argv, "--user", people["town"].username]) == 0
    assert not ExportLog.objects.filter(user=people["other"]).exists()


def test_malformed_region_on_pages_is_said_in_the_page_language(client, approved, people):
    login(client, people["county"])
    for url in ("/funds/", "/funds/anomalies/"):
        page = client.get(url, {"region": "52x"}, follow=True)
        assert page.status_code == 200 and "行政区划代码格式错误" in page.content.decode()
        assert client.get(url, {"region": "52x", "format": "xlsx"}).status_code == 302
    assert not ExportLog.objects.exists()


def test_anomaly_export_past_the_sheet_limit_keeps_every_row(client, approved, people, monkeypatch):
    """Rows past a sheet's limit go on in a continuation sheet (xlsxwriter dropped them without a word)."""
    from fupin.core import exports

    monkeypatch.setattr(exports, "SHEET_MAX_ROWS", 2)  # the header and one row
    paid(approved, people, dead=True)
    login(client, people["county"])
    wb = load_workbook(io.BytesIO(client.get("/funds/anomalies/?check=FA-2&format=xlsx").content))
    assert wb.sheetnames == ["资金疑点", "资金疑点 (2)"]
    assert [[r[0] for r in ws.iter_rows(values_only=True)] for ws in wb] == [
        ["检查", "FA-2"],
        ["检查", "FA-2"],
    ]
    assert ExportLog.objects.get(kind="funds_anomalies").rows == 2
