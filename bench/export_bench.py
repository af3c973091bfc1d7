"""Exports at county and province scale: time and peak memory, to show that memory does not grow with rows.

    python bench/export_bench.py --sqlite PATH | --postgres URL [--only households.csv,...]

Against a store built by bench/province_store.py (and prepared by bench/pages_bench.py --prepare, for the
alerts and findings). Each export runs in a child process of its own — the web page through Django's test
client, as the province's or a county's approver (bench_province / bench_county, made by pages_bench.py),
the streamed body read to the end — which reports its wall time, the rows logged in the export log, the
bytes sent and its peak RSS. Printed per export: both scopes, and the growth of peak RSS per row between
them (`growth_per_row`, bytes; ≈ 0 when memory is flat). The reference is the child's RSS after the same
request for an empty result (a search that matches nothing), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

EXPORTS = {  # name → URL (year 2024)
    "households.csv": "/registry/export/?format=csv&year=2024",
    "households.xlsx": "/registry/export/?format=xlsx&year=2024",
    "findings.xlsx": "/quality/export/?year=2024",
    "alerts.xlsx": "/monitoring/alerts/export/?year=2024",
}


def child(target: str, username: str, url: str) -> None:
    os.environ.setdefault("FUPIN_ALLOWED_HOSTS", "testserver")
    from bench.province_store import setup_django

    setup_django(target)
    from django.conf import settings
    from django.test import Client

    from fupin.accounts.models import ExportLog, User

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    c = Client()
    c.force_login(User.objects.get(username=username))
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    r = c.get(url)
    size = 0
    if r.streaming:
        for part in r.streaming_content:
            size += len(part)
    else:
        size = len(r.content)
    seconds = time.perf_counter() - t
    log = ExportLog.objects.order_by("-id").first()
    print(
        json.dumps(
            {
                "status": r.status_code,
                "streamed": r.streaming,
                "seconds": seconds,
                "bytes": size,
                "rows": log.rows if log else 0,
                "rss_before_mb": base_rss,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run(target: str, username: str, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", target, username, url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite")
    where.add_argument("--postgres")
    ap.add_argument("--only", help="comma-separated export names: " + ", ".join(EXPORTS))
    ap.add_argument("--county-only", action="store_true", help="skip the province-wide exports")
    args = ap.parse_args(argv)
    target = args.sqlite or args.postgres
    names = args.only.split(",") if args.only else list(EXPORTS)
    empty = run(target, "bench_province", EXPORTS["households.csv"] + "&q=no-such-household")
    print(
        f"reference (empty export): {empty['seconds']:.2f}s peak RSS {empty['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    worst = 0.0
    for name in names:
        url = EXPORTS[name]
        county = run(target, "bench_county", url)
        line = (
            f"{name}: county rows={county['rows']:,} {county['seconds']:.1f}s "
            f"{county['bytes'] / 1e6:.0f} MB sent, peak RSS {county['peak_rss_mb']:.0f} MB"
        )
        if not args.county_only and name != "households.xlsx":  # a province's members do not fit in one sheet
            prov = run(target, "bench_province", url)
            growth = (
                (prov["peak_rss_mb"] - county["peak_rss_mb"]) * 2**20 / (prov["rows"] - county["rows"])
                if prov["rows"] > county["rows"]
                else float("nan")
            )
            worst = max(worst, growth)
            line += (
                f" | province rows={prov['rows']:,} {prov['seconds']:.1f}s {prov['bytes'] / 1e6:.0f} MB sent, "
                f"peak RSS {prov['peak_rss_mb']:.0f} MB | growth_per_row={growth:.1f} bytes "
                f"(streamed={prov['streamed']})"
            )
        print(line, flush=True)
    print(f"max_growth_per_row={worst:.1f}")


if __name__ == "__main__":
    main()
