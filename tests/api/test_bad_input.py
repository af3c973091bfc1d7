"""Bad input the API once answered with 500: each now answers 4xx in the one error shape, zh and en."""

import pytest
from factories import api_client, household, region_tree, user


@pytest.fixture
def admin(db):
    tree = region_tree()
    household(tree.village_a)
    return api_client(user("system_admin", None))


def _problem(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.content
    item = resp.json()["detail"][0]
    assert item["message"]["zh"] and item["message"]["en"]
    if field is not None:
        assert item["field"] == field
    return item


@pytest.mark.parametrize(
    "url",
    [
        "/api/assistance/coverage?year=0",
        "/api/monitoring/cases-summary?year=0",
        "/api/monitoring/summary?year=0",
        "/api/monitoring/elimination?year=0",
        "/api/funds/projects?year=-60889",
    ],
)
def test_year_zero_is_422(admin, url):
    _problem(admin.get(url), 422, "year")


def test_negative_offset_is_422(admin):
    _problem(admin.get("/api/funds/projects?offset=-8268"), 422, "offset")


def test_negative_limit_is_422(admin):
    _problem(admin.get("/api/funds/projects?limit=-1"), 422, "limit")
    _problem(admin.get("/api/monitoring/cases?limit=-5"), 422, "limit")


def test_huge_page_is_422(admin):
    _problem(admin.get("/api/quality/findings?page=999999999999999999999"), 422, "page")


def test_key_beyond_bigint_is_422(admin):
    _problem(
        admin.patch(
            "/api/quality/findings/5973837208572770489166987264",
            {"status": "open"},
            content_type="application/json",
        ),
        422,
        "pk",
    )


def test_huge_year_in_body_is_422(admin):
    _problem(
        admin.post(
            "/api/monitoring/batch", {"year": 3247479815564677747834880}, content_type="application/json"
        ),
        422,
        "year",
    )


def test_negative_year_on_import_is_422(admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.registry.models import ImportBatch

    f = SimpleUploadedFile("x.xlsx", b"PK\x03\x04")
    _problem(admin.post("/api/registry/imports", {"file": f, "year": "-8547"}), 422, "year")
    assert not ImportBatch.objects.exists()


def test_report_run_schema_is_its_own(admin):
    """Two schemas named RunOut shared one OpenAPI component: the report run was checked against the
    quality run's (required "user")."""
    schemas = admin.get("/api/openapi.json").json()["components"]["schemas"]
    assert "ReportRunOut" in schemas and "user" not in schemas["ReportRunOut"]["properties"]
    assert "user" in schemas["RunOut"]["properties"]
    assert schemas["VillageRef"]["required"] == ["code", "name"]
    assert "level" in schemas["RegionRef"]["required"]


def test_multipart_without_boundary_is_400(admin):
    resp = admin.generic("POST", "/api/registry/imports", b"--x\r\n\r\n", content_type="multipart/form-data")
    assert _problem(resp, 400)["code"] == "bad_request"


def test_malformed_json_is_4xx(admin):
    resp = admin.generic("POST", "/api/monitoring/batch", b"{not json", content_type="application/json")
    _problem(resp, resp.status_code)
    assert 400 <= resp.status_code < 500


# A NUL character (U+0000) cannot be stored in PostgreSQL text and is never meaningful in fupin's data: it
# was a 500 on PostgreSQL wherever it reached a query (schemathesis found it in POST /api/monitoring/cases)
# and would have been stored as given on SQLite. It is refused before any view runs, on every way in.
NUL_REQUESTS = [
    ("post", "/api/monitoring/cases", {"kind": "poverty_type", "household_no": "52\x00", "year": 2024}),
    ("get", "/api/registry/households?q=%00", None),
    ("get", "/api/registry/households/52%0001", None),
    ("patch", "/api/quality/findings/1", {"status": "open", "note": {"nested": ["ok", "bad\x00"]}}),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_REQUESTS)
def test_nul_character_in_api_input_is_422_and_reaches_no_view(admin, method, url, body):
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    item = _problem(getattr(admin, method)(url, **kwargs), 422)
    assert item["code"] == "input.nul"
    assert "U+0000" in item["message"]["en"] and "空字符" in item["message"]["zh"]


def test_nul_character_in_a_page_form_or_query_is_400(admin, client):
    from fupin.accounts.models import User

    client.force_login(User.objects.get(role="system_admin"))
    for response in (
        client.get("/registry/?q=%00"),
        client.post(
            "/registry/new/",
            "household_no=x%00&head_name=a",
            content_type="application/x-www-form-urlencoded",
        ),
        client.get("/registry/h/52%0001/"),
    ):
        assert response.status_code == 400
        assert "空字符" in response.content.decode() and "U+0000" in response.content.decode()


def test_text_that_only_spells_nul_is_not_refused(admin):
    r = admin.get("/api/registry/households?q=%5Cu0000")  # the six characters \u0000, not U+0000
    assert r.status_code == 200, r.content


# A lone UTF-16 surrogate (U+D800–U+DFFF) is what the JSON escape "\ud800" decodes to; no UTF-8 encoder can
# send it, so the database driver raised (sqlite3 and psycopg alike) wherever one reached a query: a 500 in
# every JSON endpoint that stores or looks up text. Refused with the NUL character, before any view runs.
def _finding(hh, note: str):
    from django.utils import timezone

    from fupin.quality.models import Finding

    now = timezone.now()
    return Finding.objects.create(
        rule_id="R1",
        scope="household",
        household=hh,
        year=2024,
        severity="error",
        message_zh="x",
        message_en="x",
        note=note,
        first_seen_at=now,
        last_seen_at=now,
    )


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/monitoring/cases", {"kind": "poverty_type", "household_no": "52\ud800", "year": 2024}),
        ("patch", "/api/quality/findings/{finding}", {"note": "a\udfffb"}),
        ("post", "/api/registry/households/{household}/members", {"name": "张\ud83d"}),
        ("post", "/api/cppcc/topics", {"title": "t", "body": "b", "\udc80": 1}),  # in a key, too
    ],
)
def test_lone_surrogate_in_api_json_is_422_and_changes_nothing(db, method, url, body):
    from fupin.cppcc.models import Topic
    from fupin.monitoring.models import Case
    from fupin.registry.models import Member

    tree = region_tree()
    hh = household(tree.village_a)
    finding = _finding(hh, "kept")
    admin = api_client(user("system_admin", None))
    members = Member.objects.count()
    url = url.format(finding=finding.pk, household=hh.household_no)
    item = _problem(getattr(admin, method)(url, body, content_type="application/json"), 422)
    assert item["code"] == "input.surrogate"
    assert "U+D800" in item["message"]["en"] and "代理码位" in item["message"]["zh"]
    finding.refresh_from_db()
    assert finding.note == "kept" and Member.objects.count() == members
    assert not Case.objects.exists() and not Topic.objects.exists()


def test_a_surrogate_pair_is_one_character_and_is_kept(admin):
    """An emoji sent as the escaped pair "\\ud83d\\ude00" is one valid character (U+1F600), not refused."""
    from fupin.registry.models import Household

    r = admin.get("/api/registry/households?q=%F0%9F%98%80")
    assert r.status_code == 200, r.content
    finding = _finding(Household.objects.first(), "")
    r = admin.generic(
        "PATCH", f"/api/quality/findings/{finding.pk}", b'{"note": "ok \\ud83d\\ude00"}', "application/json"
    )
    assert r.status_code == 200, r.content
    finding.refresh_from_db()
    assert finding.note == "ok \U0001f600"


def test_assignee_beyond_bigint_matches_no_finding(admin):
    """`assignee` is a user id, "mine" or "none": an id no BIGINT can hold belongs to nobody (SQLite could not
    bind it: 500)."""
    from fupin.registry.models import Household

    _finding(Household.objects.first(), "")
    r = admin.get("/api/quality/findings?assignee=99999999999999999999")
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 0 and r.json()["items"] == []
    assert admin.get("/api/quality/findings").json()["count"] == 1
