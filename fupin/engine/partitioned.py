"""Engine runs partitioned by county on Dask distributed: past one machine (DESIGN.md, "Scale").

The registry is cut into parts of whole counties (the first 6 digits of the village code); each part —
its household-years, the member rows of its households and any other per-household frame (measures,
exits, monitoring cases) — lives on a Dask worker, and each engine function runs there over its part.
A household belongs to one village, so everything the engine computes per household, per village or
per county is computed whole in one part, and the parts' results put together are the single run's.

What looks across counties is done over key columns on the client before the parts run, then handed to
each part, so the results stay those of one call over the whole registry:

- the member rules read each person's latest membership (quality.latest_memberships): a person who moved
  has a row in each household, possibly in two counties. The parts send their member ids; the ids seen
  more than once come back as (part, row, start date, household) and the latest row is chosen there;
- the payments to registered people (integrity DQ-K5a/b) are matched by ID number to every membership
  period: the parts send the periods of the year's payees' ID numbers and the payees are filed under
  their household once, over all of them;
- statistics add up: each part counts its villages (stats.village_counts, headline.village_groups) and
  the village rows are rolled up to every level here — sums of counts, never averages of averages.

Results come back in the single run's order where the engine promises one (identification: the input
order of the household-years; the monitoring batch: signal by signal, household by household); findings
come part by part (their order is not part of the result: they are stored by rule, household and member).

`distributed` is imported inside `connect` only: without Dask installed the engine works as before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl

from fupin.engine import headline, identification, integrity, monitoring, quality, stats
from fupin.engine.regions import COUNTY, LEVEL_PREFIX_LEN

Part = dict[str, pl.DataFrame]  # "household_years", "members" and the frames split by household
HOUSEHOLD_YEARS, MEMBERS = "household_years", "members"
c = pl.col


class ClusterError(RuntimeError):
    """Dask is missing or the scheduler cannot be reached: nothing ran."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


