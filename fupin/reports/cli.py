"""`fupin identify` and `fupin exits`: run the engine over the acting user's scope, store the run, print it.
`fupin stats`: counts, incidence and income by region, scoped to the acting user's region."""

from __future__ import annotations

import sys

import polars as pl

from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.accounts.scope import BadRegionCode, OutOfScope
from fupin.core.cli_support import UsageError
from fupin.core.cluster import ClusterError
from fupin.core.exports import write_xlsx
from fupin.core.output import deliver, emit, frame_text
from fupin.engine.exits import EXIT_REASONS
from fupin.engine.identification import REASONS
from fupin.regions.codes import COUNTY, LEVEL_NAMES
from fupin.regions.where import explain_no_households, region_label, resolve_region
from fupin.reports import services
from fupin.reports.statistics import region_stats

STATS_TABLE_WIDTH = 480  # room for every header of `fupin stats` on one line ("贫困发生率% / incidence %")
STAGE_LABELS = {
    "load": "读取数据 / loading",
    "compute": "计算 / computing",
    "save": "保存 / saving",
    "done": "完成 / done",
}


def _progress_bar():
    """A rich progress bar on a terminal (three stages), else a no-op callback."""
    if not sys.stderr.isatty():
        return None, services._noop
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True, console=None
    )
    task = bar.add_task(STAGE_LABELS["load"], total=len(services.STAGES))

    def advance(stage: str) -> None:
        done = services.STAGES.index(stage) if stage in services.STAGES else len(services.STAGES)
        bar.update(task, completed=done, description=STAGE_LABELS.get(stage, stage))

    return bar, advance


TABLE_COLUMNS = {  # the columns a terminal table shows (csv, json and xlsx carry every column)
    "identify": (
        "household_no",
        "head_name",
        "village_name",
        "status",
        "members",
        "net_income_pc",
        "poverty_line",
        "poor",
        "reasons",
    ),
    "exit_household": (
        "household_no",
        "head_name",
        "village_name",
        "status",
        "members",
        "net_income_pc",
        "exit_eligible",
        "exit_reasons",
    ),
    "exit_village": (
        "village",
        "village_name",
        "poor_persons",
        "rural_population",
        "incidence_pct",
        "incidence_threshold",
        "exit",
        "reasons",
    ),
    "exit_county": (
        "county",
        "county_name",
        "comprehensive_incidence_pct",
        "wrong_exit_pct",
        "missed_pct",
        "approval_pct",
        "exit",
    ),
}


KIND_LABELS = {
    "identify": "贫困识别 / identification",
    "exit_household": "贫困户退出 / household exits",
    "exit_village": "贫困村退出 / village exits",
    "exit_county": "贫困县退出 / county exits",
}
SUMMARY_LABELS = {
    "households": "户数 / households",
    "poor": "贫困 / poor",
    "not_poor": "非贫困 / not poor",
    "unknown": "无法判断 / unknown",
    "poor_persons": "贫困人口 / poor persons",
    "candidates": "参评户 / candidates",
    "eligible": "可退出 / may exit",
    "not_eligible": "不可退出 / may not exit",
    "villages": "村数 / villages",
    "counties": "县数 / counties",
    "passed": "达标 / passed",
    "failed": "未达标 / failed",
    "no_denominator": "缺人口数 / no denominator",
    "reasons": "原因 / reasons",
}


def _summary_text(summary: dict) -> str:
    """A run's summary for people: labels, not keys (reason counts by their Chinese label)."""
    labels = {**{k: v[0] for k, v in EXIT_REASONS.items()}, **{k: v[0] for k, v in REASONS.items()}}
    parts = []
    for key, value in (summary or {}).items():
        if isinstance(value, dict):
            value = "，".join(f"{labels.get(k, k)} {n}" for k, n in value.items()) or "—"
        parts.append(f"{SUMMARY_LABELS.get(key, key)}: {value}")
    return "；".join(parts)


def _text_reasons(df: pl.DataFrame) -> pl.DataFrame:
    """List columns of reason codes → '；'-joined Chinese labels (for table, csv and xlsx)."""
    labels = {**{k: v[0] for k, v in EXIT_REASONS.items()}, **{k: v[0] for k, v in REASONS.items()}}
    exprs = [
        pl.col(c)
        .list.eval(pl.element().replace_strict(labels, default=pl.element()))
        .list.join("；")
        .alias(c)
        for c, t in df.schema.items()
        if isinstance(t, pl.List)
    ]
    return df.with_columns(exprs) if exprs else df


