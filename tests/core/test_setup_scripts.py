"""The set-up scripts, the PostgreSQL helper, the test isolation and the production server."""

import os
import re
import shutil
import socket
import subprocess
import threading
import tomllib
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from fupin.program import server as server_module

ROOT = Path(__file__).resolve().parents[2]


def test_each_test_session_has_its_own_fupin_home():
    home = Path(os.environ["FUPIN_HOME"]).resolve()
    assert settings.FUPIN_HOME == home
    assert home != (ROOT / "var").resolve()
    assert (home / "secret_key").exists()


@pytest.mark.parametrize("name", ["scripts/setup", "scripts/demo", "scripts/test", "scripts/pg", ".ci/run"])
def test_scripts_are_executable_bash(name):
    path = ROOT / name
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_ci_runs_exactly_the_readme_test_command():
    commands = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert commands[-1] == "exec ./scripts/test </dev/null"
    assert "./scripts/test" in (ROOT / "README.md").read_text()


def _can_run_postgres() -> bool:
    bins = list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return bool(bins) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


@pytest.mark.skipif(not _can_run_postgres(), reason="PostgreSQL server binaries not installed")
def test_pg_script_starts_reuses_and_stops_a_server(tmp_path):
    env = {**os.environ, "FUPIN_PG_STATE": str(tmp_path / "pg.state")}

    def pg(*args):
        return subprocess.run([str(ROOT / "scripts/pg"), *args], env=env, capture_output=True, text=True)

    started = pg("start")
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert re.fullmatch(r"postgres://postgres@127\.0\.0\.1:\d+/fupin", url)
        assert not url.endswith(":5432/fupin")
        assert pg("start").stdout.strip() == url  # a second start reuses the running server
        assert pg("url").stdout.strip() == url

        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=5) as conn:
            row = conn.execute("select current_database(), current_setting('server_version_num')").fetchone()
        assert row[0] == "fupin"
        assert int(row[1]) >= 150000
        folder = Path(re.search(r"DIR=(\S+)", (tmp_path / "pg.state").read_text()).group(1))
        assert folder.is_dir()
    finally:
        stopped = pg("stop")
    assert stopped.returncode == 0
    assert not folder.exists()
    gone = pg("url")
    assert gone.returncode == 1
    assert "no PostgreSQL running" in gone.stderr


@pytest.mark.skipif(not _can_run_postgres(), reason="PostgreSQL server binaries not installed")
def test_pg_script_starts_a_durable_server_with_the_deployment_settings(tmp_path):
    env = {**os.environ, "FUPIN_PG_STATE": str(tmp_path / "pg.state")}

    def pg(*args):
        return subprocess.run([str(ROOT / "scripts/pg"), *args], env=env, capture_output=True, text=True)

    missing = pg("start", "--settings", str(tmp_path / "nothing.conf"))
    if missing.returncode == 0:  # a script that ignores --settings started a server: stop it
        pg("stop")
    assert missing.returncode == 2 and "settings file not found" in missing.stderr
    assert not (tmp_path / "pg.state").exists()
    started = pg("start", "--settings", str(ROOT / "scripts/pg-deployment.conf"))
    try:
        assert started.returncode == 0, started.stderr
        import psycopg

        names = ("fsync", "full_page_writes", "synchronous_commit", "wal_buffers", "max_wal_size")
        names += ("shared_buffers", "wal_compression", "max_connections")
        with psycopg.connect(started.stdout.strip().replace("postgres://", "postgresql://")) as conn:
            settings = dict(
                conn.execute(
                    "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(names)]
                ).fetchall()
            )
    finally:
        pg("stop")
    assert settings == {
        "fsync": "on",
        "full_page_writes": "on",
        "synchronous_commit": "on",
        "wal_buffers": "64MB",
        "max_wal_size": "8GB",
        "shared_buffers": "2GB",
        "wal_compression": "lz4",
        "max_connections": "100",
    }


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.django_db  # each request ends by closing the server thread's database connection
def test_production_server_serves_pages_and_static_files():
    server = server_module.make_server("127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = server_module.server_url(server, "127.0.0.1")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", base)
        status, ctype, body = _get(base + "api/docs")
        assert status == 200
        assert "<title>fupin API</title>" in body.decode()
        status, ctype, body = _get(base + "static/ninja/swagger-ui-bundle.js")
        assert status == 200
        assert "javascript" in ctype
        assert len(body) > 100_000
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_serve_prints_the_url_and_returns_0_on_ctrl_c(monkeypatch, capsys):
    made = []
    real_make_server = server_module.make_server

    def make_and_interrupt(host, port, threads):
        server = real_make_server(host, 0, threads)

        def run():
            raise KeyboardInterrupt

        server.run = run
        made.append(server)
        return server

    monkeypatch.setattr(server_module, "make_server", make_and_interrupt)
    assert server_module.serve("127.0.0.1", 8000, threads=1) == 0
    out = capsys.readouterr().out
    port = made[0].effective_port
    assert f"running at http://127.0.0.1:{port}/" in out
    assert "Ctrl+C to stop" in out
    made[0].task_dispatcher.shutdown()


def test_serve_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert server_module.serve("127.0.0.1", port, threads=1) == 2
    err = capsys.readouterr().err
    assert f"端口 {port} 已被占用" in err
    assert f"port {port} is already in use" in err


def test_the_test_setup_installs_the_dask_extra_and_the_demo_setup_does_not():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["dask"] == ["dask[distributed]>=2026.8"]
    assert not any(d.startswith("dask") for d in project["dependencies"])
    # the extras scripts/setup hands to pip, with and without --test (its own lines, run by bash)
    setup = (ROOT / "scripts/setup").read_text()
    lines = [
        ln for ln in setup.splitlines() if ln.startswith(("EXTRAS=", '[ "$WITH_TEST" -eq 1 ] && EXTRAS='))
    ]
    for with_test, extras in ((0, ""), (1, "[test,dask]")):
        script = f"WITH_TEST={with_test}\n" + "\n".join(lines) + '\nprintf %s "$EXTRAS"'
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False).stdout
        assert out == extras
    assert '-e "$ROOT$EXTRAS"' in setup
