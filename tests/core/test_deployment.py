"""Deployment defaults: host names, HTTPS, the Content-Security-Policy, no caching of personal data, file
modes, the 500 page and the cache shared by several processes.

The settings are read once, when a process loads them: what depends on the environment is checked in a
fresh Python process (`_fresh`), never by reloading the settings of this one.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.http import JsonResponse
from django.test import Client
from django.urls import path
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from factories import api_client, region_tree, user

import fupin
import fupin.urls
from fupin.core import views as core_views
from fupin.program import server as server_module
from fupin.registry.models import ImportBatch

TEMPLATES = Path(fupin.__file__).resolve().parent


# ---------------------------------------------------------------------------------------- helpers


def _env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any FUPIN_* or DJANGO_* setting (the browser tests allow async
    code, which `check --deploy` refuses), for a store in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUPIN_", "DJANGO_"))}
    env.update(FUPIN_HOME=str(home), DJANGO_SETTINGS_MODULE="fupin.settings", PYTHONUNBUFFERED="1", **extra)
    return env


def _fresh(home: Path, code: str, **env: str) -> str:
    """Run `code` after django.setup() in a new process; its last line of output."""
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=_env(home, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def _settings_of(home: Path, *names: str, **env: str) -> dict:
    code = (
        "import json; from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    return json.loads(_fresh(home, code, **env))


def _fupin(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The `fupin` program, started with the usual umask 022 so that it has to set its own."""
    return subprocess.run(
        [sys.executable, "-m", "fupin.cli", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=300,
        umask=0o022,
    )


@contextmanager
def _waitress(host: str = "127.0.0.1"):
    """fupin's production server in a thread of this process; yields its port. (Loading fupin.wsgi checks
    the store for interrupted imports: the tests that use it ask for `db`.)"""
    server = server_module.make_server(host, 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def _get(address: str, port: int, url: str, host: str | None = None, **headers: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(address, port, timeout=10)
    try:
        conn.request("GET", url, headers={"Host": host or f"{address}:{port}", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# A URL configuration for these tests: the application's, plus a page that fails and one that shows what
# the server made of the request. handler500 is the application's (Django's bare one if it has none).
def _boom(request):
    raise RuntimeError("boom")


def _database_down(request):
    raise OperationalError("could not connect to server")


def _echo(request):
    return JsonResponse({"secure": request.is_secure(), "address": request.META["REMOTE_ADDR"]})


urlpatterns = [
    path("deployment-test/boom/", _boom),
    path("deployment-test/db-down/", _database_down),
    path("deployment-test/echo/", _echo),
    *fupin.urls.urlpatterns,
]
handler500 = getattr(fupin.urls, "handler500", "django.views.defaults.server_error")


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


# ---------------------------------------------------------------------------------------- host names


def test_allowed_hosts_default_to_this_machine_only(tmp_path):
    hosts = _settings_of(tmp_path, "ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert hosts == ["localhost", "127.0.0.1", "[::1]"]


def test_allowed_hosts_come_from_the_environment(tmp_path):
    got = _settings_of(
        tmp_path,
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        FUPIN_ALLOWED_HOSTS="fupin.county.example, 10.20.0.5,",
        FUPIN_CSRF_TRUSTED_ORIGINS="https://fupin.county.example",
    )
    assert got == {
        "ALLOWED_HOSTS": ["fupin.county.example", "10.20.0.5"],
        "CSRF_TRUSTED_ORIGINS": ["https://fupin.county.example"],
    }


def test_the_server_accepts_the_address_it_listens_on(settings, monkeypatch):
    monkeypatch.delenv("FUPIN_ALLOWED_HOSTS", raising=False)
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    server_module.allow_host("10.20.0.5")
    server_module.allow_host("fd00::5")
    assert settings.ALLOWED_HOSTS[-2:] == ["10.20.0.5", "[fd00::5]"]
    server_module.allow_host("0.0.0.0")  # all interfaces: which names reach it is not known here
    server_module.allow_host("::")
    assert "*" not in settings.ALLOWED_HOSTS and len(settings.ALLOWED_HOSTS) == 5
    server_module.allow_host("0.0.0.0", demo=True)  # the demo's data and passwords are public
    assert settings.ALLOWED_HOSTS[-1] == "*"


def test_the_server_refuses_a_host_name_it_does_not_serve(db):
    with _waitress() as port:
        assert _get("127.0.0.1", port, "/api/docs")[0] == 200
        assert _get("127.0.0.1", port, "/api/docs", host=f"localhost:{port}")[0] == 200
        status, _ = _get("127.0.0.1", port, "/api/docs", host="attacker.example")
        assert status == 400


def test_fupin_serve_answers_for_its_host_and_no_other(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", "serve", "--host", "127.0.0.2", "--port", "0", "--threads", "2"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, proc.kill)  # a server that never starts ends the read below
    watchdog.start()
    try:
        port = None
        for line in proc.stdout:
            if found := re.search(r"running at http://127\.0\.0\.2:(\d+)/", line):
                port = int(found.group(1))
                break
        assert port, proc.stderr.read() if proc.poll() is not None else "no address printed"
        assert _get("127.0.0.2", port, "/api/docs")[0] == 200
        assert _get("127.0.0.2", port, "/api/docs", host="attacker.example")[0] == 400
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0  # Ctrl+C stops it cleanly


# ---------------------------------------------------------------------------------------- HTTPS

SECURITY = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_HTTPONLY",
)


def test_plain_http_by_default(tmp_path):
    got = _settings_of(tmp_path, *SECURITY)
    assert got["SESSION_COOKIE_SECURE"] is False and got["CSRF_COOKIE_SECURE"] is False
    assert got["SECURE_HSTS_SECONDS"] == 0 and got["SECURE_PROXY_SSL_HEADER"] is None
    assert got["SECURE_CONTENT_TYPE_NOSNIFF"] is True and got["SECURE_REFERRER_POLICY"] == "same-origin"
    assert got["SESSION_COOKIE_SAMESITE"] == "Lax" and got["SESSION_COOKIE_HTTPONLY"] is True


def test_https_switch_secures_cookies_and_sends_hsts(tmp_path):
    got = _settings_of(tmp_path, *SECURITY, FUPIN_HTTPS="1")
    assert got["SESSION_COOKIE_SECURE"] is True and got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False and got["SECURE_HSTS_PRELOAD"] is False
    assert got["SECURE_SSL_REDIRECT"] is False  # the proxy redirects, unless FUPIN_SSL_REDIRECT says so
    assert got["SECURE_PROXY_SSL_HEADER"] is None  # no proxy named: X-Forwarded-Proto means nothing
    got = _settings_of(
        tmp_path,
        *SECURITY,
        FUPIN_HTTPS="1",
        FUPIN_HSTS_SECONDS="3600",
        FUPIN_HSTS_INCLUDE_SUBDOMAINS="1",
        FUPIN_SSL_REDIRECT="1",
        FUPIN_TRUSTED_PROXY="127.0.0.1",
    )
    assert got["SECURE_HSTS_SECONDS"] == 3600 and got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_django_deploy_check_passes_over_https(tmp_path):
    env = _env(tmp_path, FUPIN_HTTPS="1", FUPIN_SSL_REDIRECT="1", FUPIN_SECRET_KEY="x7#" * 20 + "Kq9")
    run = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_waitress_believes_forwarded_headers_of_the_named_proxy_only(settings, test_urls, db):
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    settings.FUPIN_TRUSTED_PROXY = "127.0.0.1"
    with _waitress() as port:
        status, body = _get("127.0.0.1", port, "/deployment-test/echo/", **forwarded)
    assert status == 200 and json.loads(body) == {"secure": True, "address": "203.0.113.9"}
    settings.FUPIN_TRUSTED_PROXY = ""
    with _waitress() as port:
        status, body = _get("127.0.0.1", port, "/deployment-test/echo/", **forwarded)
    assert status == 200 and json.loads(body) == {"secure": False, "address": "127.0.0.1"}


# ---------------------------------------------------------------------------------------- CSP


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in header.split(";") if d.strip())


def test_pages_and_api_answers_carry_the_content_security_policy(client, db):
    tree = region_tree()
    client.force_login(user("village_operator", tree.village_a))
    for response in (
        client.get("/registry/"),
        client.get("/accounts/login/"),
        client.get("/api/docs"),
        Client().get("/api/registry/households"),
    ):
        policy = _policy(response)
        assert policy["script-src"] == "'self'"  # no inline script, no eval, no other host
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
        assert not any(re.search(r"https?:|\*", v) for v in policy.values())  # never a CDN


def test_no_template_has_an_inline_script_or_event_handler():
    found = []
    for template in TEMPLATES.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for m in re.finditer(
            r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+\s*=|javascript:", text, re.I
        ):
            found.append(f"{template.relative_to(TEMPLATES)}: {m.group(0).strip()}")
    assert found == []


# ---------------------------------------------------------------------------------------- caching


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_nothing_a_signed_in_user_sees_is_stored(client, db):
    tree = region_tree()
    client.force_login(user("village_operator", tree.village_a))
    for url in ("/registry/", "/regions/", "/monitoring/", "/no-such-page/"):
        response = client.get(url)
        assert _no_store(response), url
    static = client.get("/static/fupin/fupin.css")
    assert static.status_code == 200 and not _no_store(static)


def test_no_api_answer_is_stored(db):
    tree = region_tree()
    assert _no_store(Client().get("/api/registry/households"))  # refused: 401
    signed = api_client(user("village_operator", tree.village_a))
    response = signed.get("/api/registry/households")
    assert response.status_code == 200 and _no_store(response)


def test_a_public_form_sent_back_is_not_stored(db):
    from django.core.cache import cache

    cache.clear()
    response = Client().post("/monitoring/report/", {"name": "张三", "id_number": "52052619800101001X"})
    assert response.status_code == 200 and _no_store(response)


# ---------------------------------------------------------------------------------------- file modes


def _open_to_others(root: Path) -> list[str]:
    """Files and folders under root (root included) that others than owner and group may read."""
    paths = [root, *root.rglob("*")]
    return [f"{p} {stat.filemode(p.stat().st_mode)}" for p in paths if p.stat().st_mode & 0o007]


def test_fupin_commands_leave_nothing_readable_by_others(tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "upload"  # an import folder with one household the store cannot take
    folder.mkdir()
    (folder / "户.csv").write_text(
        "户编号,年度,行政区划代码,户状态\nX0001,2024,999999999999,未脱贫\n", encoding="utf-8"
    )
    (folder / "成员.csv").write_text(
        "户编号,姓名,证件号码,与户主关系\nX0001,张三,52052619700101001X,户主\n", encoding="utf-8"
    )
    init = _fupin(home, "init")
    assert init.returncode == 0, init.stderr
    imported = _fupin(
        home, "import", "households", str(folder), "--skip-invalid", "--errors", str(home / "errors.xlsx")
    )
    assert (home / "errors.xlsx").exists(), imported.stdout + imported.stderr
    assert (home / "fupin.sqlite3").exists()
    assert _open_to_others(home) == []
    assert stat.S_IMODE((home / "secret_key").stat().st_mode) == 0o600


def test_an_open_data_folder_is_closed_when_fupin_starts(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    _fresh(home, "print('ok')")
    assert stat.S_IMODE(home.stat().st_mode) == 0o750


def _workbook() -> bytes:
    """One household in a village that does not exist: rejected, so an errors workbook is written."""
    buf = BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in (
        ("户", [["户编号", "年度", "行政区划代码", "户状态"], ["X0001", "2024", "999999999999", "未脱贫"]]),
        (
            "成员",
            [["户编号", "姓名", "证件号码", "与户主关系"], ["X0001", "张三", "52052619700101001X", "户主"]],
        ),
    ):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def test_uploaded_workbooks_and_their_errors_are_not_readable_by_others(db):
    tree = region_tree()
    op = api_client(user("village_operator", tree.village_a))
    upload = SimpleUploadedFile("户.xlsx", _workbook())
    response = op.post(
        "/api/registry/imports?wait=true", {"file": upload, "year": "2024", "skip_invalid": "true"}
    )
    assert response.status_code == 201, response.content
    batch = ImportBatch.objects.get(pk=response.json()["id"])
    folder = Path(batch.path).parent
    assert Path(batch.path).exists() and any(p.name.endswith("-errors.xlsx") for p in folder.iterdir())
    assert _open_to_others(folder) == []


# ---------------------------------------------------------------------------------------- 500 page


def test_500_page_is_in_the_layout_in_chinese(test_urls, db):
    tree = region_tree()
    client = Client(raise_request_exception=False)
    client.force_login(user("village_operator", tree.village_a))
    response = client.get("/deployment-test/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-CN">' in body and 'class="topbar"' in body and "/static/fupin/fupin.css" in body
    assert "<h1>服务器出错</h1>" in body and "Server error" not in body
    assert 'name="csrfmiddlewaretoken"' in body  # the language switch still works
    assert _no_store(response) and "Content-Security-Policy" in response.headers


def test_500_page_in_english_when_chosen(test_urls, settings, db):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/deployment-test/boom/").content.decode()
    assert '<html lang="en">' in body and "<h1>Server error</h1>" in body and "服务器出错" not in body


def test_500_page_is_drawn_without_the_database(rf):
    """No `db` fixture: any query here fails the way a dead database would."""

    def refuse():
        raise OperationalError("the database is down")

    request = rf.get("/registry/")
    request.user = SimpleLazyObject(refuse)
    request.session = SimpleLazyObject(refuse)
    with translation.override("zh-hans"):  # what the locale middleware did before the view failed
        response = core_views.server_error(request)
    assert response.status_code == 500
    assert 'class="topbar"' in response.content.decode() and "服务器出错" in response.content.decode()


def test_500_page_when_the_database_is_down(test_urls):
    """No `db` fixture: the whole request runs as with a dead database."""
    response = Client(raise_request_exception=False).get("/deployment-test/db-down/")
    assert response.status_code == 500 and 'class="topbar"' in response.content.decode()


# ---------------------------------------------------------------------------------------- shared cache

COUNT_REPORTS = """
from fupin.monitoring.views.public import SELF_REPORT_LIMITS, _over_limit
print(sum(_over_limit("ip", "203.0.113.9") for _ in range(SELF_REPORT_LIMITS["ip"][0] - 1)))
"""


def test_two_processes_count_self_reports_together(tmp_path):
    """Two `fupin serve` processes: the second sees what the first counted, so the limit holds for both."""
    assert _fresh(tmp_path, COUNT_REPORTS) == "0"  # 4 reports of the 5 allowed an hour
    assert _fresh(tmp_path, COUNT_REPORTS) == "3"  # the 5th passes, the 6th to 8th are refused


def test_cache_url_chooses_another_cache(tmp_path):
    from fupin.settings import _cache

    shared = tmp_path / "shared cache"
    got = _settings_of(tmp_path, "CACHES", FUPIN_CACHE_URL=shared.as_uri())["CACHES"]["default"]
    assert got["BACKEND"].endswith("FileBasedCache") and got["LOCATION"] == str(shared)
    assert _cache("redis://cache.internal:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
    assert _cache("memcached://10.0.0.7:11211")["BACKEND"].endswith("PyMemcacheCache")
    assert _cache("locmem://")["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ValueError, match="FUPIN_CACHE_URL"):
        _cache("mongodb://x")
