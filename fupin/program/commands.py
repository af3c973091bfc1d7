"""Dispatch of the `fupin` sub-commands to the apps that own them (each app has a cli.py)."""

from __future__ import annotations

import argparse

from fupin.core.cli_support import CREATES_STORE, NEEDS_NO_STORE, WARNS_WITHOUT_STORE


def cmd_init(args: argparse.Namespace) -> int:
    from fupin.program.setup import init_store

    init_store(verbose=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from fupin.program.demo import run_demo

    return run_demo(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from fupin.program.server import serve

    return serve(args.host, args.port, threads=args.threads)


def cmd_template(args: argparse.Namespace) -> int:
    from fupin.registry.template import write_template

    write_template(args.out)
    print(args.out)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if args.kind == "regions":
        from fupin.regions.cli import import_regions_command

        return import_regions_command(args)
    if args.kind == "population":
        from fupin.regions.cli import import_population_command

        return import_population_command(args)
    if args.kind == "boundaries":
        from fupin.regions.cli import import_boundaries_command

        return import_boundaries_command(args)
    if args.kind == "department":
        from fupin.monitoring.cli import import_department_command

        return import_department_command(args)
    from fupin.registry.cli import import_households_command

    return import_households_command(args)


def cmd_stats(args: argparse.Namespace) -> int:
    from fupin.reports.cli import stats_command

    return stats_command(args)


def cmd_region(args: argparse.Namespace) -> int:
    from fupin.regions.cli import region_status_command

    return region_status_command(args)


def cmd_headline(args: argparse.Namespace) -> int:
    from fupin.reports.cli import headline_command

    return headline_command(args)


def cmd_identify(args: argparse.Namespace) -> int:
    from fupin.reports.cli import identify_command

    return identify_command(args)


def cmd_exits(args: argparse.Namespace) -> int:
    from fupin.reports.cli import exits_command

    return exits_command(args)


def cmd_quality(args: argparse.Namespace) -> int:
    from fupin.quality.cli import quality_command

    return quality_command(args)


def cmd_assistance(args: argparse.Namespace) -> int:
    from fupin.assistance.cli import assistance_command

    return assistance_command(args)


def cmd_funds(args: argparse.Namespace) -> int:
    from fupin.funds.cli import funds_command

    return funds_command(args)


def cmd_monitor(args: argparse.Namespace) -> int:
    from fupin.monitoring.cli import monitor_command

    return monitor_command(args)


def cmd_evaluation(args: argparse.Namespace) -> int:
    from fupin.evaluation.cli import evaluation_command

    return evaluation_command(args)


def cmd_cppcc(args: argparse.Namespace) -> int:
    from fupin.cppcc.cli import cppcc_command

    return cppcc_command(args)


def cmd_supervision(args: argparse.Namespace) -> int:
    from fupin.supervision.cli import supervision_command

    return supervision_command(args)


def cmd_createuser(args: argparse.Namespace) -> int:
    from fupin.accounts.cli import createuser_command

    return createuser_command(args)


def cmd_backup(args: argparse.Namespace) -> int:
    from fupin.program.backup import backup_command

    return backup_command(args)


def cmd_restore(args: argparse.Namespace) -> int:
    from fupin.program.backup import restore_command

    return restore_command(args)


def missing_tables(command: str) -> str | None:
    """After Django is set up: the message when the store has no tables yet (never initialised)."""
    if command in CREATES_STORE or command in NEEDS_NO_STORE or command in WARNS_WITHOUT_STORE:
        return None
    from django.db import connection

    from fupin.registry.models import Household

    if Household._meta.db_table in connection.introspection.table_names():
        return None
    return (
        "数据存储尚未初始化（没有数据表）：请先运行 fupin init / "
        f"the store is not set up (it has no tables): run `fupin init` first ({connection.settings_dict['NAME']})"
    )
