"""Nation benchmark: the full engine run over a synthetic nation (≈ 30 M persons, ≈ 8.5 M households,
≈ 2,800 counties) in one process, then partitioned by county on Dask LocalClusters of 1, 2, … worker
processes (fupin/engine/partitioned.py).

    python bench/nation_bench.py [--households N] [--counties C] [--workers 1,2] [--parts P]

The run: identification, the data-quality and integrity rules (with a year's payments to 1 % of the
people), the monitoring registry batch and the county statistics — what `fupin identify`, `quality`,
`monitor` and `stats` run over the registry.

Memory: the one-process run builds the nation in this process, runs, and frees it. The cluster runs never
hold the nation here: each part (whole counties) is generated on the worker that keeps it
(`synthetic_frames.county_registry`), only results and key columns come back. Each worker process gets
`--threads` Polars threads (default 1): one worker is one core, so the speed-up per worker is what more
machines would give, within what this machine's cores allow. Prints per stage times, speed-up per worker
(time with 1 worker / time with k), the peak RSS of this process and of the workers, whether the results
agree, and last `ratio=R` = partitioned time with the most workers / one-process time (lower is better).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fupin.engine import identification, integrity, monitoring, partitioned, quality, stats  # noqa: E402
from fupin.engine.defaults import default_params  # noqa: E402
from fupin.engine.synthetic_frames import county_registry, regions_and_population  # noqa: E402

YEAR = 2020
PAY_SHARE = 0.01


def county_codes(n: int) -> list[int]:
    """n county codes over 31 provinces (11…41), 6 cities of 15 counties each per province."""
    return [(11 + k // 90) * 10000 + ((k % 90) // 15 + 1) * 100 + k % 15 + 1 for k in range(n)]


def make_part(counties: list[tuple[int, int, int]], seed: int) -> dict[str, pl.DataFrame]:
    """The part of the nation made of `counties` (index, code, households): the registry frames and the
    year's payments to PAY_SHARE of its people. Ids are unique over the nation: county index × 10^7 + i."""
    hys, mems = [], []
    for k, code, n in counties:
        hy, m = county_registry(
            code, n, first_household=k * 10_000_000 + 1, first_member=k * 10_000_000 + 1, year=YEAR, seed=seed
        )
        hys.append(hy)
        mems.append(m)
    hy, members = pl.concat(hys), pl.concat(mems)
    rng = np.random.default_rng([seed, counties[0][0]])
    paid = members.select("id_number").filter(pl.Series(rng.random(members.height) < PAY_SHARE))
    payments = paid.with_columns(
        (pl.lit(counties[0][0] * 10_000_000) + pl.int_range(pl.len())).cast(pl.Int64).alias("payment_id"),
        pl.lit(500.0).alias("amount"),
        pl.date(YEAR, 6, 1).alias("paid_on"),
    ).select(list(integrity.PAYMENTS))
    return {"household_years": hy, "members": members, "payments": payments}


