"""Engine benchmark: identification + data-quality rules + statistics over a synthetic registry in memory,
against the reference scan (/work/shared/bench/reference_scan.py) run in the same process.

    python bench/engine_bench.py [--households N] [--repeat R]

Our first run comes alone; then the reference's data is built in the same process and the remaining
runs alternate, ours then the reference's scan, so both meet the same machine load. Prints the figures,
the peak RSS of our run (taken before the reference's data exists) and of the reference (measured in a
fresh child process), and as its last line `ratio=R` (our best time / the reference's scan_best).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fupin.engine import identification, quality  # noqa: E402
from fupin.engine.defaults import default_params  # noqa: E402
from fupin.engine.stats import counts_by_region, poverty_measures_by_region  # noqa: E402
from fupin.engine.synthetic_frames import regions_and_population, registry  # noqa: E402

YEAR = 2020


def _reference_module():
    for p in (
        Path("/work/shared/bench/reference_scan.py"),
        REPO.parent / "shared" / "bench" / "reference_scan.py",
    ):
        if p.exists():
            spec = importlib.util.spec_from_file_location("reference_scan", p)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    raise SystemExit("reference_scan.py not found (/work/shared/bench or ../shared/bench)")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reference_child(n: int, q) -> None:
    ref = _reference_module()
    hh, prev, people = ref.make(n)
    ref.scan(hh, prev, people)
    q.put(_peak_rss_mb())


def reference_peak_rss(n: int) -> float:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_reference_child, args=(n, q))
    p.start()
    peak = q.get()
    p.join()
    return peak


def engine_run(hy: pl.DataFrame, members: pl.DataFrame, params: pl.DataFrame, regions, population) -> dict:
    """One full pass; returns timings per stage and sizes."""
    t = {}
    t0 = time.perf_counter()
    frame = identification.household_frame(hy, members, params, extra_params=quality.RULE_PARAMS)
    t["member_summary"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    ident = identification.identify(hy, members, params, frame=frame)
    t["identify"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    findings = quality.run(hy, members, params, year=YEAR, frame=frame)
    t["quality"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    stats = counts_by_region(hy, regions, population, year=YEAR, level=3)
    measures = poverty_measures_by_region(ident, level=3)
    t["statistics"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    return {
        "t": t,
        "poor": int(ident["poor"].sum()),
        "findings": findings.height,
        "regions": stats.height,
        "measures": measures.height,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=3_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print the stage timings of every run")
    args = ap.parse_args(argv)
    n = args.households
    print(f"machine: {os.cpu_count()} cores, polars {pl.__version__}, {pl.thread_pool_size()} threads")

    ref_peak = reference_peak_rss(n)

    t = time.perf_counter()
    hy, members = registry(n, year=YEAR)
    params = default_params()
    regions, population = regions_and_population(hy, YEAR)
    t_make = time.perf_counter() - t
    print(
        f"synthetic registry: households={hy.height} members={members.height} make={t_make:.2f}s "
        f"in-memory={(hy.estimated_size() + members.estimated_size()) / 1e6:.0f}MB"
    )
    # our first run alone (its peak RSS is ours: the reference's data is not built yet) …
    best = last = engine_run(hy, members, params, regions, population)
    ours_peak = _peak_rss_mb()
    if args.profile:
        print("  ours " + " ".join(f"{k}={v:.3f}s" for k, v in best["t"].items()))
    # … then the reference's data in the same process, and the remaining runs interleaved, ours and the
    # reference's scan in turn, so that both meet the same machine (it may be shared and its load vary)
    ref = _reference_module()
    t = time.perf_counter()
    rhh, rprev, rpeople = ref.make(n)
    ref_make = time.perf_counter() - t
    ref_best = 1e9
    for _ in range(args.repeat):
        gc.collect()
        r = engine_run(hy, members, params, regions, population)
        if r["t"]["total"] < best["t"]["total"]:
            best = r
        last = r
        gc.collect()
        t = time.perf_counter()
        ref.scan(rhh, rprev, rpeople)
        ref_t = time.perf_counter() - t
        ref_best = min(ref_best, ref_t)
        if args.profile:
            print(
                "  ours "
                + " ".join(f"{k}={v:.3f}s" for k, v in r["t"].items())
                + f"  reference scan={ref_t:.3f}s"
            )
    tb = best["t"]
    print(
        f"engine best of {args.repeat + 1}: total={tb['total']:.3f}s (member summary {tb['member_summary']:.3f}s, "
        f"identify {tb['identify']:.3f}s, quality {tb['quality']:.3f}s, statistics {tb['statistics']:.3f}s)"
    )
    print(
        f"poor households={last['poor']} findings={last['findings']} rules={len(quality.RULES)} "
        f"county rows={last['regions']} rate={members.height / tb['total'] / 1e6:.1f}M members/s"
    )
    print(
        f"reference: households={n} people={rpeople.height} make={ref_make:.2f}s scan_best={ref_best:.3f}s "
        f"(best of {args.repeat})"
    )
    print(
        f"peak RSS: ours={ours_peak:.0f}MB reference={ref_peak:.0f}MB memory_ratio={ours_peak / ref_peak:.2f}"
    )
    print(f"ratio={tb['total'] / ref_best:.2f}")


if __name__ == "__main__":
    main()
