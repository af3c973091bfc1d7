"""`fupin demo`: a fresh store holding a realistic synthetic county, demo accounts, and the web server.

The demo never destroys real data. With the default SQLite store (FUPIN_HOME/fupin.sqlite3) it only
replaces a file that a previous demo made (it leaves the marker file FUPIN_HOME/demo-store); with
FUPIN_DATABASE_URL it only uses a database that has no tables yet or that a previous demo filled (its
villages carry the source DEMO_SOURCE), and it empties such a database with `flush`, never DROP.
The households go through the real import path (validation + bulk save), like any workbook.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

MARKER = "demo-store"
DEMO_SOURCE = "fupin demo (synthetic)"
EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
POOR_VILLAGE_SHARE = 0.3


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str
    scope: str  # nationwide | county | township | village


ACCOUNTS = (
    DemoAccount("demo_admin", "system_admin", "fupin-admin-2026", "nationwide"),
    DemoAccount("demo_county", "county_approver", "fupin-county-2026", "county"),
    DemoAccount("demo_township", "township_reviewer", "fupin-township-2026", "township"),
    DemoAccount("demo_village", "village_operator", "fupin-village-2026", "village"),
    DemoAccount("demo_cadre", "assistance_cadre", "fupin-cadre-2026", "village"),
    DemoAccount("demo_dept", "department_officer", "fupin-dept-2026", "county"),
    DemoAccount("demo_cppcc", "cppcc_member", "fupin-cppcc-2026", "county"),
    DemoAccount("demo_supervisor", "supervisor", "fupin-supervise-2026", "county"),
    DemoAccount("demo_auditor", "auditor", "fupin-audit-2026", "county"),
)


class StoreRefused(Exception):
    """The store holds data the demo did not make (message in Chinese and English)."""


# ------------------------------------------------------------------------------------------ the store


def _sqlite_tables(path: Path) -> int | None:
    """Number of tables in a SQLite file (None if it is not a readable SQLite database)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None


def _sqlite_real_imports(path: Path) -> int:
    """Imports in a SQLite store that the demo did not make (real data loaded into a demo store)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute(
                "SELECT count(*) FROM registry_importbatch WHERE filename != ?", [DEMO_SOURCE]
            ).fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return 0


def _default_sqlite_path() -> Path | None:
    """The SQLite file of FUPIN_HOME when FUPIN_DATABASE_URL is not set (else None)."""
    from django.conf import settings

    if os.environ.get("FUPIN_DATABASE_URL"):
        return None
    return Path(settings.DATABASES["default"]["NAME"])


def store_state() -> str:
    """'fresh' (nothing there), 'demo' (made by a previous demo) or 'foreign' (anything else)."""
    from django.conf import settings

    path = _default_sqlite_path()
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return "fresh"
        marker = settings.FUPIN_HOME / MARKER
        if marker.exists() and marker.read_text(encoding="utf-8").strip() == str(path):
            # someone imported their own data into the demo store: it is no longer the demo's to replace
            return "foreign" if _sqlite_real_imports(path) else "demo"
        return "fresh" if _sqlite_tables(path) == 0 else "foreign"

    from django.db import connection

    from fupin.regions.models import Region

    tables = connection.introspection.table_names()
    if not tables:
        return "fresh"
    if Region._meta.db_table in tables and Region.objects.filter(source=DEMO_SOURCE).exists():
        from fupin.registry.models import ImportBatch

        return "foreign" if ImportBatch.objects.exclude(filename=DEMO_SOURCE).exists() else "demo"
    return "foreign"


def prepare_store() -> str:
    """Make way for the demo: refuse a foreign store, empty a previous demo's. Returns the state found."""
    from django.conf import settings
    from django.db import connections

    state = store_state()
    path = _default_sqlite_path()
    where = str(path) if path is not None else _database_label()
    if state == "foreign":
        if path is not None:
            hint_zh = "请另设一个 FUPIN_HOME（例如 FUPIN_HOME=./demo fupin demo）"
            hint_en = "Set another FUPIN_HOME (e.g. FUPIN_HOME=./demo fupin demo)"
        else:
            hint_zh = "请让 FUPIN_DATABASE_URL 指向一个空数据库，或取消该变量以使用 FUPIN_HOME 中的 SQLite"
            hint_en = (
                "Point FUPIN_DATABASE_URL at an empty database, or unset it to use the SQLite file "
                "in FUPIN_HOME"
            )
        raise StoreRefused(
            f"{where} 中已有不是由演示创建的数据，演示不会覆盖真实数据。{hint_zh}。\n"
            f"{where} already holds data that was not made by `fupin demo`; the demo never overwrites real "
            f"data. {hint_en}."
        )
    if path is not None:
        connections.close_all()
        if state == "demo":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        # Written before the store exists: an interrupted demo can still be replaced by the next one.
        (settings.FUPIN_HOME / MARKER).write_text(f"{path}\n", encoding="utf-8")
    elif state == "demo":
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
    return state