@contextmanager
def connect(scheduler: str, *, timeout: float = 10) -> Iterator[Any]:
    """A `distributed.Client` of the scheduler at `scheduler` (e.g. tcp://10.0.0.5:8786), closed on leaving.

    The client runs on an event loop of its own (`_ClientLoop`), stopped on leaving whatever happened: a
    client that fails to connect never stops the loop thread it started itself, so a server whose
    scheduler is down would gain a thread at every request that tried it."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "未安装 Dask：请安装 fupin[dask]（pip install 'fupin[dask]'）",
            "Dask is not installed: install fupin[dask] (pip install 'fupin[dask]')",
        ) from None
    loop = _ClientLoop()
    try:
        try:
            client = Client(scheduler, loop=loop.ioloop, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise ClusterError(
                f"无法连接 Dask 调度器 {scheduler}：{e}", f"cannot reach the Dask scheduler {scheduler}: {e}"
            ) from None
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
    finally:
        loop.stop()


class _ClientLoop:
    """An event loop running in a thread of its own until `stop()`; what is still pending on it then is
    cancelled (asyncio.run)."""

    def __init__(self) -> None:
        from tornado.ioloop import IOLoop

        ready = threading.Event()

        async def run() -> None:
            self.ioloop = IOLoop.current()
            self._loop = asyncio.get_running_loop()
            self._stopped = asyncio.Event()
            ready.set()
            await self._stopped.wait()

        self._thread = threading.Thread(
            target=asyncio.run, args=(run(),), name="dask-client-loop", daemon=True
        )
        self._thread.start()
        ready.wait()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)


def county_of(village: pl.Expr) -> pl.Expr:
    return village.str.slice(0, LEVEL_PREFIX_LEN[COUNTY])


@dataclass
class Partitions:
    """The registry's parts on a cluster: `parts` are futures of `Part`s. `order` (household_id, year of
    the household-years as given, when they were given here) puts results back in the input order."""

    client: Any
    parts: list[Any]
    order: pl.DataFrame | None = None


def plan(household_years: pl.DataFrame, n_parts: int) -> pl.DataFrame:
    """county → part: runs of whole counties, in code order, of about the same number of rows."""
    counties = (
        household_years.group_by(county_of(c("village")).alias("county"))
        .agg(pl.len().alias("_n"))
        .sort("county", nulls_last=True)
    )
    total = max(int(counties["_n"].sum() or 0), 1)
    before = c("_n").cum_sum() - c("_n")
    return counties.select("county", (before * n_parts // total).cast(pl.Int64).alias("part"))


def split(
    household_years: pl.DataFrame,
    members: pl.DataFrame | None = None,
    *,
    n_parts: int,
    by_household: Mapping[str, pl.DataFrame] | None = None,
) -> list[Part]:
    """The frames cut into parts of whole counties, each frame's rows in their order. Member rows (and rows
    of `by_household` frames) go with their household; those of households without a household-year
    go to the first part: no per-household result reads them, only the steps over all people do."""
    counties = plan(household_years, n_parts)
    hy = household_years.with_columns(county_of(c("village")).alias("county")).join(
        counties, on="county", how="left", maintain_order="left", nulls_equal=True
    )
    owner = hy.select("household_id", "part").unique("household_id")
    frames = {MEMBERS: members} if members is not None else {}
    frames.update(by_household or {})
    cut = {HOUSEHOLD_YEARS: hy.drop("county").partition_by("part", as_dict=True, include_key=False)}
    for name, df in frames.items():
        placed = df.join(owner, on="household_id", how="left", maintain_order="left").with_columns(
            c("part").fill_null(0)
        )
        cut[name] = placed.partition_by("part", as_dict=True, include_key=False)
    parts = sorted(counties["part"].unique().to_list()) or [0]
    out = []
    for p in parts:
        part: Part = {}
        for name, pieces in cut.items():
            src = household_years if name == HOUSEHOLD_YEARS else frames[name]
            part[name] = pieces.get((p,), src.clear())
        out.append(part)
    return out


def default_parts(client: Any) -> int:
    """Two parts per worker thread: a slow worker delays the end less than with one."""
    return max(1, 2 * int(sum(client.nthreads().values())))


def scatter(
    client: Any,
    household_years: pl.DataFrame,
    members: pl.DataFrame | None = None,
    *,
    n_parts: int | None = None,
    by_household: Mapping[str, pl.DataFrame] | None = None,
) -> Partitions:
    """Frames held here, cut by county and sent to the workers."""
    parts = split(
        household_years, members, n_parts=n_parts or default_parts(client), by_household=by_household
    )
    futures = client.scatter(parts)
    return Partitions(client, futures, household_years.select("household_id", "year"))


def _map(reg: Partitions, fn: Callable[..., Any], *args: Any, each: list[Any] | None = None) -> list[Any]:
    """fn(part, [each[i],] *args) on every part, on the workers; the results in part order."""
    futures = [
        reg.client.submit(fn, part, *([each[i]] if each is not None else []), *args, pure=False)
        for i, part in enumerate(reg.parts)
    ]
    return list(reg.client.gather(futures))


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames, how="vertical")


# --- identification ------------------------------------------------------------------------------------


def _identify(part: Part, params: pl.DataFrame, count_death_year: bool) -> pl.DataFrame:
    return identification.identify(
        part[HOUSEHOLD_YEARS], part[MEMBERS], params, count_death_year=count_death_year
    )


def identify(reg: Partitions, params: pl.DataFrame, *, count_death_year: bool = True) -> pl.DataFrame:
    """identification.identify over every part: one row per household-year, in the input order."""
    out = _concat(_map(reg, _identify, params, count_death_year))
    if reg.order is None:
        return out
    return reg.order.join(out, on=["household_id", "year"], how="left", maintain_order="left").select(
        out.columns
    )


# --- data quality ----------------------------------------------------------------------------------------


def _member_ids(part: Part) -> pl.Series:
    return part[MEMBERS]["member_id"].cast(pl.Int64)


def _rows_of(part: Part, ids: pl.Series) -> pl.DataFrame:
    return (
        identification.prepare_members(part[MEMBERS])
        .with_row_index("_row")
        .filter(c("member_id").is_in(ids.implode()))
        .select("_row", "member_id", "start_date", "household_id")
        .collect()
    )


def latest_rows(reg: Partitions) -> tuple[pl.Series, list[pl.Series]]:
    """The ids of the people with several membership rows anywhere, and per part the row numbers of
    those people's latest memberships that lie in it (quality.latest_memberships over all parts)."""
    ids = pl.concat(_map(reg, _member_ids))
    # n_unique first: a hash count is far cheaper than is_duplicated over tens of millions of ids
    several = ids.head(0) if ids.n_unique() == ids.len() else ids.filter(ids.is_duplicated()).unique()
    empty = pl.Series("_row", [], dtype=pl.UInt32)
    if several.is_empty():
        return several, [empty] * len(reg.parts)
    rows = pl.concat(
        [df.with_columns(pl.lit(i).alias("_part")) for i, df in enumerate(_map(reg, _rows_of, several))]
    )
    # the same choice as quality.latest_memberships: rows in the registry's order, a stable sort, the last
    chosen = (
        rows.sort("start_date", "household_id", nulls_last=False, maintain_order=True)
        .unique("member_id", keep="last")
        .select("_part", "_row")
    )
    return several, [chosen.filter(c("_part") == i)["_row"] for i in range(len(reg.parts))]