def plan_parts(n_households: int, n_counties: int, n_parts: int) -> list[list[tuple[int, int, int]]]:
    codes = county_codes(n_counties)
    per = np.full(n_counties, n_households // n_counties)
    per[: n_households % n_counties] += 1
    counties = [(k, codes[k], int(per[k])) for k in range(n_counties)]
    return [list(chunk) for chunk in np.array_split(np.array(counties, dtype=object), n_parts) if len(chunk)]


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start this process's peak RSS afresh (Linux: 5 → clear_refs), so a cluster run's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _summary(ident, findings, signals, households, counts) -> dict:
    return {
        "households": ident.height,
        "poor": int(ident["poor"].sum()),
        "findings": findings.height,
        "signals": signals.height,
        "batch_households": households,
        "persons": int(counts["persons"].sum()),
    }


def one_process(plan: list, params: pl.DataFrame) -> tuple[dict, dict]:
    t0 = time.perf_counter()
    parts = [make_part(p, 7) for p in plan]
    # the parts' chunks are kept, not copied into one buffer (that would hold the nation twice)
    hy = pl.concat([p["household_years"] for p in parts], rechunk=False)
    members = pl.concat([p["members"] for p in parts], rechunk=False)
    payments = pl.concat([p["payments"] for p in parts])
    del parts
    make = time.perf_counter() - t0
    regions, population = regions_and_population(hy, YEAR)
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    ident = identification.identify(hy, members, params)
    t["identify"] = time.perf_counter() - t0
    ident = ident.select("poor")  # the figures compared; the rest is let go before the next stage
    gc.collect()
    t1 = time.perf_counter()
    found = quality.run(hy, members, params, year=YEAR)
    empty_m, empty_e = pl.DataFrame(schema=integrity.MEASURES), pl.DataFrame(schema=integrity.EXIT_RECORDS)
    kept = integrity.run(hy, members, params, year=YEAR, measures=empty_m, exits=empty_e, payments=payments)
    findings = pl.concat([found, kept])
    t["quality"] = time.perf_counter() - t1
    del found, kept
    gc.collect()
    t1 = time.perf_counter()
    wide, R = monitoring.registry_frame(hy, members, params, YEAR)
    signals, households = monitoring.signals_long(wide, R), wide.height
    del wide
    t["monitoring"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    counts = stats.counts_by_region(hy, regions, population, year=YEAR, level=3)
    t["statistics"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    out = _summary(ident, findings, signals, households, counts)
    out.update(make=make, members=members.height)
    return t, out


def on_cluster(plan: list, params: pl.DataFrame, workers: int, threads: int) -> tuple[dict, dict, float]:
    from distributed import Client, LocalCluster, wait

    # the worker processes read it when they import Polars (this process has its pool already)
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,  # this benchmark watches the memory itself; no spilling or pausing
        ) as cluster,
        Client(cluster) as client,
    ):
        pools = set(client.run(pl.thread_pool_size).values())
        assert pools == {threads}, pools
        t0 = time.perf_counter()
        futures = [client.submit(make_part, p, 7, pure=False) for p in plan]
        wait(futures)
        make = time.perf_counter() - t0
        # the payments table is read where the run is driven (the store), as the services do
        payments = pl.concat(client.gather([client.submit(lambda p: p["payments"], f) for f in futures]))
        regions, population = regions_and_population(
            pl.concat(client.gather([client.submit(_villages, f) for f in futures])), YEAR
        )
        reg = partitioned.Partitions(client, futures)
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        ident = partitioned.identify(reg, params)
        t["identify"] = time.perf_counter() - t0
        ident = ident.select("poor")
        gc.collect()
        t1 = time.perf_counter()
        findings = pl.concat(
            [
                partitioned.quality_findings(reg, params, year=YEAR),
                partitioned.integrity_findings(reg, params, year=YEAR, payments=payments),
            ]
        )
        t["quality"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        signals, households = partitioned.registry_batch(reg, params, YEAR)
        t["monitoring"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        counts = stats.counts_from_villages(
            partitioned.village_counts(reg, YEAR), regions, population, year=YEAR, level=3
        )
        t["statistics"] = time.perf_counter() - t1
        t["total"] = time.perf_counter() - t0
        out = _summary(ident, findings, signals, households, counts)
        out["make"] = make
        worker_peak = max(client.run(_peak_mb).values())
    return t, out, worker_peak


def _villages(part: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """village, size of a part's households: enough for the county regions and their denominators."""
    return part["household_years"].select("village", "size")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=8_500_000)
    ap.add_argument("--counties", type=int, default=2_800)
    ap.add_argument("--workers", default="1,2", help="worker counts of the clusters, e.g. 1,2,4")
    ap.add_argument("--threads", type=int, default=1, help="Polars threads per worker process")
    ap.add_argument(
        "--parts", type=int, default=16, help="parts of whole counties (the same for every cluster)"
    )
    args = ap.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    params = default_params()
    plan = plan_parts(args.households, args.counties, args.parts)
    print(
        f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, polars {pl.__version__} "
        f"({pl.thread_pool_size()} threads here); nation: {args.households} households, {args.counties} "
        f"counties, {len(plan)} parts"
    )

    t1, ref = one_process(plan, params)
    peak_one = _peak_mb()
    print(
        f"one process: members={ref['members']} make={ref['make']:.1f}s total={t1['total']:.2f}s "
        + " ".join(f"{k}={v:.2f}s" for k, v in t1.items() if k != "total")
        + f" peak_rss={peak_one:.0f}MB"
    )
    gc.collect()
    times = {}
    for w in workers:
        _reset_peak()
        t, out, worker_peak = on_cluster(plan, params, w, args.threads)
        times[w] = t["total"]
        same = all(
            out[k] == ref[k]
            for k in ("households", "poor", "findings", "signals", "batch_households", "persons")
        )
        print(
            f"{w} worker(s) × {args.threads} thread(s): make={out['make']:.1f}s total={t['total']:.2f}s "
            + " ".join(f"{k}={v:.2f}s" for k, v in t.items() if k != "total")
            + f" peak_rss here={_peak_mb():.0f}MB per worker={worker_peak:.0f}MB same_results={same}"
        )
        gc.collect()
    if not workers:
        return
    base = times[workers[0]]
    for w in workers:
        print(
            f"speed-up {w} worker(s) vs {workers[0]}: {base / times[w]:.2f} ({base / times[w] / (w / workers[0]):.2f} per worker)"
        )
    print(f"ratio={times[workers[-1]] / t1['total']:.2f}")


if __name__ == "__main__":
    main()