def _database_label() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or ''}".rstrip(":")
    return f"数据库 / database {db.get('NAME')} @ {host}"


# ------------------------------------------------------------------------------------------- the data


def create_regions(reg, seed: int) -> dict[str, int]:
    """Villages under the built-in townships (about 30% poor), the county marked poor, denominators."""
    from fupin.regions import codes as rcodes
    from fupin.regions.models import Region, RegionPopulation

    county12 = reg.county_code.ljust(12, "0")
    Region.objects.filter(code=county12).update(is_poor=True)
    known = set(
        Region.objects.filter(code__startswith=reg.county_code, level__in=[rcodes.TOWNSHIP]).values_list(
            "code", flat=True
        )
    )
    missing = [
        Region(
            code=c,
            name=n,
            level=rcodes.TOWNSHIP,
            parent_id=county12,
            prefix=rcodes.prefix_of(c),
            source=DEMO_SOURCE,
        )
        for c, n in reg.townships.iter_rows()
        if c not in known
    ]
    Region.objects.bulk_create(missing, batch_size=2000)

    rng = np.random.default_rng(seed + 1)
    poor = rng.random(reg.villages.height) < POOR_VILLAGE_SHARE
    existing = set(
        Region.objects.filter(code__in=reg.villages["code"].to_list()).values_list("code", flat=True)
    )
    villages = [
        Region(
            code=c, name=n, level=rcodes.VILLAGE, parent_id=t, prefix=c, is_poor=bool(p), source=DEMO_SOURCE
        )
        for (c, n, t), p in zip(reg.villages.iter_rows(), poor, strict=True)
        if c not in existing
    ]
    Region.objects.bulk_create(villages, batch_size=2000)

    pops = [
        RegionPopulation(region_id=c, year=y, rural_population=n) for c, y, n in reg.population.iter_rows()
    ]
    RegionPopulation.objects.bulk_create(pops, batch_size=5000, ignore_conflicts=True)
    return {"villages": len(villages), "poor_villages": int(poor.sum()), "population_rows": len(pops)}


EDGE_SHARE = 0.03  # households entered as 一般农户 (ordinary), from whom the 边缘易致贫户 come


def demo_registry(n_households: int, seed: int):
    """The synthetic county, with a few percent of its households entered as ordinary households (一般农户, not
    poor): the monitoring of 边缘易致贫户 needs them (domain.md §6.2). Same rows and members as the registry."""
    from fupin import codes
    from fupin.program.synthetic import synthetic_registry

    reg = synthetic_registry(n_households, seed=seed)
    nos = reg.households["household_no"].unique(maintain_order=True)
    rng = np.random.default_rng(seed + 3)
    edge = nos.filter(pl.Series(rng.random(nos.len()) < EDGE_SHARE)).implode()
    is_edge = pl.col("household_no").is_in(edge)
    reg.households = reg.households.with_columns(
        pl.when(is_edge)
        .then(pl.lit(codes.HOUSEHOLD_TYPE.get("ordinary").zh))
        .otherwise(pl.col("household_type"))
        .alias("household_type"),
        pl.when(is_edge)
        .then(pl.lit(codes.HOUSEHOLD_STATUS.get("not_poor").zh))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(is_edge).then(pl.lit("")).otherwise(pl.col("exit_year")).alias("exit_year"),
    )
    return reg


