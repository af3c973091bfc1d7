"""Benchmark of `fupin import households` end to end (read xlsx + validate + save).

    python bench/import_bench.py [--households N] [--postgres URL | --no-postgres] [--cache DIR] [--engine]

Builds a synthetic county (`fupin.core.synthetic.synthetic_registry(N, one_year=2024)`), writes it to
an xlsx with the importer's own `write_workbook`, then, for each store (a fresh SQLite file; a
PostgreSQL database from `--postgres URL` or `scripts/pg start`), runs in a child process: migrate,
create the region rows, then `fupin import households FILE` timed end to end. Prints members/s and the
child's peak RSS for each; the last line is `members_per_s=R` (SQLite). With `--engine`, each child then reads
the engine's frames back from its store and runs identification, the quality rules and the statistics,
printing the time spent reading and the time in the engine.
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
    regions += [Region(code=t, name="乡", level=4, parent_id=county, prefix=t[:9])
                for t in villages["township_code"].unique().to_list()]
    regions += [Region(code=c, name=n, level=5, parent_id=t, prefix=c)
                for c, n, t in villages.select("code", "name", "township_code").iter_rows()]
    Region.objects.bulk_create(regions, batch_size=2000)

    from fupin.cli import main

    peak = [_rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    threading.Thread(target=sample, daemon=True).start()
    base = _rss_mb()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    code = main(["import", "households", str(args.file)])
    seconds = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    stop.set()
    from fupin.registry.models import ImportBatch

    batch = ImportBatch.objects.order_by("-id").first()
    result = {"exit": code, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": max(peak[0], _rss_mb()),
              "base_rss_mb": base, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "counts": batch.report.get("counts", {}) if batch else {}}
    if args.engine:
        result |= engine_from_store(county)
    print(json.dumps(result))


def engine_from_store(county: str) -> dict:
    """The engine's full run over the imported county, read from the store: the time spent reading the two
    frames, then identification, the quality rules and the statistics over them."""
    import polars as pl

    from fupin.core.frames import read_sql, registry_frames
    from fupin.engine import identification, quality, stats
    from fupin.engine.defaults import default_params

    t0 = time.perf_counter()
    hy, members = registry_frames(county[:6], [2024])
    t1 = time.perf_counter()
    params = default_params()
    frame = identification.household_frame(hy, members, params, extra_params=quality.RULE_PARAMS)
    identified = identification.identify(hy, members, params, frame=frame)
    findings = quality.run(hy, members, params, year=2024, frame=frame)
    regions = read_sql("SELECT code, name, level FROM regions_region WHERE level = %s", [4])
    counts = stats.counts_by_region(hy, regions, pl.DataFrame(schema={"region_code": pl.String, "year": pl.Int64,
                                                                      "rural_population": pl.Int64}),
                                    year=2024, level=4)
    t2 = time.perf_counter()
    return {"read_seconds": t1 - t0, "engine_seconds": t2 - t1, "household_years": hy.height,
            "members_read": members.height, "poor": int(identified["poor"].sum()), "findings": findings.height,
            "townships": counts.height}


def _run(file: Path, villages: Path, env: dict, engine: bool = False) -> dict:
    extra = ["--engine"] if engine else []
    out = subprocess.run([sys.executable, __file__, "--child", "--file", str(file), "--villages", str(villages),
                          *extra],
                         env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _postgres_url(given: str | None) -> tuple[str | None, bool]:
    if given:
        return given, False
    try:
        out = subprocess.run([str(ROOT / "scripts" / "pg"), "start"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None, False
    url = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else None
    return url, url is not None


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
    print(f"{name}: exit={r['exit']} wall={r['seconds']:.1f}s cpu={r['cpu_seconds']:.1f}s "
          f"members/s={n_members / r['seconds']:,.0f} (per cpu-second {n_members / r['cpu_seconds']:,.0f}) "
          f"peak_rss={r['peak_rss_mb']:.0f}MB members_created={r['counts'].get('members_created')} "
          f"load_avg={os.getloadavg()[0]:.1f}")
    if "read_seconds" in r:
        print(f"{name}: engine from the store: read {r['household_years']:,} household-years + "
              f"{r['members_read']:,} members in {r['read_seconds']:.2f}s "
              f"({(r['household_years'] + r['members_read']) / r['read_seconds']:,.0f} rows/s), then "
              f"identification + {r['findings']:,} quality findings + statistics in {r['engine_seconds']:.2f}s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--postgres", help="PostgreSQL URL (default: scripts/pg start)")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--cache", type=Path, help="keep/reuse the generated workbook in this folder")
    p.add_argument("--engine", action="store_true",
                   help="after the import, time reading the engine's frames from the store and the engine run")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--villages", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)

    sys.path.insert(0, str(ROOT))
    from fupin.core.synthetic import synthetic_registry
    from fupin.registry.template import write_workbook

    work = Path(tempfile.mkdtemp(prefix="fupin-import-bench-"))
    cache = args.cache or work
    cache.mkdir(parents=True, exist_ok=True)
    file, villages = cache / f"registry-{args.households}.xlsx", cache / f"villages-{args.households}.parquet"
    if file.exists() and villages.exists():
        import fastexcel

        n_members = fastexcel.read_excel(file).load_sheet("成员", n_rows=None, use_columns=[0]).height
        print(f"households={args.households} members={n_members} (cached workbook {file})")
    else:
        t0 = time.perf_counter()
        reg = synthetic_registry(args.households, one_year=2024)
        t1 = time.perf_counter()
        write_workbook(reg.households, reg.members, file)
        t2 = time.perf_counter()
        reg.villages.write_parquet(villages)
        n_members = reg.members.height
        print(f"households={reg.households.height} members={n_members} villages={reg.villages.height} "
              f"make={t1 - t0:.1f}s write_xlsx={t2 - t1:.1f}s size={file.stat().st_size / 2**20:.0f}MB")

    results = {}
    home = work / "sqlite"
    home.mkdir()
    r = _run(file, villages, {"FUPIN_HOME": str(home), "FUPIN_DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}"},
             args.engine)
    results["sqlite"] = r
    _line("sqlite", r, n_members)

    if not args.no_postgres:
        url, started = _postgres_url(args.postgres)
        if url is None:
            print("postgresql: skipped (no server: give --postgres URL or make scripts/pg start work)")
        else:
            try:
                db = _fresh_pg_db(url)
                home = work / "pg"
                home.mkdir()
                r = _run(file, villages, {"FUPIN_HOME": str(home), "FUPIN_DATABASE_URL": db}, args.engine)
                results["postgresql"] = r
                _line("postgresql", r, n_members)
            except Exception as e:  # report and go on: SQLite is the figure of record
                print(f"postgresql: failed: {e}")
            finally:
                if started:
                    subprocess.run([str(ROOT / "scripts" / "pg"), "stop"], capture_output=True)
    print(f"members_per_s={n_members / results['sqlite']['seconds']:.0f}")


if __name__ == "__main__":
    main()
