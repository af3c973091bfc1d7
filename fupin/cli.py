"""The `fupin` program. Thin: parses arguments, sets Django up, calls services, maps outcomes to exit codes.

Exit status: 0 success, 1 input rejected (a report is printed and nothing was saved), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class Rejected(Exception):
    """The input was refused; the message is the report for the terminal."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fupin", description="扶贫 / poverty alleviation and monitoring system")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="fresh store + realistic synthetic county + web server")
    d.add_argument("--households", type=int, default=20_000)
    d.add_argument("--seed", type=int, default=2024)
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--no-serve", action="store_true", help="build the data, do not start the server")

    s = sub.add_parser("serve", help="run the web application")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--threads", type=int, default=8)

    sub.add_parser("init", help="create or upgrade the store, load region codes")

    t = sub.add_parser("template", help="write an empty import workbook")
    t.add_argument("kind", choices=["households"])
    t.add_argument("out", type=Path)

    i = sub.add_parser("import", help="import regions, population or households")
    isub = i.add_subparsers(dest="kind", required=True)
    ir = isub.add_parser("regions")
    ir.add_argument("file", type=Path)
    ip = isub.add_parser("population")
    ip.add_argument("file", type=Path)
    ih = isub.add_parser("households")
    ih.add_argument("file", type=Path)
    ih.add_argument("--year", type=int)
    ih.add_argument("--skip-invalid", action="store_true")
    ih.add_argument("--errors", type=Path, help="errors workbook (default: FILE-errors.xlsx)")
    ih.add_argument("--user", help="act as this account (its region scope applies)")
    idp = isub.add_parser("department", help="a department's list (医保, 民政, 教育 …) matched to the registry")
    idp.add_argument("file", type=Path)
    idp.add_argument("--source", required=True, help="medical_insurance, civil_affairs, education, housing, "
                     "emergency, disability, human_resources, public_security")
    idp.add_argument("--year", type=int)
    idp.add_argument("--user", help="act as this account (its region scope applies)")

    mo = sub.add_parser("monitor", help="return-to-poverty monitoring: the registry batch of risk signals")
    mo.add_argument("--year", type=int, required=True)
    mo.add_argument("--region")
    mo.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
    mo.add_argument("--out", type=Path)
    mo.add_argument("--user")

    st = sub.add_parser("stats", help="counts, incidence, income")
    st.add_argument("--year", type=int, required=True)
    st.add_argument("--region", help="region code (default: the whole store)")
    st.add_argument("--by", choices=["province", "city", "county", "township", "village", "all"],
                    help="one row per region of that level; all = every level below, rolled up in one pass")
    st.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
    st.add_argument("--out", type=Path)
    st.add_argument("--user", help="act as this account (its region scope applies)")

    for name, helptext in (("identify", "identification of every household of a year (poor or not, and why)"),
                           ("exits", "exit evaluation: households, villages or counties"),
                           ("quality", "run the data-quality rules and update the findings worklist")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("--year", type=int, required=True)
        r.add_argument("--region", help="region code (default: the acting user's region, else everything)")
        if name == "exits":
            r.add_argument("--level", choices=["household", "village", "county"], default="household")
        r.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
        r.add_argument("--out", type=Path)
        r.add_argument("--user", help="act as this account (its region scope applies)")

    a = sub.add_parser("assistance", help="assistance: coverage worklist, measure catalogue")
    asub = a.add_subparsers(dest="action", required=True)
    cov = asub.add_parser("coverage", help="households and villages missing a cadre, measure, team …")
    cov.add_argument("--year", type=int, required=True)
    cov.add_argument("--region")
    cov.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
    cov.add_argument("--out", type=Path)
    cov.add_argument("--user")
    asub.add_parser("measures", help="list the measure catalogue")

    f = sub.add_parser("funds", help="projects and funds: anomaly checks")
    fsub = f.add_subparsers(dest="action", required=True)
    an = fsub.add_parser("anomalies", help="payments and projects the checks flag")
    an.add_argument("--region")
    an.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
    an.add_argument("--out", type=Path)
    an.add_argument("--user")

    b = sub.add_parser("backup", help="the whole store into one file (SQLite online backup, or pg_dump)")
    b.add_argument("out", type=Path)
    b.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    b.add_argument("--user", help="act as this account (a role that may back up the store: system_admin)")
    rs = sub.add_parser("restore", help="replace the store with a backup file, then migrate forward")
    rs.add_argument("file", type=Path)
    rs.add_argument("--replace", action="store_true",
                    help="replace a store that holds data (it is backed up first into FUPIN_HOME/backups/)")
    rs.add_argument("--user", help="act as this account (a role that may restore the store: system_admin)")

    c = sub.add_parser("createuser", help="an account scoped to a region")
    c.add_argument("username")
    c.add_argument("--role", required=True)
    c.add_argument("--region", help="region code; omit for nationwide")
    c.add_argument("--password", help="default: FUPIN_PASSWORD, else asked on the terminal")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_django()
    from fupin.core import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args) or EXIT_OK
    except Rejected as e:
        print(str(e), file=sys.stderr)
        return EXIT_REJECTED
    except commands.UsageError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # a path that cannot be read or written: say which, without a traceback
        print(f"无法读写文件 / cannot read or write the file: {e.filename or ''} ({e.strerror or e})",
              file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