def with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The `_row` a workbook would give (header on row 1)."""
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("_row"))


def create_accounts(reg) -> list[tuple[DemoAccount, str]]:
    """One account per role; the village accounts get the village with the most households."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from fupin.accounts.models import User
    from fupin.accounts.roles import ROLES
    from fupin.regions.models import Region

    busiest = (
        reg.households.group_by("region_code")
        .agg(pl.col("household_no").n_unique().alias("n"))
        .sort(["n", "region_code"], descending=[True, False])
    )
    village_code = busiest["region_code"][0]
    regions = {
        "nationwide": None,
        "county": Region.objects.get(code=reg.county_code.ljust(12, "0")),
        "township": Region.objects.get(code=village_code[:9] + "000"),
        "village": Region.objects.get(code=village_code),
    }
    # Password hashing (PBKDF2) releases the GIL: hash the eight passwords on every core at once.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = list(pool.map(make_password, [acc.password for acc in ACCOUNTS]))
    made = []
    with transaction.atomic():
        User.objects.filter(username__in=[acc.username for acc in ACCOUNTS]).delete()
        for acc, hashed in zip(ACCOUNTS, hashes, strict=True):
            region = regions[acc.scope]
            user = User.objects.create_user(
                acc.username, password=None, role=acc.role, region=region, is_staff=ROLES[acc.role].admin_site
            )
            user.password = hashed
            user.save(update_fields=["password"])
            made.append((acc, "全国 / nationwide" if region is None else f"{region.name} {region.code}"))
    return made


# ----------------------------------------------------------------------------------------- the command


