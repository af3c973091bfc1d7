"""A full engine run from the store at province scale: read + identification + monitoring batch + quality +
statistics, on SQLite and PostgreSQL, against the same engine run on frames already in memory.

    python bench/store_bench.py --households 3000000 --sqlite PATH [--postgres URL | --no-postgres]
        [--repeat R] [--cursor-county]

Each store is built once with bench/province_store.py if it holds no households yet (3 M households ≈
10.5 M members, two years), then measured in a child process of its own (Django set up on that store,
FUPIN_HOME a fresh folder so the registry snapshot starts cold):
- read, cold: `registry_frames("", [Y-1, Y])` with no snapshot: the Arrow-native read of the store (ADBC)
  and the Parquet snapshot written (registry/snapshot.py);
- read, warm: the same call again (the snapshot of the current version), best of R;
- engine: identification (with the member summary), the data-quality rules, the monitoring registry batch
  and the statistics (counts and poverty measures by county, age bands) over the frames read, best of R —
  the in-memory engine run, the reference;
- the cursor read of one county (the path before the snapshot), for the rows/s it gives.
Prints the figures and as its last line `ratio=R`: (warm read + engine) / engine on the slower store.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

YEAR = 2024


def _best(f, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def engine_run(hy, members, params, regions, population) -> dict:
    """The engine's whole pass over the registry frames of two years, as the services run it."""
    import polars as pl

    from fupin.engine import identification, monitoring, quality
    from fupin.engine.stats import age_band_counts, counts_by_region, poverty_measures_by_region

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    this_year = hy.filter(pl.col("year") == YEAR)
    frame = identification.household_frame(this_year, members, params, extra_params=quality.RULE_PARAMS)
    ident = identification.identify(this_year, members, params, frame=frame)
    t["identify"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    findings = quality.run(this_year, members, params, year=YEAR, frame=frame)
    t["quality"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    wide, resolved = monitoring.registry_frame(hy, members, params, YEAR)
    signals = monitoring.signals_long(wide, resolved)
    t["monitoring"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    counts = counts_by_region(this_year, regions, population, year=YEAR, level=3)
    poverty_measures_by_region(ident, level=3)
    age_band_counts(members, this_year.select("household_id", "village", "year"), params, year=YEAR, level=3)
    t["statistics"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    return {
        "t": t,
        "poor": int(ident["poor"].sum()),
        "findings": findings.height,
        "signals": signals.height,
        "counties": counts.height,
    }


def measure(target: str, repeat: int, cursor_county: bool) -> dict:
    """In the child: Django on `target`, the reads and the engine timed."""
    sys.path.insert(0, str(REPO / "bench"))
    from province_store import setup_django

    setup_django(target)
    import polars as pl

    from fupin.policy.services import params_frame
    from fupin.registry import snapshot
    from fupin.registry.selectors import registry_frames
    from fupin.reports import selectors as rs

    years = [YEAR - 1, YEAR]
    shutil.rmtree(snapshot.folder(), ignore_errors=True)
    t = time.perf_counter()
    hy, members = registry_frames("", years)
    cold = time.perf_counter() - t
    if not any(snapshot.folder().glob("*/members.parquet")):
        raise SystemExit("the snapshot was not built: see the warning above")
    warm, (hy, members) = _best(lambda: registry_frames("", years), repeat)
    rows = hy.height + members.height
    params = params_frame()
    regions = rs.region_names("", 3).with_columns(pl.lit(3, pl.Int64).alias("level"))
    population = rs.rural_population("", YEAR, 3)
    engine_best, result = float("inf"), None
    for _ in range(repeat):
        r = engine_run(hy, members, params, regions, population)
        if r["t"]["total"] < engine_best:
            engine_best, result = r["t"]["total"], r
    out = {
        "households": hy.filter(pl.col("year") == YEAR).height,
        "household_years": hy.height,
        "members": members.height,
        "read_cold_s": cold,
        "read_warm_s": warm,
        "rows_per_s_warm": rows / warm,
        "rows_per_s_cold": rows / cold,
        "engine_s": engine_best,
        "stages": result["t"],
        "poor": result["poor"],
        "findings": result["findings"],
        "signals": result["signals"],
        "full_run_s": warm + engine_best,
        "full_run_cold_s": cold + engine_best,
        "ratio": (warm + engine_best) / engine_best,
    }
    if cursor_county:
        county = hy["village"].str.slice(0, 6).mode().sort()[0]  # the county with the most households
        snapshot_on = snapshot.enabled
        snapshot.enabled = lambda: False
        t = time.perf_counter()
        c_hy, c_m = registry_frames(county, years)
        out["cursor_county_s"] = time.perf_counter() - t
        out["cursor_county_rows_per_s"] = (c_hy.height + c_m.height) / out["cursor_county_s"]
        snapshot.enabled = snapshot_on
        t = time.perf_counter()
        s_hy, s_m = registry_frames(county, years)
        out["snapshot_county_s"] = time.perf_counter() - t
        assert s_hy.equals(c_hy) and s_m.equals(c_m), "the snapshot and the cursor read differ"
    return out


def _child(args: list[str], home: Path) -> dict:
    env = {**os.environ, "FUPIN_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"child failed: {args}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _has_households(target: str, home: Path) -> bool:
    return _child(["--count", target], home)["households"] > 0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=3_000_000)
    ap.add_argument("--sqlite", type=Path, help="the SQLite store (built if it holds no households)")
    ap.add_argument("--postgres", help="postgresql:// URL of the database (built if it holds no households)")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cursor-county", action="store_true", help="also time the cursor read of one county")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--count", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.repeat, args.cursor_county)))
        return
    if args.count:
        sys.path.insert(0, str(REPO / "bench"))
        from province_store import setup_django

        setup_django(args.count)
        from fupin.program.setup import init_store
        from fupin.registry.models import Household

        init_store()
        print(json.dumps({"households": Household.objects.count()}))
        return

    targets = []
    if args.sqlite:
        targets.append(("sqlite", str(args.sqlite.resolve())))
    if args.postgres and not args.no_postgres:
        targets.append(("postgresql", args.postgres))
    if not targets:
        raise SystemExit("give --sqlite PATH and/or --postgres URL")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    results = {}
    for name, target in targets:
        with tempfile.TemporaryDirectory(prefix="store-bench-") as home:
            if not _has_households(target, Path(home)):
                t = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        str(REPO / "bench" / "province_store.py"),
                        "--households",
                        str(args.households),
                        "--sqlite" if name == "sqlite" else "--postgres",
                        target,
                    ],
                    env={**os.environ, "FUPIN_HOME": home, "PYTHONPATH": str(REPO)},
                    check=True,
                )
                print(f"{name}: built {args.households:,} households in {time.perf_counter() - t:.0f}s")
            extra = ["--cursor-county"] if args.cursor_county else []
            r = results[name] = _child(["--child", target, "--repeat", str(args.repeat), *extra], Path(home))
        stages = " ".join(f"{k} {v:.2f}s" for k, v in r["stages"].items())
        print(
            f"{name}: {r['households']:,} households, {r['household_years']:,} household-years, "
            f"{r['members']:,} members\n"
            f"  read cold {r['read_cold_s']:.2f}s ({r['rows_per_s_cold'] / 1e6:.2f} M rows/s, snapshot built)\n"
            f"  read warm {r['read_warm_s']:.2f}s ({r['rows_per_s_warm'] / 1e6:.2f} M rows/s)\n"
            f"  engine    {r['engine_s']:.2f}s ({stages}; poor {r['poor']:,}, findings {r['findings']:,}, "
            f"signals {r['signals']:,})\n"
            f"  full run  {r['full_run_s']:.2f}s warm, {r['full_run_cold_s']:.2f}s cold; "
            f"ratio to the in-memory engine {r['ratio']:.2f}"
        )
        if "cursor_county_s" in r:
            print(
                f"  one county: cursor {r['cursor_county_s']:.2f}s "
                f"({r['cursor_county_rows_per_s'] / 1e3:.0f} k rows/s), snapshot {r['snapshot_county_s']:.2f}s"
            )
    print(f"ratio={max(r['ratio'] for r in results.values()):.2f}")


if __name__ == "__main__":
    main()
