"""`fupin import regions FILE` and `fupin import population FILE`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from fupin.core.tables import FileUnreadable, TableError
from fupin.regions.services import Report, import_population, import_regions


def _run(service: Callable[[Path], Report], path: Path) -> int:
    """Exit status: 0 saved, 1 rejected (every problem printed, nothing saved), 2 unreadable file."""
    try:
        report = service(path)
    except FileUnreadable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except TableError as exc:
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