def _quality(
    part: Part, chosen: pl.Series, params: pl.DataFrame, year: int, several: pl.Series
) -> pl.DataFrame:
    hy = part[HOUSEHOLD_YEARS].filter(c("year") == year)
    members = identification.prepare_members(part[MEMBERS]).collect()
    rows = (
        members.with_row_index("_row")
        .filter(~c("member_id").is_in(several.implode()) | c("_row").is_in(chosen.implode()))
        .drop("_row")
    )
    return quality.run(hy, members, params, year=year, member_rows=rows)


def quality_findings(reg: Partitions, params: pl.DataFrame, *, year: int) -> pl.DataFrame:
    """quality.run over the household-years of `year` of every part (quality.FINDINGS, part by part)."""
    several, chosen = latest_rows(reg)
    return _concat(_map(reg, _quality, params, year, several, each=chosen))


def _periods(part: Part, ids: pl.Series) -> pl.DataFrame:
    return integrity.payee_periods(part[MEMBERS], ids)


def _integrity(part: Part, payee_rows: pl.DataFrame, params: pl.DataFrame, year: int) -> pl.DataFrame:
    def frame(name: str, schema: dict[str, Any]) -> pl.DataFrame:
        return part[name] if name in part else pl.DataFrame(schema=schema)

    return integrity.run(
        part[HOUSEHOLD_YEARS],
        part[MEMBERS],
        params,
        year=year,
        measures=frame("measures", integrity.MEASURES),
        exits=frame("exits", integrity.EXIT_RECORDS),
        payments=pl.DataFrame(schema=integrity.PAYMENTS),
        payee_rows=payee_rows,
    )


def integrity_findings(
    reg: Partitions, params: pl.DataFrame, *, year: int, payments: pl.DataFrame
) -> pl.DataFrame:
    """integrity.run over every part (its household-years of `year − 1` and `year`, and the parts'
    "measures" and "exits" frames when they have them); the payments are matched to people here, once."""
    paid = payments.cast(pl.Schema(integrity.PAYMENTS)).filter(c("paid_on").dt.year() == year)
    ids = paid["id_number"].drop_nulls().unique()
    periods = pl.concat(
        [df.with_columns(pl.lit(i).alias("_part")) for i, df in enumerate(_map(reg, _periods, ids))]
    )
    payees = integrity.payees(paid, periods.drop("_part"), year)
    owner = periods.select("household_id", "_part").unique("household_id")
    payees = payees.join(owner, on="household_id", how="left")
    per_part = [payees.filter(c("_part") == i).drop("_part") for i in range(len(reg.parts))]
    return _concat(_map(reg, _integrity, params, year, each=per_part))


# --- monitoring ------------------------------------------------------------------------------------------


def _batch(part: Part, params: pl.DataFrame, year: int) -> tuple[pl.DataFrame, int]:
    if part[HOUSEHOLD_YEARS].filter(c("year") == year).is_empty():
        return pl.DataFrame(schema=monitoring.SIGNAL_OUTPUT), 0
    wide, R = monitoring.registry_frame(part[HOUSEHOLD_YEARS], part[MEMBERS], params, year)
    return monitoring.signals_long(wide, R), wide.height


def registry_batch(reg: Partitions, params: pl.DataFrame, year: int) -> tuple[pl.DataFrame, int]:
    """monitoring.registry_batch over every part, in its order (signal by signal, then by household), and
    the number of households with a record in `year`."""
    done = _map(reg, _batch, params, year)
    rank = {s.id: i for i, s in enumerate(monitoring.SIGNALS)}
    signals = (
        _concat([s for s, _ in done])
        .with_columns(c("signal_id").replace_strict(rank, return_dtype=pl.Int64).alias("_rank"))
        .sort("_rank", "household_id", maintain_order=True)
        .drop("_rank")
    )
    return signals, sum(n for _, n in done)


# --- statistics ------------------------------------------------------------------------------------------


def _village_counts(part: Part, year: int) -> pl.DataFrame:
    return stats.village_counts(part[HOUSEHOLD_YEARS], year)


def village_counts(reg: Partitions, year: int) -> pl.DataFrame:
    """stats.village_counts of every part, for stats.counts_from_villages / tree_from_villages."""
    return _concat(_map(reg, _village_counts, year))


def _village_groups(part: Part, years: list[int]) -> pl.DataFrame:
    cases = part.get("cases")
    if cases is None:
        raise KeyError("the parts carry no monitoring cases (scatter(by_household={'cases': …}))")
    return headline.village_groups(part[HOUSEHOLD_YEARS], cases, years=years)


def village_groups(reg: Partitions, years: list[int]) -> pl.DataFrame:
    """headline.village_groups of every part (each with the cases of its households), for
    headline.headline_from_villages."""
    return _concat(_map(reg, _village_groups, list(years)))