def _print(run, args, user) -> int:
    df = services.result(run)
    log_cli_output(
        user,
        f"reports.{run.kind}",
        df.height,
        fmt=args.format,
        out=args.out,
        run=run.pk,
        year=run.year,
        region=run.region_code,
    )
    label = (
        f"{KIND_LABELS.get(run.kind, run.kind)} {run.year} {region_label(run.region_code or '')}\n"
        f"{_summary_text(run.summary)}"
    )
    if args.format == "xlsx":
        write_xlsx(args.out, _text_reasons(df), "结果", autofit=True)
        print(args.out)
        return 0
    if args.format == "table":
        text = f"{label}\n{frame_text(_text_reasons(df.select(TABLE_COLUMNS[run.kind])), 'table', width=240, str_lengths=60)}"
    else:
        text = frame_text(df if args.format == "json" else _text_reasons(df), args.format)
    deliver(text, args.out)
    print(f"运行编号 / run id: {run.pk}", file=sys.stderr)
    return 0


def _run(args, start, *, max_level: int | None = None) -> int:
    user = user_from_arg(args.user)
    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx 需要 --out 文件 / --format xlsx needs --out FILE")
    where = resolve_region(args, user, max_level=max_level)
    bar, progress = _progress_bar()
    try:
        if bar is not None:
            with bar:
                run = start(user, where.region, progress)
        else:
            run = start(user, where.region, progress)
    except (OutOfScope, ClusterError) as e:
        print(e, file=sys.stderr)
        return 1
    except BadRegionCode as e:
        raise UsageError(str(e)) from None
    except services.ReportInputError as e:
        if e.field == "region" and e.code == "reports.invalid":
            raise UsageError(str(e)) from None
        print(str(e), file=sys.stderr)
        return 1
    explain_no_households(where.code, args.year)
    return _print(run, args, user)


def identify_command(args) -> int:
    return _run(
        args,
        lambda user, region, progress: services.run_identification(
            user, args.year, region, progress=progress, dask=args.dask
        ),
    )


def exits_command(args) -> int:
    return _run(
        args,
        lambda user, region, progress: services.run_exits(
            user, args.year, region, args.level, progress=progress
        ),
        max_level=COUNTY if args.level == "county" else None,
    )


def headline_command(args) -> int:
    """`fupin headline [--year Y] [--years N] [--region CODE] [--format …] [--out FILE] [--user NAME]`: the
    region's remaining poor and monitored households and persons by type for each year, then its child
    regions' in the year. 0 shown, 1 outside the user's scope or an export the role may not make, 2 usage."""
    from fupin.registry.selectors import latest_year
    from fupin.reports import headline

    user = user_from_arg(args.user)
    if user is not None and not user.can("exports") and (args.format != "table" or args.out):
        print("您的角色不能导出数据 / your role may not export data", file=sys.stderr)
        return 1
    where = resolve_region(args, user)
    year = args.year or latest_year(user)
    if year is None:
        raise UsageError("没有数据，请用 --year 指定年度 / no data: give the year with --year")
    try:
        h = headline.headline(user, year=year, region=where.region, years=args.years)
    except OutOfScope as e:
        print(e, file=sys.stderr)
        return 1
    except BadRegionCode as e:
        raise UsageError(str(e)) from None
    except services.ReportInputError as e:
        raise UsageError(str(e)) from None
    df = headline.flat(h)
    log_cli_output(
        user,
        "reports.headline",
        df.height,
        fmt=args.format,
        out=args.out,
        masked=True,
        year=year,
        region=where.code,
        years=args.years,
    )
    emit(df, args.format, args.out, sheet="三个一万人")
    if args.format == "table" and not args.out:
        exits = "；".join(
            f"{r['year']}: 户 {r['exited_households']} 人 {r['exited_persons']} 村 {r['villages_out']} "
            f"县 {r['counties_out']}"
            for r in h.exits.iter_rows(named=True)
        )
        print(f"退出 / exits by year (households, persons, villages, counties): {exits or '—'}")
    return 0


def stats_command(args) -> int:
    user = user_from_arg(args.user)
    where = resolve_region(args, user)
    try:
        df = region_stats(user, year=args.year, region=where.region, by=args.by, dask=args.dask)
    except (OutOfScope, ClusterError) as e:
        print(e, file=sys.stderr)
        return 1
    except BadRegionCode as e:
        raise UsageError(str(e)) from None
    explain_no_households(where.code, args.year)
    log_cli_output(
        user,
        "reports.statistics",
        df.height,
        fmt=args.format,
        out=args.out,
        masked=True,
        year=args.year,
        region=args.region,
        by=args.by,
    )
    if args.format == "table":  # wide: the counts, incidence and the four headline groups side by side
        deliver(frame_text(df, "table", width=STATS_TABLE_WIDTH, labels={"level": LEVEL_NAMES}), args.out)
        return 0
    emit(df, args.format, args.out, sheet="统计", labels={"level": LEVEL_NAMES})
    return 0
