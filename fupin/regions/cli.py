"""`fupin import regions FILE` and `fupin import population FILE`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from fupin.core.cli_support import check_input
from fupin.core.tables import TableError
from fupin.regions.services import Report, import_population, import_regions


def _run(service: Callable[[Path], Report], path: Path) -> int:
    """Exit status: 0 saved, 1 rejected (every problem printed, nothing saved; or a file that is not a
    table fupin reads), 2 a wrong path (missing, a folder, not readable)."""
    check_input(path)
    try:
        report = service(path)
    except TableError as exc:  # FileUnreadable too: the path is right, the file is refused
        print(str(exc), file=sys.stderr)
        print("已拒绝，未保存任何数据 / rejected, nothing saved", file=sys.stderr)
        return 1
    for problem in report.problems:
        print(problem)
    print(report.summary(), file=sys.stderr if report.problems else sys.stdout)
    return 0 if report.ok else 1


def import_regions_command(args: argparse.Namespace) -> int:
    return _run(import_regions, Path(args.file))


def import_population_command(args: argparse.Namespace) -> int:
    return _run(import_population, Path(args.file))


def import_boundaries_command(args: argparse.Namespace) -> int:
    """`fupin import boundaries FILE [--skip-invalid] [--user NAME]`: 0 saved, 1 rejected (every rejected
    feature printed), 2 a wrong path or a user who may not load boundaries."""
    from fupin.accounts.cli import user_from_arg
    from fupin.regions import boundaries

    user = user_from_arg(getattr(args, "user", None))
    if not boundaries.may_upload(user):
        print(f"该用户无权导入边界 / user {user.username} may not load boundaries", file=sys.stderr)
        return 2
    path = Path(args.file)
    check_input(path)
    if path.stat().st_size > boundaries.MAX_BYTES:
        report = boundaries.too_large()
    else:
        report = boundaries.import_boundaries(
            path.read_bytes(), user, file_name=path.name, skip_invalid=getattr(args, "skip_invalid", False)
        )
    for problem in report.problems:
        print(problem, file=sys.stderr if not report.saved else sys.stdout)
    print(report.summary(), file=sys.stdout if report.saved else sys.stderr)
    return 0 if report.saved else 1


def region_status_command(args: argparse.Namespace) -> int:
    """`fupin region status CODE [--status S] [--exit-year Y] [--user NAME]`: show a village's or county's
    poverty status and exit year, or set them when --status or --exit-year is given (a blank value clears).
    0 shown or saved, 1 rejected (every problem printed, nothing saved), 2 a region not found in the user's
    scope, a user who may not set statuses, or bad arguments."""
    from fupin.accounts.cli import user_from_arg
    from fupin.accounts.scope import BadRegionCode, OutOfScope
    from fupin.core.cli_support import UsageError
    from fupin.regions import codes, services
    from fupin.regions.models import Region

    user = user_from_arg(getattr(args, "user", None))
    try:
        region = services.scoped_region(user, args.code)
    except BadRegionCode as e:
        raise UsageError(str(e)) from None
    except (OutOfScope, Region.DoesNotExist):  # outside the scope answers like a missing region
        raise UsageError(f"未找到该行政区划 / region not found: {args.code}") from None
    if args.status is not None or args.exit_year is not None:
        if not services.may_edit_status(user):
            print(
                f"该用户无权设置贫困村（县）状态 / user {user.username} may not set poverty statuses",
                file=sys.stderr,
            )
            return 2
        status = region.poverty_status if args.status is None else args.status
        exit_year = region.exit_year if args.exit_year is None else args.exit_year
        try:
            region = services.set_region_status(user, region.code, poverty_status=status, exit_year=exit_year)
        except services.RegionStatusRejected as e:
            for p in e.rejected:
                print(
                    f"{p.column_zh}“{p.value or ''}”：{p.message_zh} / {p.column_en} '{p.value or ''}': {p.message_en}",
                    file=sys.stderr,
                )
            print("已拒绝，未保存任何数据 / rejected, nothing saved", file=sys.stderr)
            return 1
    label = codes.POVERTY_STATUS.get(region.poverty_status) if region.poverty_status else None
    status_text = f"{label.zh} / {label.en}" if label else "— / not given"
    exit_text = region.exit_year or "—"
    print(
        f"{region.code} {region.name}: 贫困状态 / poverty status: {status_text}; 出列/摘帽年份 / exit year: {exit_text}"
    )
    return 0
