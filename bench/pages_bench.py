"""Pages at province scale: the statistics, monitoring and quality pages for a province user, timed through
Django's test client against a store built by bench/province_store.py.

    python bench/pages_bench.py --sqlite PATH [--prepare] [--repeat 3] [--county CODE]
    python bench/pages_bench.py --postgres URL [--prepare]

Accounts scoped to the province (a county approver — the province office's equivalent — a supervisor and an
auditor) and to one county are made if missing (`accounts.services.create_user`, as `fupin createuser`
does). `--prepare` (or a store without alerts or findings) first runs the monitoring batch and the
data-quality rules for the province through the real services, timed once. Then each page is requested
as the province user and as the county user, best of `--repeat`, alternating, and its time printed with
the ratio province / county and the ratio to a reference measured in the same run: a plain SQL COUNT of
the province's household-year records (`sql_count`). The two kept pages (statistics, monitoring dashboard:
reports/kept.py) are timed as the province user meets them: computed in the request when none is kept,
kept and current, and just after a registry write (the kept page, refreshed in the background, whose time
is printed too). Last line: `worst_province_page=S` (seconds, the slowest answer of any page once kept).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.province_store import PROVINCE, YEAR, setup_django  # noqa: E402

PASSWORD = "bench-pages-2026"


def _user(username: str, role: str, region: str):
    from fupin.accounts.models import User
    from fupin.accounts.services import create_user

    user = User.objects.filter(username=username).first()
    return user or create_user(username, role=role, region_code=region, password=PASSWORD)


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def prepare(user, year: int, province: str, log=print) -> dict[str, float]:
    """The alerts and findings a province would have, through the real services, county by county: the
    services read the registry with `registry_frames` (DB-API rows, ≈ 0.8 KB of Python objects a member),
    which for a whole province of 10 M people would hold ≈ 9 GB at once; per county it is ≈ 0.1 GB."""
    from fupin.monitoring.services import run_batch
    from fupin.quality.services import run_quality
    from fupin.regions import codes as rcodes
    from fupin.regions.models import Region

    counties = list(
        Region.objects.filter(code__startswith=province[:2], level=rcodes.COUNTY).values_list(
            "code", flat=True
        )
    )
    out = {"monitoring_batch": 0.0, "quality_run": 0.0}
    signals = findings = 0
    for i, county in enumerate(counties, 1):
        t = time.perf_counter()
        report = run_batch(user, year, county)
        out["monitoring_batch"] += time.perf_counter() - t
        t = time.perf_counter()
        run = run_quality(user, year, county)
        out["quality_run"] += time.perf_counter() - t
        signals += report.signals
        findings += run.findings
        if i % 10 == 0 or i == len(counties):
            log(
                f"  {i}/{len(counties)} counties: batch {out['monitoring_batch']:.0f}s, "
                f"quality {out['quality_run']:.0f}s",
                flush=True,
            )
    log(
        f"monitoring batch: {len(counties)} counties, {signals:,} signals, {out['monitoring_batch']:.1f}s "
        f"({out['monitoring_batch'] / len(counties):.2f}s a county)"
    )
    log(
        f"quality run: {findings:,} findings, {out['quality_run']:.1f}s "
        f"({out['quality_run'] / len(counties):.2f}s a county)"
    )
    return out


RESULT_TABLES = ["monitoring_alert", "quality_finding", "quality_qualityrun"]


def copy_results(source_url: str, user, log=print) -> None:
    """Copy the alerts, findings and quality runs a preparation made in another store of the same build
    (same seed and size: the same household and member ids) into this one — the services' own rows, where
    running them again county by county is slow (SQLite: `registry_frames` filters by LIKE, a scan)."""
    import datetime as dt
    import json

    import psycopg
    from django.db import connection, transaction

    t = time.perf_counter()
    with psycopg.connect(source_url.replace("postgres://", "postgresql://", 1)) as src, transaction.atomic():
        cur = connection.cursor()
        for name in RESULT_TABLES:
            cols = [c.name for c in connection.introspection.get_table_description(cur, name)]
            cur.execute(f'DELETE FROM "{name}"')
            read = src.cursor(name=f"copy_{name}")  # server-side: a batch at a time
            read.execute(f"SELECT {', '.join(cols)} FROM {name} ORDER BY id")
            n = 0
            while rows := read.fetchmany(20_000):
                out = []
                for row in rows:
                    values = []
                    for c, v in zip(cols, row, strict=True):
                        if isinstance(v, dict | list):
                            v = json.dumps(v, ensure_ascii=False)
                        elif isinstance(v, dt.datetime):
                            v = v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
                        elif (
                            c in ("user_id", "updated_by_id", "assignee_id", "closed_by_id") and v is not None
                        ):
                            v = user.pk
                        values.append(v)
                    out.append(values)
                cur.executemany(
                    f'INSERT INTO "{name}" ({", ".join(cols)}) VALUES ({", ".join(["%s"] * len(cols))})', out
                )
                n += len(out)
            read.close()
            log(f"copied {name}: {n:,} rows")
    log(f"copied the results in {time.perf_counter() - t:.0f}s")


def copy_results_from_sqlite(source: str, user, log=print) -> None:
    """`copy_results` from a prepared SQLite store of the same build into this PostgreSQL one, with COPY (the
    rows as CSV: SQLite's 0/1, text JSON and UTC timestamps are what PostgreSQL's CSV input reads), then the
    id sequences moved past the copied ids."""
    import csv
    import io
    import sqlite3

    from django.db import connection, transaction

    t = time.perf_counter()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")  # SQLite keeps naive UTC times
        for name in RESULT_TABLES:
            description = connection.introspection.get_table_description(cur, name)
            cols = [c.name for c in description]
            # an unquoted empty CSV field is NULL: in the NOT NULL columns it is the empty text
            not_null = ", ".join(c.name for c in description if not c.null_ok)
            users = {
                i
                for i, c in enumerate(cols)
                if c in ("user_id", "updated_by_id", "assignee_id", "closed_by_id")
            }
            cur.execute(f'TRUNCATE "{name}" CASCADE')
            read = src.execute(f"SELECT {', '.join(cols)} FROM {name} ORDER BY id")
            n = 0
            copy_sql = (
                f'COPY "{name}" ({", ".join(cols)}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({not_null}))'
            )
            with cur.cursor.copy(copy_sql) as copy:
                while rows := read.fetchmany(50_000):
                    buf = io.StringIO()
                    out = csv.writer(buf)
                    for row in rows:
                        out.writerow(
                            [user.pk if i in users and v is not None else v for i, v in enumerate(row)]
                        )
                    copy.write(buf.getvalue())
                    n += len(rows)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))"
            )
            log(f"copied {name}: {n:,} rows")
    src.close()
    log(f"copied the results in {time.perf_counter() - t:.0f}s")


def pages(year: int, statistics_region: str | None = None) -> list[tuple[str, str]]:
    region = f"&region={statistics_region}" if statistics_region else ""
    return [
        ("statistics", f"/reports/?year={year}{region}"),
        ("monitoring_dashboard", f"/monitoring/?year={year}"),
        ("alert_list", f"/monitoring/alerts/?year={year}"),
        ("quality_worklist", f"/quality/?year={year}"),
        ("household_list", f"/registry/?year={year}"),
    ]


def kept_page(name: str, get, url: str, repeat: int) -> float:
    """A province page as kept (reports/kept.py): computed in the request (none kept), kept and current,
    and just after a registry write (the kept page shown, refreshed in the background); returns the slower
    of the two answers a user meets once a page is kept."""
    from django.core.cache import cache
    from django.db.models import F

    from fupin.registry.models import HouseholdYear
    from fupin.reports import kept

    cache.clear()
    t = time.perf_counter()
    get("province", url)
    computed = time.perf_counter() - t
    current = _best(lambda: get("province", url), repeat)
    # a write that changes nothing still moves the registry's version, as any write does
    HouseholdYear.objects.filter(pk=HouseholdYear.objects.order_by("pk").values("pk")[:1]).update(
        size=F("size")
    )
    t = time.perf_counter()
    get("province", url)
    after_write = time.perf_counter() - t
    t = time.perf_counter()
    kept.wait_for_refreshes(timeout=600)
    refreshed = time.perf_counter() - t + after_write
    print(
        f"{name} (kept): province computed={computed:.3f}s kept={current:.3f}s after_a_write={after_write:.3f}s "
        f"(the kept page, refreshed in the background in {refreshed:.1f}s)",
        flush=True,
    )
    return max(current, after_write)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite")
    where.add_argument("--postgres")
    ap.add_argument("--province", default=PROVINCE)
    ap.add_argument(
        "--county", help="12-digit code of the reference county (default: the one with most households)"
    )
    ap.add_argument("--year", type=int, default=YEAR)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--prepare", action="store_true", help="run the monitoring batch and quality rules first")
    ap.add_argument("--only", help="comma-separated page names")
    ap.add_argument(
        "--statistics-region",
        help="the region the province user's statistics page shows (default the province, whose registry read "
        "holds about 9 GB at 3 M households)",
    )
    ap.add_argument(
        "--copy-from",
        help="a prepared store of the same build to copy the alerts and findings from: a postgresql:// URL "
        "into a SQLite store, or a SQLite path into a PostgreSQL store",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("FUPIN_ALLOWED_HOSTS", "testserver")
    setup_django(args.sqlite or args.postgres)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fupin.core.frames import read_sql
    from fupin.monitoring.models import Alert
    from fupin.quality.models import Finding

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    province = args.province.ljust(12, "0")
    county = (
        args.county
        or read_sql(
            "SELECT substr(village_id, 1, 6) || '000000' AS code, count(*) AS n FROM registry_household "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )["code"][0]
    )
    users = {
        "province": _user("bench_province", "county_approver", province),
        "county": _user("bench_county", "county_approver", county),
    }
    _user("bench_province_supervisor", "supervisor", province)
    _user("bench_province_auditor", "auditor", province)
    print(f"database={connection.vendor} province={province} county={county} year={args.year}")

    if args.copy_from and args.postgres:
        copy_results_from_sqlite(args.copy_from, users["province"])
    elif args.copy_from:
        copy_results(args.copy_from, users["province"])
    if args.prepare:
        prepare(users["province"], args.year, province)
    print(f"alerts={Alert.objects.count():,} findings={Finding.objects.count():,}")

    def sql_count() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM registry_householdyear y JOIN registry_household h ON h.id = y.household_id "
                "WHERE h.village_id LIKE %s AND y.year = %s",
                [args.province + "%", args.year],
            )
            cur.fetchone()

    reference = _best(sql_count, args.repeat)
    print(f"reference sql_count (province household-years of {args.year}): {reference:.3f}s")

    clients = {}
    for who, user in users.items():
        c = Client()
        c.force_login(user)
        clients[who] = c

    def get(who: str, url: str) -> None:
        r = clients[who].get(url)
        if r.status_code != 200:
            raise SystemExit(f"{url} as {who}: HTTP {r.status_code}")

    only = set(args.only.split(",")) if args.only else None
    worst = 0.0
    for name, url in pages(args.year, args.statistics_region):
        if only and name not in only:
            continue
        if name in ("statistics", "monitoring_dashboard"):
            worst = max(worst, kept_page(name, get, url, args.repeat))
            continue
        best = {"province": float("inf"), "county": float("inf")}
        for _ in range(args.repeat):  # alternating, so that both meet the same machine load
            for who in ("county", "province"):
                t = time.perf_counter()
                get(who, url if who == "province" else url.split("&region=")[0])
                best[who] = min(best[who], time.perf_counter() - t)
        line = (
            f"{name}: province={best['province']:.3f}s county={best['county']:.3f}s "
            f"province/county={best['province'] / best['county']:.1f} "
            f"province/sql_count={best['province'] / reference:.1f}"
        )
        worst = max(worst, best["province"])
        print(line, flush=True)
    print(f"worst_province_page={worst:.3f}")


if __name__ == "__main__":
    main()
