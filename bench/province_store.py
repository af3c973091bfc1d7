"""A province-scale store for benchmarks: N synthetic households written straight into the Django tables.

    python bench/province_store.py --households 3000000 --sqlite PATH
    python bench/province_store.py --households 3000000 --postgres postgresql://user@host:port/db

    from bench.province_store import build
    summary = build("/tmp/p.sqlite3", households=3_000_000, seed=2024)   # or a postgresql:// URL

The store is migrated and loaded with the built-in regions and default policy (`fupin init`), then filled,
in foreign-key order, with: villages (invented, 8–25 under each real township of the province, about 30 %
poor) and the rural population of every village, township, county, prefecture and the province for both
years; households (户编号 = village code + sequence, head's name, phone); two household-year records each
(YEAR − 1 and YEAR, incomes moving between them and a few percent falling, so the year-on-year rules have
data); members (1–6 a household, ≈ 3.5 on average: 3 M households ≈ 10.5 M people, unique valid ID numbers
issued in the household's county); one open membership per member.

Left out: the history (registry.Change rows: no page the benchmarks time reads them; an import would write
one per household), import batches, assistance, monitoring and quality rows (the benchmarks make those
through the real services), accounts.

The rows are generated vectorised (`fupin.engine.synthetic_frames.registry` for households and people,
names from `fupin.program.synthetic`) and written with bulk SQL: on SQLite through ADBC into a scratch file
(Arrow → SQLite in C) that Python's sqlite3 then attaches and copies in with one `INSERT … SELECT` per
table, one transaction, no journal, the secondary indexes dropped during the copy and rebuilt after (ADBC
bundles its own SQLite: it only ever opens the scratch file, never the store). On PostgreSQL through
`COPY … FROM STDIN (FORMAT csv)` with psycopg, Polars writing the CSV a chunk at a time, the secondary
indexes likewise rebuilt after the copy. A progress line per table with its time goes to stderr.

Building needs memory for the frames: ≈ 5 GB at 3 M households.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fupin.registry.canonical import (  # noqa: E402
    HOUSEHOLD_DERIVED,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    YEAR_DERIVED,
    YEAR_FIELDS,
)

YEAR = 2024
PROVINCE = "52"  # 贵州: 88 counties, 1,510 townships in the built-in codes
POOR_VILLAGE_SHARE = 0.3
CHUNK = 1_000_000  # rows written at a time

Progress = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- Django


def _database_url(target: str) -> str:
    if target.startswith(("postgres://", "postgresql://", "sqlite://")):
        return target
    return "sqlite:///" + str(Path(target).resolve())


def setup_django(target: str) -> None:
    """Point fupin's settings at `target` (a SQLite path or a database URL) and set Django up."""
    from django.conf import settings

    url = _database_url(target)
    if settings.configured:
        db = settings.DATABASES["default"]
        wanted = url.removeprefix("sqlite:///") if url.startswith("sqlite:") else None
        if wanted is not None and str(db["NAME"]) != wanted:
            raise RuntimeError(f"Django is already set up on another database: {db['NAME']}")
        return
    os.environ["FUPIN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()


# ------------------------------------------------------------------------------------------- the rows


def village_rows(seed: int, province: str) -> pl.DataFrame:
    """Invented villages under every township of the province in the store: code, name, township_code,
    is_poor."""
    from fupin.program.synthetic.places import draw_villages
    from fupin.regions import codes as rcodes
    from fupin.regions.models import Region

    towns = list(
        Region.objects.filter(code__startswith=province, level=rcodes.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
    )
    if not towns:
        raise ValueError(f"no townships under province {province}: run `fupin init` first")
    rng = np.random.default_rng([seed, 1])
    villages = draw_villages(rng, [(code[:9], name) for code, name in towns])
    return villages.with_columns(is_poor=pl.Series(rng.random(villages.height) < POOR_VILLAGE_SHARE))


def registry_rows(n: int, seed: int, villages: pl.DataFrame, year: int = YEAR) -> dict[str, pl.DataFrame]:
    """The households, their two yearly records, members and memberships as DB-ready frames (ids from 1)."""
    from fupin.engine.synthetic_frames import id_numbers, registry
    from fupin.program.synthetic.households import _phones
    from fupin.program.synthetic.people import _names, _surname_draw

    hy, members = registry(n, year=year, seed=seed)
    rng = np.random.default_rng([seed, 2])
    # households land in villages by weight, numbered in village order (as a county's import numbers them)
    nv = villages.height
    weights = rng.gamma(2.0, 1.0, nv)
    village_idx = np.sort(rng.choice(nv, size=n, p=weights / weights.sum()))
    first = np.searchsorted(village_idx, np.arange(nv))
    seq = np.arange(n) - first[village_idx] + 1
    village = villages["code"].gather(pl.Series(village_idx))
    hh_no = pl.select(pl.concat_str(village, pl.Series(seq).cast(pl.String).str.zfill(4))).to_series()

    # people: names from the demo's generator (one surname per household for the men born into it), ID
    # numbers issued in the household's county, made unique by numbering people of one county, birth date
    # and sex (the sequence digit's parity is the sex)
    hh_of = members["household_id"].to_numpy() - 1
    male = (members["sex"] == "1").to_numpy()
    surname = _surname_draw(rng, n)[hh_of]
    spouse_surname = _surname_draw(rng, members.height)
    own_surname = np.where(
        members["relation"].is_in(["spouse", "mother"]).to_numpy(), spouse_surname, surname
    )
    names = _names(rng, own_surname, male)
    county6 = village.str.slice(0, 6).cast(pl.Int64).to_numpy()[hh_of]
    birth = members["birth_date"]
    people = pl.DataFrame({"county": county6, "birth": birth, "male": male})
    rank = people.select(pl.int_range(pl.len()).over("county", "birth", "male")).to_series().to_numpy()
    ymd = (
        pl.select(
            birth.dt.year().cast(pl.Int64) * 10000 + birth.dt.month().cast(pl.Int64) * 100 + birth.dt.day()
        )
        .to_series()
        .to_numpy()
    )
    ids = id_numbers(county6, ymd, rank * 2 + male)

    households = pl.DataFrame(
        {
            "id": hy["household_id"],
            "household_no": hh_no,
            "village_id": village,
            "phone": _phones(rng, n),
            "head_name": names.filter(members["relation"] == "head"),
            "size": hy["size"],
        }
    )
    this_year = hy.with_columns(
        village=village,
        other_causes=pl.col("other_causes").fill_null(""),
        exit_year=pl.when(pl.col("exit_year") > 2020).then(2020).otherwise(pl.col("exit_year")),
    )
    # the year before: incomes a little lower for most, higher for a few percent (whose income then fell)
    factor = np.where(rng.random(n) < 0.04, rng.uniform(1.3, 2.0, n), rng.uniform(0.85, 1.0, n))
    amounts = ["wage_income", "business_income", "property_income", "transfer_income", "business_cost"]
    before = this_year.with_columns(
        pl.lit(year - 1, pl.Int64).alias("year"),
        *[(pl.col(c) * pl.Series(factor)).round(2).alias(c) for c in amounts],
        (pl.col("out_of_pocket") * pl.Series(rng.uniform(0.5, 1.5, n))).round(2),
    ).with_columns(
        net_income=(
            pl.col("wage_income")
            + pl.col("business_income")
            + pl.col("property_income")
            + pl.col("transfer_income")
            - pl.col("business_cost")
        ).round(2)
    )
    before = before.with_columns(net_income_per_capita=(pl.col("net_income") / pl.col("size")).round(2))
    years = (
        pl.concat([before, this_year.select(before.columns)])
        .sort("household_id", "year")
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
        .drop("village")
    )
    member_rows = members.with_columns(
        id=pl.col("member_id"),
        id_number=ids,
        name=names,
        disability_cert=pl.col("disability_cert").fill_null(""),
    ).drop("member_id")
    memberships = member_rows.select(
        pl.col("id").alias("member_id"),
        "household_id",
        "relation",
        pl.when(pl.col("birth_date") > dt.date(2014, 1, 1))
        .then(pl.col("birth_date"))
        .otherwise(dt.date(2014, 1, 1))
        .alias("start_date"),
        pl.when(pl.col("birth_date") > dt.date(2014, 1, 1))
        .then(pl.lit("birth"))
        .otherwise(pl.lit("registered"))
        .alias("start_reason"),
    ).with_row_index("id", offset=1)
    return {
        "households": households,
        "years": years,
        "members": member_rows,
        "memberships": memberships.with_columns(pl.col("id").cast(pl.Int64)),
    }


def population_rows(villages: pl.DataFrame, households: pl.DataFrame, seed: int, years: list[int]):
    """Rural population (the denominator of incidence) of every village and each region above it."""
    rng = np.random.default_rng([seed, 3])
    persons = (
        households.group_by("village_id")
        .agg(pl.col("size").sum())
        .join(villages.select(pl.col("code").alias("village_id")), on="village_id", how="right")
        .with_columns(pl.col("size").fill_null(0))
    )
    base = np.maximum(rng.integers(800, 3600, persons.height), persons["size"].to_numpy() * 3)
    frames = []
    for k, y in enumerate(sorted(years)):
        frames.append(
            persons.select(
                pl.col("village_id").alias("code"),
                pl.lit(y, pl.Int64).alias("year"),
                pl.Series((base * (1 - 0.008) ** (len(years) - 1 - k)).astype(np.int64)).alias(
                    "rural_population"
                ),
            )
        )
    v = pl.concat(frames)
    ups = [
        v.group_by(pl.col("code").str.slice(0, digits).str.pad_end(12, "0"), "year").agg(
            pl.col("rural_population").sum()
        )
        for digits in (9, 6, 4, 2)
    ]
    return pl.concat([v, *ups]).rename({"code": "region_id"}).sort("region_id", "year")


# ------------------------------------------------------------------------------------------- writing

# The registry's own columns (registry/canonical.py) plus the keys and what canonical leaves to the store.
TABLES = {  # frame → (table, columns written) in foreign-key order
    "households": ("registry_household", ["id", "household_no", *HOUSEHOLD_FIELDS, *HOUSEHOLD_DERIVED]),
    "years": ("registry_householdyear", ["id", "household_id", "year", *YEAR_FIELDS, *YEAR_DERIVED]),
    "members": ("registry_member", ["id", "household_id", "id_number", *MEMBER_FIELDS, "death_date"]),
    "memberships": (
        "registry_membership",
        ["id", "member_id", "household_id", "relation", "start_date", "start_reason"],
    ),
}
STAMPED = {"registry_household", "registry_householdyear", "registry_member"}  # created_at, updated_at, …


def _db_ready(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Enums as text (Arrow dictionaries are not what the stores take)."""
    return frame.select(names).with_columns(pl.col(pl.Enum, pl.Categorical, pl.Date).cast(pl.String))


def _write_sqlite(path: Path, frames: dict[str, pl.DataFrame], progress: Progress) -> dict[str, float]:
    import adbc_driver_sqlite.dbapi as adbc

    timings: dict[str, float] = {}
    scratch = Path(tempfile.mkdtemp(prefix="province-", dir=path.parent)) / "rows.sqlite3"
    try:
        t0 = time.perf_counter()
        with adbc.connect(str(scratch), autocommit=True) as ac:  # the scratch file only, never the store
            cur = ac.cursor()
            cur.execute("PRAGMA journal_mode = OFF")
            cur.execute("PRAGMA synchronous = OFF")
            for key, (_table, names) in TABLES.items():
                frame = frames[key]
                for i in range(0, frame.height, CHUNK):
                    part = _db_ready(frame.slice(i, CHUNK), names)
                    cur.adbc_ingest(key, part, mode="create" if i == 0 else "append")
        timings["staging"] = time.perf_counter() - t0
        progress(
            f"staged all tables in a scratch file ({scratch.stat().st_size / 1e9:.1f} GB) "
            f"{timings['staging']:.1f}s"
        )

        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = OFF")  # a fresh benchmark store: no rollback needed
            con.execute("PRAGMA synchronous = OFF")
            con.execute("PRAGMA cache_size = -1048576")  # 1 GB: the ID-number index stays in memory
            con.execute("PRAGMA foreign_keys = OFF")
            con.execute("ATTACH DATABASE ? AS s", [str(scratch)])
            con.execute("BEGIN")
            for key, (table, names) in TABLES.items():
                t = time.perf_counter()
                indexes = con.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    [table],
                ).fetchall()
                for name, _sql in indexes:
                    con.execute(f'DROP INDEX "{name}"')
                cols = ", ".join(f'"{n}"' for n in names)
                extra_cols, extra_vals = "", ""
                if table in STAMPED:
                    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                    extra_cols, extra_vals = (
                        ', "created_at", "updated_at", "is_deleted"',
                        f", '{now}', '{now}', 0",
                    )
                elif table == "registry_membership":
                    extra_cols, extra_vals = ', "end_reason"', ", ''"
                con.execute(
                    f'INSERT INTO "{table}" ({cols}{extra_cols}) SELECT {cols}{extra_vals} FROM s."{key}" ORDER BY rowid'
                )
                for _name, sql in indexes:
                    con.execute(sql)
                timings[table] = time.perf_counter() - t
                progress(f"{table}: {frames[key].height:,} rows {timings[table]:.1f}s")
            con.execute("COMMIT")
            con.execute("DETACH DATABASE s")
            t = time.perf_counter()
            con.execute("ANALYZE")
            con.execute("PRAGMA journal_mode = WAL")
            timings["analyze"] = time.perf_counter() - t
            progress(f"ANALYZE {timings['analyze']:.1f}s")
        finally:
            con.close()
    finally:
        for f in scratch.parent.glob("*"):
            f.unlink()
        scratch.parent.rmdir()
    return timings


def _write_postgres(frames: dict[str, pl.DataFrame], progress: Progress) -> dict[str, float]:
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    now = dt.datetime.now(dt.UTC).isoformat()
    with transaction.atomic():
        cur = connection.cursor().cursor  # psycopg's own cursor: COPY
        for key, (table, names) in TABLES.items():
            t = time.perf_counter()
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            indexes = cur.fetchall()
            # foreign keys checked once per table after the copy, not row by row (deferred, at commit)
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [table],
            )
            foreign = cur.fetchall()
            for name, _sql in foreign:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            frame = frames[key]
            extra: dict[str, object] = {}
            if table in STAMPED:
                extra = {"created_at": now, "updated_at": now, "is_deleted": False}
            elif table == "registry_membership":
                extra = {"end_reason": ""}
            cols = ", ".join(f'"{n}"' for n in [*names, *extra])
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv)') as cp:
                for i in range(0, frame.height, CHUNK):
                    part = _db_ready(frame.slice(i, CHUNK), names).with_columns(
                        *[pl.lit(v).alias(k) for k, v in extra.items()]
                    )
                    cp.write(part.write_csv(include_header=False))
            for _name, sql in indexes:
                cur.execute(sql)
            for name, sql in foreign:
                cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {sql}')
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
            )
            timings[table] = time.perf_counter() - t
            progress(f"{table}: {frame.height:,} rows {timings[table]:.1f}s")
        t = time.perf_counter()
    timings["commit"] = time.perf_counter() - t
    progress(f"commit (foreign keys checked) {timings['commit']:.1f}s")
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - t
    progress(f"ANALYZE {timings['analyze']:.1f}s")
    return timings


# --------------------------------------------------------------------------------------------- build


def build(
    target: str,
    households: int = 3_000_000,
    seed: int = 2024,
    *,
    province: str = PROVINCE,
    year: int = YEAR,
    progress: Progress = _stderr,
) -> dict:
    """Fill an empty store (`target`: a SQLite path or a postgresql:// URL; created and migrated if need
    be) with a province of `households` synthetic households. Returns counts and timings."""
    t_start = time.perf_counter()
    setup_django(target)
    from django.db import connection, connections, transaction

    from fupin.program.setup import init_store
    from fupin.regions import codes as rcodes
    from fupin.regions.models import Region, RegionPopulation
    from fupin.registry.models import Household

    timings: dict[str, float] = {}
    t = time.perf_counter()
    init_store()
    timings["init"] = time.perf_counter() - t
    progress(f"migrate + built-in regions and policy {timings['init']:.1f}s")
    if Household.objects.exists():
        raise RuntimeError("the store already holds households: build needs an empty registry")

    t = time.perf_counter()
    villages = village_rows(seed, province)
    frames = registry_rows(households, seed, villages, year)
    population = population_rows(villages, frames["households"], seed, [year - 1, year])
    timings["generate"] = time.perf_counter() - t
    progress(
        f"generated {households:,} households, {frames['members'].height:,} members, "
        f"{villages.height:,} villages {timings['generate']:.1f}s"
    )

    t = time.perf_counter()
    source = "bench/province_store.py (synthetic)"
    with transaction.atomic():
        Region.objects.filter(code__startswith=province, level=rcodes.COUNTY).update(is_poor=True)
        Region.objects.bulk_create(
            [
                Region(
                    code=c, name=nm, level=rcodes.VILLAGE, parent_id=tc, prefix=c, is_poor=p, source=source
                )
                for c, nm, tc, p in villages.iter_rows()
            ],
            batch_size=5000,
        )
        RegionPopulation.objects.bulk_create(
            [RegionPopulation(region_id=c, year=y, rural_population=n) for c, y, n in population.iter_rows()],
            batch_size=5000,
        )
    timings["regions"] = time.perf_counter() - t
    progress(
        f"regions_region: {villages.height:,} villages, {population.height:,} population rows "
        f"{timings['regions']:.1f}s"
    )

    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connections.close_all()
        timings.update(_write_sqlite(path, frames, progress))
    else:
        timings.update(_write_postgres(frames, progress))
    timings["total"] = time.perf_counter() - t_start
    progress(f"total {timings['total']:.1f}s")
    return {
        "database": connection.vendor,
        "province": province.ljust(12, "0"),
        "year": year,
        "households": frames["households"].height,
        "household_years": frames["years"].height,
        "members": frames["members"].height,
        "memberships": frames["memberships"].height,
        "villages": villages.height,
        "counties": Region.objects.filter(code__startswith=province, level=rcodes.COUNTY).count(),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--province", default=PROVINCE, help="2-digit province code (default 52, 贵州)")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", help="path of the SQLite store to create or fill")
    where.add_argument("--postgres", help="postgresql:// URL of an empty database")
    args = ap.parse_args(argv)
    summary = build(args.sqlite or args.postgres, args.households, args.seed, province=args.province)
    for k, v in summary.items():
        print(f"{k}={v}")


if __name__ == "__main__":
    main()