def build_demo(n_households: int, seed: int, progress=None) -> dict:
    """Set up the store and load the synthetic county (the store must have been prepared)."""
    from fupin.program.setup import init_store
    from fupin.registry.importer import STAGES, import_frames

    def task(label: str, total: int | None = 1):
        return progress.add_task(label, total=total) if progress else None

    def done(t, **kw):
        if progress and t is not None:
            progress.update(t, completed=progress.tasks[t].total or 1, **kw)

    t = task("初始化数据库 / initialising the store")
    init_store()
    done(t)
    t = task("生成合成县 / generating the synthetic county")
    reg = demo_registry(n_households, seed)
    done(t)
    t = task("村与人口 / villages and population")
    regions = create_regions(reg, seed)
    done(t)
    t = task("导入户 / importing households", total=None)

    def on_import(stage: str, n: int, total: int) -> None:
        if progress:
            zh, en = STAGES.get(stage, (stage, stage))
            progress.update(
                t, description=f"导入户 / importing: {zh} / {en}", completed=n, total=max(total, 1)
            )

    batch = import_frames(
        with_rows(reg.households), with_rows(reg.members), user=None, progress=on_import, filename=DEMO_SOURCE
    )
    done(t)
    if batch.status != "done":
        return {"registry": reg, "batch": batch, "regions": regions, "accounts": []}
    t = task("演示账户 / demo accounts")
    accounts = create_accounts(reg)
    done(t)
    from fupin.regions.demo import build_demo as build_regions

    t = task("贫困村（县）状态与出列年份 / poverty status and exit years of villages and the county")
    regions["statuses"] = build_regions(reg.county_code.ljust(12, "0"), seed)
    done(t)
    from fupin.assistance.demo import build_demo as build_assistance
    from fupin.funds.demo import build_demo as build_funds
    from fupin.monitoring.demo import build_demo as build_monitoring
    from fupin.monitoring.demo import finish_demo as finish_monitoring

    county = reg.county_code.ljust(12, "0")
    last_year = int(reg.households["year"].cast(int).max())
    t = task("项目与资金 / projects and funds")
    funds = build_funds(county, last_year, seed)
    done(t)
    t = task("识别、数据质量与监测批处理 / identification, data quality and the monitoring batch")
    engine_runs = run_engines(county, last_year)
    done(t)
    # monitoring, then assistance for the poor and the monitored households, then what follows from both
    t = task("监测预警与识别认定 / monitoring alerts and identification")
    plan = build_monitoring(county, last_year, seed)
    done(t)
    t = task("帮扶与责任 / assistance and responsibility")
    assistance = build_assistance(
        county, last_year, seed, households=plan.identified_on, gaps=0, today=plan.today
    )
    done(t)
    t = task("走访预警与风险消除 / visit alerts and risk elimination")
    monitoring = finish_monitoring(plan, seed)
    done(t)
    # last: the anti-"数字脱贫" checks read the plans and payments made above
    from fupin.quality.demo import build_demo as build_integrity

    t = task("防数字脱贫疑点 / anti-paper-exit checks")
    integrity = build_integrity(county, last_year, seed, today=plan.today)
    done(t)
    from fupin.evaluation.demo import build_demo as build_evaluation

    t = task("第三方评估抽样与入户核查 / evaluation sample and verification visits")
    evaluation = build_evaluation(county, last_year, seed, today=plan.today)
    done(t)
    from fupin.cppcc.demo import build_demo as build_cppcc

    t = task("政协助推行动与网络议政 / the CPPCC programme and online consultation")
    cppcc = build_cppcc(county, last_year, seed, today=plan.today)
    done(t)
    from fupin.supervision.demo import build_demo as build_supervision

    t = task("挂牌督战 / listed supervision")
    supervision = build_supervision(county, last_year, seed, today=plan.today)
    done(t)
    return {
        "cppcc": cppcc,
        "engine_runs": engine_runs,
        "year": last_year,
        "registry": reg,
        "batch": batch,
        "regions": regions,
        "accounts": accounts,
        "assistance": assistance,
        "funds": funds,
        "monitoring": monitoring,
        "integrity": integrity,
        "evaluation": evaluation,
        "supervision": supervision,
    }


def run_engines(county: str, year: int) -> dict:
    """Run what an office runs after loading its data, so that every page has results to show: the
    identification and village exits of the year, the data-quality rules and the monitoring batch."""
    from fupin.monitoring.services import run_batch
    from fupin.quality.services import run_quality
    from fupin.reports.services import run_exits, run_identification

    identification = run_identification(None, year, county)
    run_exits(None, year, county, level="village")
    quality = run_quality(None, year, county)
    batch = run_batch(None, year, county)
    return {"poor": identification.summary.get("poor", 0), "findings": quality.findings, "alerts": batch.new}


def _print_rejection(batch, console) -> None:
    console.print("[red]演示数据未能导入 / the demo data was rejected by the import:[/red]")
    for p in batch.report.get("problems", [])[:20]:
        console.print(
            f"  {p.get('sheet')} 第{p.get('row')}行 / row {p.get('row')} {p.get('column')}: "
            f"{p.get('message_zh')} / {p.get('message_en')}"
        )


