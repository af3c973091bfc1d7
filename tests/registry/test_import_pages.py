"""The import upload page, the status page with its htmx progress partial, the report and the downloads."""

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from factories import id_number, user

from fupin.registry import jobs
from fupin.registry.models import Household, ImportBatch, Member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def run_imports_in_the_request(monkeypatch):
    """The test database transaction is invisible to another thread: run the job in the request instead."""
    monkeypatch.setattr(jobs, "start_import", lambda batch_id: jobs.run(batch_id))


def signed_in(client, account):
    client.force_login(account)
    return client


def workbook(write_xlsx, tmp_path, village_code: str, *, bad_id: bool = False, households: int = 1) -> bytes:
    hh, mm = [], []
    for i in range(households):
        no = f"{village_code}{i:04d}"
        hh.append(
            {
                "household_no": no,
                "year": "2024",
                "region_code": village_code,
                "status": "未脱贫",
                "household_type": "贫困户",
                "main_cause": "因病",
                "wage_income": "8,000",
            }
        )
        head = id_number(born=date(1970, 1, 1))
        if bad_id and i == 0:
            head = head[:-1] + ("0" if head[-1] != "0" else "1")
        mm.append(
            {"household_no": no, "name": f"户主{i}", "id_number": head, "sex": "男", "relation": "户主"}
        )
        mm.append(
            {
                "household_no": no,
                "name": f"配偶{i}",
                "id_number": id_number(born=date(1972, 1, 1), male=False),
                "sex": "女",
                "relation": "配偶",
            }
        )
    path = write_xlsx(tmp_path / "registry.xlsx", hh, mm)
    return path.read_bytes()


def upload(client, content: bytes, name: str = "台账.xlsx", **options):
    data = {"file": SimpleUploadedFile(name, content), **options}
    return client.post(reverse("registry:import_upload"), data)


def test_upload_runs_the_import_and_shows_the_report(client, tree, write_xlsx, tmp_path, settings):
    operator = user("village_operator", tree.village_a)
    client = signed_in(client, operator)
    response = upload(client, workbook(write_xlsx, tmp_path, tree.village_a.code, households=2), year="2024")

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_status", args=[batch.pk])
    assert (batch.user, batch.filename, batch.year, batch.skip_invalid) == (
        operator,
        "台账.xlsx",
        2024,
        False,
    )
    stored = Path(batch.path)
    assert stored.parent == Path(settings.MEDIA_ROOT) / "imports" and stored.suffix == ".xlsx"
    assert batch.status == "done"
    assert Household.objects.count() == 2 and Member.objects.count() == 4

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["counts"]["households_created"] == 2
    assert 'data-count="households_created">2<' in html
    assert 'data-count="members_created">4<' in html
    assert "导入完成" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling


