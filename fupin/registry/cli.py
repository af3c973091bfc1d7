"""`fupin import households FILE [--year Y] [--skip-invalid] [--errors OUT.xlsx] [--user NAME]`.

Exit status: 0 saved, 1 rejected (problems printed, errors workbook written, nothing saved unless
--skip-invalid; a file fupin cannot read as the registry workbook; or a file over the size limits, refused
unread), 2 a wrong path (missing, not readable) or a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
MAX_LINES = 50
COUNT_LABELS = [
    ("households_created", "新增户 / households created"),
    ("households_updated", "修改户 / households updated"),
    ("households_unchanged", "未变户 / households unchanged"),
    ("years_created", "新增年度记录 / yearly records created"),
    ("years_updated", "修改年度记录 / yearly records updated"),
    ("members_created", "新增成员 / members created"),
    ("members_updated", "修改成员 / members updated"),
    ("members_unchanged", "未变成员 / members unchanged"),
    ("households_rejected", "拒绝户 / households rejected"),
    ("rows_rejected", "拒绝行 / rows rejected"),
    ("warnings", "警告 / warnings"),
]


def _stage(stage: str) -> str:
    from fupin.registry.importer import STAGES

    zh, en = STAGES.get(stage, (stage, stage))
    return f"{zh} / {en}"


def _problem_table(problems: list[dict], total: int, errors_path: str) -> Table:
    t = Table(title=f"问题 / problems ({total})", show_lines=False)
    for h in ("表/sheet", "行/row", "列/column", "值/value", "说明 / message"):
        t.add_column(h, overflow="fold")
    for p in problems[:MAX_LINES]:
        t.add_row(
            str(p.get("sheet") or ""),
            str(p.get("row") or ""),
            str(p.get("column") or ""),
            str(p.get("value") or ""),
            f"{p.get('message_zh')} / {p.get('message_en')}",
        )
    if total > MAX_LINES:
        t.add_row(
            "…",
            "",
            "",
            "",
            f"… 另有 {total - MAX_LINES} 条，见 / {total - MAX_LINES} more, see {errors_path}",
        )
    return t


def import_households_command(args) -> int:
    from fupin.accounts.cli import user_from_arg
    from fupin.core.cli_support import check_input
    from fupin.registry.importer import import_households

    console = Console(stderr=False, soft_wrap=True)
    user = user_from_arg(getattr(args, "user", None))
    if user is not None and not user.can("writes_registry"):
        print(f"该用户无权导入 / user {user.username} may not import registry data", file=sys.stderr)
        return EXIT_USAGE
    path = Path(args.file)
    check_input(path, folder_ok=True)  # a folder holding 户.csv and 成员.csv is an input too
    errors = (
        Path(args.errors) if getattr(args, "errors", None) else path.with_name(f"{path.stem}-errors.xlsx")
    )
    kwargs = dict(
        user=user,
        year=getattr(args, "year", None),
        skip_invalid=getattr(args, "skip_invalid", False),
        errors_path=errors,
    )
    if console.is_terminal:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(_stage("read"), total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=_stage(stage), completed=done, total=total)

            batch = import_households(path, progress=progress, **kwargs)
    else:
        batch = import_households(path, **kwargs)

    report = batch.report
    if report.get("bad_file"):
        print(
            f"无法导入 / cannot import {path}: {report['message_zh']} / {report['message_en']}",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    counts = report.get("counts", {})
    problems = report.get("problems", [])
    if batch.status == "rejected":
        console.print(
            _problem_table(
                [p for p in problems if p.get("severity") == "error"] or problems,
                counts.get("errors", len(problems)),
                batch.errors_path,
            )
        )
        print(
            f"已拒绝，未保存任何数据 / rejected, nothing was saved: {counts.get('households_rejected', 0)} "
            f"户有错误 / households with errors",
            file=sys.stderr,
        )
        print(f"错误工作簿 / errors workbook: {batch.errors_path}", file=sys.stderr)
        return EXIT_REJECTED
    t = Table(title=f"导入完成 / import done: {path.name}")
    t.add_column("项目 / item")
    t.add_column("数量 / count", justify="right")
    for key, label in COUNT_LABELS:
        if key in counts:
            t.add_row(label, f"{counts[key]:,}")
    console.print(t)
    if counts.get("households_rejected"):
        print(f"错误工作簿 / errors workbook: {batch.errors_path}")
    return EXIT_OK