def _print_summary(result: dict, seconds: float, console) -> None:
    from rich.table import Table

    from fupin.accounts.roles import ROLES

    reg = result["registry"]
    hh = reg.households["household_no"].n_unique()
    years = reg.households["year"].unique().sort().to_list()
    used = reg.households["region_code"].n_unique()
    console.print(
        f"\n演示数据已就绪 / demo data ready: {reg.county_name} ({reg.county_code})\n"
        f"  户 / households: {hh:,}  （年度记录 / yearly records {reg.households.height:,}，"
        f"{years[0]}–{years[-1]}）\n"
        f"  人 / members: {reg.members.height:,}\n"
        f"  村 / villages: {reg.villages.height:,}（有户 / with households {used:,}；"
        f"贫困村 / poor villages {result['regions']['poor_villages']:,}）\n"
        + (
            f"  帮扶 / assistance: {result['assistance']['cadres']} 名帮扶责任人 cadres, "
            f"{result['assistance']['measures']} 项措施 measures, {result['assistance']['visits']} 次走访 visits\n"
            f"  项目 / projects: {result['funds']['projects']} 个 projects, {result['funds']['payments']} 笔支付 payments\n"
            if "assistance" in result
            else ""
        )
        + (
            f"  {result['year']} 年识别 / identification: {result['engine_runs']['poor']} 户贫困 poor households; "
            f"数据质量 / data quality: {result['engine_runs']['findings']} 条 findings; "
            f"监测预警 / monitoring alerts: {result['engine_runs']['alerts']}\n"
            if "engine_runs" in result
            else ""
        )
        + (_monitoring_line(result["monitoring"]) if "monitoring" in result else "")
        + (
            f"  第三方评估 / evaluation #{result['evaluation']['evaluation']}: "
            f"{result['evaluation']['sampled']} 户抽样 sampled, {result['evaluation']['visits']} 户已核查 visited\n"
            if "evaluation" in result
            else ""
        )
        + (
            f"  挂牌督战 / listed supervision: {result['supervision']['items']} 个地区挂牌 regions listed, "
            f"{result['supervision']['visits']} 次走访 visits, {result['supervision']['closed']} 个已销号 closed\n"
            if result.get("supervision", {}).get("items")
            else ""
        )
        + f"  用时 / time: {seconds:.1f} s"
    )
    table = Table(title="演示账户 / demo accounts")
    # Usernames and passwords must never be cut short, however narrow the terminal.
    table.add_column("角色 / role", ratio=2)
    table.add_column("用户名 / username", no_wrap=True, min_width=15)
    table.add_column("密码 / password", no_wrap=True, min_width=18)
    table.add_column("范围 / scope", ratio=1)
    for acc, scope in result["accounts"]:
        role = ROLES[acc.role]
        table.add_row(f"{role.zh} / {role.en}", acc.username, acc.password, scope)
    cadre = ROLES["assistance_cadre"]
    for username, password, scope in result.get("assistance", {}).get("accounts", []):
        table.add_row(f"{cadre.zh} / {cadre.en}", username, password, scope)
    console.print(table)
    console.print(
        "这些账户和密码是公开的，只用于演示。/ These accounts and passwords are public: use them "
        "for the demo only."
    )


def _monitoring_line(m: dict) -> str:
    alerts = sum(m.get("alerts", {}).values())
    cases = sum(m.get("identification_states", {}).values()) + sum(m.get("elimination_states", {}).values())
    return (
        f"  监测 / monitoring: {m.get('monitored_bulk', 0) + m.get('identification_states', {}).get('completed', 0)}"
        f" 户识别为监测对象 households identified, {m.get('eliminated_bulk', 0)} 户风险消除 eliminated, "
        f"{cases} 件办理示例 workflow cases, {alerts} 条预警 alerts\n"
    )


def run_demo(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console()
    n = int(getattr(args, "households", 20_000))
    if n < 1:
        print("--households 应至少为1 / --households must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        prepare_store()
    except StoreRefused as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE

    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        result = build_demo(n, int(getattr(args, "seed", 2024)), progress)
    if result["batch"].status != "done":
        _print_rejection(result["batch"], console)
        return EXIT_REJECTED
    _print_summary(result, time.monotonic() - started, console)

    if getattr(args, "no_serve", False):
        return EXIT_OK
    from django.conf import settings

    from fupin.program.server import serve

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    console.print("用上表中的账户登录 / sign in with an account from the table above")
    return serve(args.host, args.port, demo=True)  # on all interfaces, the demo answers any host name