def test_rejected_import_shows_problems_and_offers_the_errors_workbook(client, tree, write_xlsx, tmp_path):
    operator = user("village_operator", tree.village_a)
    client = signed_in(client, operator)
    upload(client, workbook(write_xlsx, tmp_path, tree.village_a.code, bad_id=True, households=2))
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert Household.objects.count() == 0

    html = client.get(reverse("registry:import_status", args=[batch.pk])).content.decode()
    assert "未保存任何数据" in html
    assert "证件号码校验位错误" in html
    assert '<td data-label="列">证件号码</td>' in html
    errors_url = reverse("registry:import_errors", args=[batch.pk])
    assert errors_url in html

    response = client.get(errors_url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "成员" in book.sheetnames and "问题" in book.sheetnames


def test_skip_invalid_saves_the_valid_households(client, tree, write_xlsx, tmp_path):
    client = signed_in(client, user("village_operator", tree.village_a))
    upload(
        client,
        workbook(write_xlsx, tmp_path, tree.village_a.code, bad_id=True, households=3),
        skip_invalid="on",
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.skip_invalid) == ("done", True)
    assert Household.objects.count() == 2
    html = client.get(reverse("registry:import_status", args=[batch.pk])).content.decode()
    assert 'data-count="households_rejected">1<' in html
    assert "1 户因有错误未保存" in html


def test_problem_messages_follow_the_active_language(client, tree, write_xlsx, tmp_path):
    client = signed_in(client, user("village_operator", tree.village_a))
    upload(client, workbook(write_xlsx, tmp_path, tree.village_a.code, bad_id=True))
    batch = ImportBatch.objects.get()
    client.cookies["django_language"] = "en"
    html = client.get(reverse("registry:import_status", args=[batch.pk])).content.decode()
    assert "the ID number&#x27;s check digit is wrong" in html
    assert "ID number</td>" in html


def test_a_user_sees_only_their_own_batches_and_an_admin_sees_all(client, tree, write_xlsx, tmp_path):
    owner = user("village_operator", tree.village_a)
    upload(signed_in(client, owner), workbook(write_xlsx, tmp_path, tree.village_a.code, bad_id=True))
    batch = ImportBatch.objects.get()
    status = reverse("registry:import_status", args=[batch.pk])
    errors = reverse("registry:import_errors", args=[batch.pk])

    client.force_login(user("township_reviewer", tree.town_a))
    assert client.get(status).status_code == 404
    assert client.get(errors).status_code == 404
    assert batch.filename not in client.get(reverse("registry:import_upload")).content.decode()

    client.force_login(user("supervisor", None))
    assert client.get(status).status_code == 403

    client.force_login(user("system_admin", None))
    assert client.get(status).status_code == 200
    assert client.get(errors).status_code == 200


def test_running_batch_polls_the_progress_partial_every_second(client, tree):
    operator = user("village_operator", tree.village_a)
    batch = ImportBatch.objects.create(
        user=operator, filename="big.xlsx", status="running", stage="validate", done_rows=250, total_rows=1000
    )
    client = signed_in(client, operator)
    url = reverse("registry:import_status", args=[batch.pk])
    html = client.get(url).content.decode()
    assert f'hx-get="{url}"' in html and 'hx-trigger="every 1s"' in html
    assert 'value="25"' in html and "250 / 1000 行" in html

    partial = client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="import-progress"')
    assert "<html" not in body
    assert "校验" in body

    ImportBatch.objects.filter(pk=batch.pk).update(
        status="done", done_rows=1000, report={"counts": {"households_created": 7}, "problems": []}
    )
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in body
    assert 'data-count="households_created">7<' in body


def test_upload_refuses_other_file_types(client, tree):
    client = signed_in(client, user("village_operator", tree.village_a))
    response = upload(client, b"a,b\n", name="data.csv")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_bad_file_is_reported(client, tree):
    client = signed_in(client, user("village_operator", tree.village_a))
    upload(client, b"not a workbook", name="broken.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.status in ("rejected", "failed")
    html = client.get(reverse("registry:import_status", args=[batch.pk])).content.decode()
    assert batch.report["message_zh"][:10] in html


def test_template_download_is_the_empty_workbook(client, tree):
    client = signed_in(client, user("village_operator", tree.village_a))
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:2] == ["户", "成员"]
    assert book["户"]["A1"].value == "户编号"


def test_progress_partial_shows_the_live_progress_of_a_batch_running_in_this_process(client, tree):
    """On SQLite the save's progress reaches the batch row only at commit: the page reads jobs.live."""
    operator = user("village_operator", tree.village_a)
    batch = ImportBatch.objects.create(
        user=operator, filename="big.xlsx", status="running", stage="validate", done_rows=0, total_rows=1000
    )
    client = signed_in(client, operator)
    url = reverse("registry:import_status", args=[batch.pk])
    with jobs._lock:
        jobs._live[batch.pk] = {"stage": "save", "done": 600, "total": 1000}
    try:
        body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    finally:
        with jobs._lock:
            jobs._live.pop(batch.pk, None)
    assert 'value="60"' in body and "600 / 1000 行" in body and "保存" in body
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()  # not running here: the row's figures
    assert 'value="0"' in body and "校验" in body


def test_imported_household_history_lists_its_members_and_yearly_record(client, tree, write_xlsx, tmp_path):
    operator = user("village_operator", tree.village_a)
    client = signed_in(client, operator)
    upload(client, workbook(write_xlsx, tmp_path, tree.village_a.code, households=1), year="2024")
    household = Household.objects.get()
    html = client.get(reverse("registry:household_detail", args=[household.household_no])).content.decode()
    history = html.split('id="changes"')[1]
    names = list(household.members.order_by("id").values_list("name", flat=True))
    assert len(names) == 2
    for name in names:
        assert f"<ins>{name} · " in history
    assert "户主" in history and "年度记录 2024" in history and "未脱贫" in history


def test_a_superuser_flag_is_no_role_another_users_import_is_404_as_on_the_api(client, tree):
    from factories import api_client

    owner = user("village_operator", tree.village_a, username="owner")
    other = user("village_operator", tree.village_a, username="other")
    other.is_superuser = True  # Django's flag gives no role: what a user may do is its role's
    other.save()
    batch = ImportBatch.objects.create(user=owner, filename="a.xlsx", status="done", stage="done")
    client.force_login(other)
    assert client.get(f"/registry/import/{batch.pk}/").status_code == 404
    assert api_client(other).get(f"/api/registry/imports/{batch.pk}").status_code == 404
