"""Benchmark of `fupin import households` end to end (read xlsx + validate + save).

    python bench/import_bench.py [--households N[,N2,...]] [--postgres URL | --no-postgres]
                                 [--pg-settings test|deployment|FILE[,...]] [--cache DIR] [--engine]

Builds a synthetic county (`fupin.program.synthetic.synthetic_registry(N, one_year=2024)`), writes it to
an xlsx with the importer's own `write_workbook`, then, for each store (a fresh SQLite file; a
PostgreSQL database from `--postgres URL` or `scripts/pg start`), runs in a child process: migrate,
create the region rows, then `fupin import households FILE` timed end to end. Prints members/s and the
child's peak RSS for each; the last line is `members_per_s=R` (SQLite). With `--engine`, each child then reads
the engine's frames back from its store and runs identification, the quality rules and the statistics,
printing the time spent reading and the time in the engine.

Several sizes (`--households 50000,100000,200000`) show whether memory grows with the file: after the
per-size lines comes `rss_growth_per_member=B bytes` (SQLite peak RSS, largest minus smallest file, per
member more). The last line is then `members_per_s=R` of the largest file.

`--pg-settings` starts a server of its own for each settings named (`scripts/pg start --settings FILE`, stopped
at the end): `test` is `scripts/pg`'s throw-away server (fsync off, stock memory), `deployment` is
`scripts/pg-deployment.conf` (durability on, the memory and WAL settings of docs/deployment.md), or any
settings file. Each PostgreSQL line also gives the CPU time of the whole server during the import (all its
processes: a large import saves on a second connection while it checks; "server cpu", read from /proc when
the server runs on this machine as a user we may look at).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(args) -> None:
    """Runs in a fresh process with FUPIN_HOME / FUPIN_DATABASE_URL set: one timed import."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()
    import polars as pl
    from django.core.management import call_command

    from fupin.regions.models import Region

    call_command("migrate", interactive=False, verbosity=0)
    villages = pl.read_parquet(args.villages)
    county = villages["code"][0][:6].ljust(12, "0")
    regions = [Region(code=county, name="县", level=3, prefix=county[:6])]
    regions += [
        Region(code=t, name="乡", level=4, parent_id=county, prefix=t[:9])
        for t in villages["township_code"].unique().to_list()
    ]
    regions += [
        Region(code=c, name=n, level=5, parent_id=t, prefix=c)
        for c, n, t in villages.select("code", "name", "township_code").iter_rows()
    ]
    Region.objects.bulk_create(regions, batch_size=2000)

    from fupin.cli import main

    peak = [_rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    threading.Thread(target=sample, daemon=True).start()
    from django.db import connection

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
    server0 = _server_cpu(backend)
    base = _rss_mb()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    code = main(["import", "households", str(args.file)])
    seconds = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    server = _server_cpu(backend)
    stop.set()
    from fupin.registry.models import ImportBatch

    batch = ImportBatch.objects.order_by("-id").first()
    result = {
        "exit": code,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server - server0 if server is not None and server0 is not None else None,
        "peak_rss_mb": max(peak[0], _rss_mb()),
        "base_rss_mb": base,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": batch.report.get("counts", {}) if batch else {},
    }
    if args.engine:
        result |= engine_from_store(county)
    print(json.dumps(result))


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _server_cpu(backend: int | None) -> float | None:
    """User + system CPU seconds of the whole PostgreSQL server our connection's process `backend` belongs
    to, if it runs here as a user we may look at: the postmaster with its ended children (the import may
    use more than one connection) and every live child."""
    fields = _stat(backend) if backend is not None else None
    if fields is None:
        return None
    postmaster = int(fields[1])
    own = _stat(postmaster)
    if own is None:
        return None
    ticks = sum(int(v) for v in own[11:15])  # utime, stime, and those of its ended children
    for entry in os.listdir("/proc"):
        child = _stat(int(entry)) if entry.isdigit() else None
        if child is not None and int(child[1]) == postmaster:
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def engine_from_store(county: str) -> dict:
    """The engine's full run over the imported county, read from the store: the time spent reading the two
    frames, then identification, the quality rules and the statistics over them."""
    import polars as pl

    from fupin.core.frames import read_sql
    from fupin.engine import identification, quality, stats
    from fupin.engine.defaults import default_params
    from fupin.registry.selectors import registry_frames

    t0 = time.perf_counter()
    hy, members = registry_frames(county[:6], [2024])
    t1 = time.perf_counter()
    params = default_params()
    frame = identification.household_frame(hy, members, params, extra_params=quality.RULE_PARAMS)
    identified = identification.identify(hy, members, params, frame=frame)
    findings = quality.run(hy, members, params, year=2024, frame=frame)
    regions = read_sql("SELECT code, name, level FROM regions_region WHERE level = %s", [4])
    counts = stats.counts_by_region(
        hy,
        regions,
        pl.DataFrame(schema={"region_code": pl.String, "year": pl.Int64, "rural_population": pl.Int64}),
        year=2024,
        level=4,
    )
    t2 = time.perf_counter()
    return {
        "read_seconds": t1 - t0,
        "engine_seconds": t2 - t1,
        "household_years": hy.height,
        "members_read": members.height,
        "poor": int(identified["poor"].sum()),
        "findings": findings.height,
        "townships": counts.height,
    }


def _run(file: Path, villages: Path, env: dict, engine: bool = False) -> dict:
    extra = ["--engine"] if engine else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--file", str(file), "--villages", str(villages), *extra],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


SETTINGS = {"deployment": ROOT / "scripts" / "pg-deployment.conf"}


def _postgres_url(
    given: str | None, settings: str | None = None, state: Path | None = None
) -> tuple[str | None, bool]:
    """The server's URL and whether we started it: `given`, or `scripts/pg start` (with `settings`, a server
    of our own whose state is kept in `state`)."""
    if given:
        return given, False
    command = [str(ROOT / "scripts" / "pg"), "start"]
    env = dict(os.environ)
    if settings is not None:
        env["FUPIN_PG_STATE"] = str(state)
        if settings != "test":
            command += ["--settings", str(SETTINGS.get(settings, settings))]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None, False
    if out.returncode != 0:
        print(out.stderr[-2000:])
    url = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else None
    return url, url is not None


def _stop_postgres(state: Path | None) -> None:
    env = dict(os.environ, **({"FUPIN_PG_STATE": str(state)} if state else {}))
    subprocess.run([str(ROOT / "scripts" / "pg"), "stop"], capture_output=True, env=env)


def _fresh_pg_db(url: str) -> str:
    """A new database on that server, so every run starts from an empty store."""
    import psycopg

    name = f"fupin_bench_{os.getpid()}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def _line(name: str, r: dict, n_members: int) -> None:
    server = r.get("server_cpu_seconds")
    print(
        f"{name}: exit={r['exit']} wall={r['seconds']:.1f}s cpu={r['cpu_seconds']:.1f}s "
        + (f"server_cpu={server:.1f}s " if server is not None else "")
        + f"members/s={n_members / r['seconds']:,.0f} (per cpu-second {n_members / r['cpu_seconds']:,.0f}) "
        f"peak_rss={r['peak_rss_mb']:.0f}MB members_created={r['counts'].get('members_created')} "
        f"load_avg={os.getloadavg()[0]:.1f}"
    )
    if "read_seconds" in r:
        print(
            f"{name}: engine from the store: read {r['household_years']:,} household-years + "
            f"{r['members_read']:,} members in {r['read_seconds']:.2f}s "
            f"({(r['household_years'] + r['members_read']) / r['read_seconds']:,.0f} rows/s), then "
            f"identification + {r['findings']:,} quality findings + statistics in {r['engine_seconds']:.2f}s"
        )


def _workbook(households: int, cache: Path) -> tuple[Path, Path, int]:
    """The benchmark workbook of that size (generated once into `cache`) and its villages."""
    from fupin.program.synthetic import synthetic_registry
    from fupin.registry.template import write_workbook

    file, villages = cache / f"registry-{households}.xlsx", cache / f"villages-{households}.parquet"
    if file.exists() and villages.exists():
        import fastexcel

        n_members = fastexcel.read_excel(file).load_sheet("成员", n_rows=None, use_columns=[0]).height
        print(f"households={households} members={n_members} (cached workbook {file})")
        return file, villages, n_members
    t0 = time.perf_counter()
    reg = synthetic_registry(households, one_year=2024)
    t1 = time.perf_counter()
    write_workbook(reg.households, reg.members, file)
    t2 = time.perf_counter()
    reg.villages.write_parquet(villages)
    print(
        f"households={reg.households.height} members={reg.members.height} villages={reg.villages.height} "
        f"make={t1 - t0:.1f}s write_xlsx={t2 - t1:.1f}s size={file.stat().st_size / 2**20:.0f}MB"
    )
    return file, villages, reg.members.height


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument(
        "--households", default="100000", help="households in the file; several sizes separated by commas"
    )
    p.add_argument("--postgres", help="PostgreSQL URL (default: scripts/pg start)")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument(
        "--pg-settings",
        help="start a PostgreSQL server of our own with these settings, one run each: test (scripts/pg's "
        "throw-away server), deployment (scripts/pg-deployment.conf) or a settings file; several separated by "
        "commas",
    )
    p.add_argument("--cache", type=Path, help="keep/reuse the generated workbooks in this folder")
    p.add_argument(
        "--engine",
        action="store_true",
        help="after the import, time reading the engine's frames from the store and the engine run",
    )
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--villages", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)

    sys.path.insert(0, str(ROOT))
    sizes = sorted({int(n) for n in args.households.split(",")})
    work = Path(tempfile.mkdtemp(prefix="fupin-import-bench-"))
    cache = args.cache or work
    cache.mkdir(parents=True, exist_ok=True)
    # (label, settings): None = the server of --postgres or of `scripts/pg start`, shared and started once
    servers: list[tuple[str, str | None]] = []
    if args.pg_settings:
        servers = [(f"postgresql[{Path(n).stem}]", n) for n in args.pg_settings.split(",")]
    elif not args.no_postgres:
        servers = [("postgresql", None)]
    url, started = _postgres_url(args.postgres) if servers and servers[0][1] is None else (None, False)
    if servers and servers[0][1] is None and url is None:
        print("postgresql: skipped (no server: give --postgres URL or make scripts/pg start work)")
        servers = []
    server_dirs = {label: f"pg{i}" for i, (label, _) in enumerate(servers)}  # no brackets in paths
    sqlite_runs: list[tuple[int, dict]] = []
    try:
        for households in sizes:
            file, villages, n_members = _workbook(households, cache)
            home = work / f"sqlite-{households}"
            home.mkdir()
            r = _run(
                file,
                villages,
                {"FUPIN_HOME": str(home), "FUPIN_DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}"},
                args.engine,
            )
            sqlite_runs.append((n_members, r))
            _line("sqlite", r, n_members)
            for label, settings in servers:
                state = work / f"{server_dirs.get(label, 'pg')}-{households}.state"
                own_url = url
                try:
                    if settings is not None:
                        own_url, _ = _postgres_url(None, settings, state)
                        if own_url is None:
                            print(f"{label}: skipped (the server did not start)")
                            continue
                    home = work / f"{server_dirs.get(label, 'pg')}-{households}"
                    home.mkdir()
                    r = _run(
                        file,
                        villages,
                        {"FUPIN_HOME": str(home), "FUPIN_DATABASE_URL": _fresh_pg_db(own_url)},
                        args.engine,
                    )
                    _line(label, r, n_members)
                except Exception as e:  # report and go on: SQLite is the figure of record
                    print(f"{label}: failed: {e}")
                finally:
                    if settings is not None:
                        _stop_postgres(state)
    finally:
        if started:
            _stop_postgres(None)
    if len(sqlite_runs) > 1:
        (m0, r0), (m1, r1) = sqlite_runs[0], sqlite_runs[-1]
        growth = (r1["peak_rss_mb"] - r0["peak_rss_mb"]) * 2**20 / (m1 - m0)
        print(
            f"rss_growth_per_member={growth:.0f} bytes (SQLite peak RSS {r0['peak_rss_mb']:.0f} MB at {m0:,} "
            f"members, {r1['peak_rss_mb']:.0f} MB at {m1:,})"
        )
    n_members, r = sqlite_runs[-1]
    print(f"members_per_s={n_members / r['seconds']:.0f}")


if __name__ == "__main__":
    main()
