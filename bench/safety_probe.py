"""Safety probe: tries a running fupin as its users and as an attacker would, and prints the figures.

    .venv/bin/python bench/safety_probe.py [--households 2000] [--seconds 60] [--trials 15] [--postgres URL]

On a fresh demo store in a temporary FUPIN_HOME (SQLite, or the empty PostgreSQL database given), served by
`fupin serve` on a free local port:
1. schemathesis over the whole OpenAPI document, once per demo role (each with its own token), for at most
   `--seconds` a role: requests tried, server errors (5xx), schema violations;
2. ID numbers: every response body a role that may not see ID numbers received (from step 1 and from
   paging every list) is searched for a full 18-digit ID number of the registry;
3. lost updates: `--trials` times, two PATCHes of different fields of one household at the same moment;
   counts the trials where one field was lost;
4. concurrent imports: two workbooks with the same new household numbers and different heads, uploaded at
   the same moment; counts the households left with more than one head.
Only 127.0.0.1 is contacted. Exits 1 if any figure of 1–4 is not zero.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ROLES = [
    "demo_admin",
    "demo_county",
    "demo_township",
    "demo_village",
    "demo_cadre",
    "demo_dept",
    "demo_supervisor",
    "demo_auditor",
]
ID_RE = re.compile(rb"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def django(env: dict, code: str) -> str:
    """Run `code` with Django set up on the probe's store; returns what it printed."""
    prelude = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fupin.settings'); django.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], env=env, check=True, capture_output=True, text=True
    ).stdout


def call(
    base: str, token: str, method: str, path: str, body: dict | None = None, headers: dict | None = None
):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def fuzz(base: str, token: str, seconds: int, har: Path) -> dict:
    """schemathesis against the live server as one token; figures from its HAR record of every exchange."""
    cmd = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/api/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-time",
        str(seconds),
        "--workers",
        "2",
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
        "--report",
        "har",
        "--report-har-path",
        str(har),
        "--max-examples",
        "30",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
    violations = len(re.findall(r"Response violates schema", out.stdout))
    failures = re.search(r"=+ FAILURES =+\n(.*?)\n=+ (?:WARNINGS|SUMMARY) =+", out.stdout, re.S)
    return {
        "requests": len(entries),
        "server_errors": sum(e["response"]["status"] >= 500 for e in entries),
        "schema_violations": violations,
        "bodies": [e["response"]["content"].get("text", "") or "" for e in entries],
        # what went wrong, request by request (the FAILURES section), else the end of the output
        "failures": (failures.group(1) if failures else out.stdout[-1500:])[:8000],
    }


def leaked_ids(bodies: list[bytes], registry_ids: set[str]) -> set[str]:
    found = set()
    for body in bodies:
        found.update(m.decode().upper() for m in ID_RE.findall(body))
    return found & registry_ids


def list_pages(base: str, token: str) -> list[bytes]:
    """Bodies of the bulk reads a role has: lists, a household, its history, exports as JSON."""
    bodies = []
    for path in [
        "/api/registry/households?page_size=200",
        "/api/monitoring/alerts?page_size=200",
        "/api/quality/findings",
        "/api/funds/anomalies",
        "/api/monitoring/cases?limit=200",
        "/api/funds/projects",
    ]:
        status, body, _ = call(base, token, "GET", path)
        bodies.append(body)
        if path.startswith("/api/registry/households") and status == 200:
            for item in json.loads(body)["items"][:20]:
                for sub in ("", "/history", "/members"):
                    bodies.append(
                        call(base, token, "GET", f"/api/registry/households/{item['household_no']}{sub}")[1]
                    )
    return bodies


def lost_updates(base: str, token: str, household_no: str, trials: int) -> int:
    lost = 0
    with cf.ThreadPoolExecutor(2) as pool:
        for t in range(trials):
            wage, business = 5000 + t, 7000 + t
            a = pool.submit(
                call,
                base,
                token,
                "PATCH",
                f"/api/registry/households/{household_no}",
                {"wage_income": str(wage), "reason": "probe a"},
            )
            b = pool.submit(
                call,
                base,
                token,
                "PATCH",
                f"/api/registry/households/{household_no}",
                {"business_income": str(business), "reason": "probe b"},
            )
            a.result(), b.result()
            status, body, _ = call(base, token, "GET", f"/api/registry/households/{household_no}")
            latest = max(json.loads(body)["years"], key=lambda y: y["year"])
            if (float(latest["wage_income"]), float(latest["business_income"])) != (wage, business):
                lost += 1
    return lost


def concurrent_imports(base: str, token: str, env: dict, village: str, folder: Path) -> dict:
    """Two workbooks with the same new households and different heads, uploaded at the same moment."""
    code = f"""
import sys
from datetime import date
import xlsxwriter
from fupin.registry.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
def idn(born, seq):
    body = f"520526{{born:%Y%m%d}}{{(seq % 499) * 2 + 1:03d}}"
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]
for name, born in (("a", date(1966, 1, 1)), ("b", date(1967, 1, 1))):
    wb = xlsxwriter.Workbook("{folder}/" + name + ".xlsx")
    hh = wb.add_worksheet(HOUSEHOLD_SHEET); mm = wb.add_worksheet(MEMBER_SHEET)
    hh.write_row(0, 0, ["户编号", "年度", "行政区划代码", "户类型", "户状态", "工资性收入"])
    mm.write_row(0, 0, ["户编号", "姓名", "证件号码", "与户主关系"])
    for i in range(300):
        no = f"PROBE{{i:05d}}"
        hh.write_row(i + 1, 0, [no, 2024, "{village}", "一般农户", "未脱贫", 3000])
        mm.write_row(i + 1, 0, [no, "户主" + name + str(i), idn(born, i), "户主"])
    wb.close()
"""
    django(env, code)

    def upload(name: str):
        boundary = "probe" + name
        payload = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}.xlsx"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + (folder / f"{name}.xlsx").read_bytes()
            + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="skip_invalid"\r\n\r\ntrue\r\n--{boundary}--\r\n'.encode()
        )
        req = urllib.request.Request(
            f"{base}/api/registry/imports?wait=true",
            data=payload,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    with cf.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(upload, ["a", "b"]))
    heads = django(
        env,
        """
from django.db.models import Count, Q
from fupin.registry.models import Household
print(Household.objects.filter(household_no__startswith="PROBE").annotate(
    h=Count("members", filter=Q(members__relation="head", members__is_deleted=False))).filter(h__gt=1).count())
""",
    )
    return {"statuses": [(s, b.get("status")) for s, b in results], "two_heads": int(heads.strip())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=60, help="schemathesis time per role")
    ap.add_argument("--trials", type=int, default=15)
    ap.add_argument("--roles", default=",".join(ROLES))
    ap.add_argument(
        "--postgres", metavar="URL", help="an empty PostgreSQL database for the store (default: SQLite)"
    )
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fupin-probe-"))
    env = {**os.environ, "FUPIN_HOME": str(home), "FUPIN_LOG_LEVEL": "ERROR"}
    env.pop("FUPIN_DATABASE_URL", None)
    if args.postgres:  # PostgreSQL refuses what SQLite keeps (text past its column, integers past 64 bits)
        env["FUPIN_DATABASE_URL"] = args.postgres
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        t0 = time.time()
        subprocess.run(
            [str(BIN / "fupin"), "demo", "--households", str(args.households), "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
        )
        print(f"demo store: {args.households} households in {time.time() - t0:.0f} s ({home})")
        server = subprocess.Popen(
            [str(BIN / "fupin"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        roles = args.roles.split(",")

        def issue_tokens() -> dict:  # fresh ones: the fuzzer revokes the tokens it is given, too
            return json.loads(
                django(
                    env,
                    f"""
import json
from fupin.accounts.auth import issue_token
from fupin.accounts.models import User
print(json.dumps({{u.username: [issue_token(u, "probe"), u.can("sees_id_numbers")]
                  for u in User.objects.filter(username__in={roles!r})}}))
""",
                )
            )

        tokens = issue_tokens()
        registry_ids = set(
            django(
                env,
                "from fupin.registry.models import Member\n"
                "print('\\n'.join(Member.objects.values_list('id_number', flat=True)))",
            ).split()
        )
        totals = {"requests": 0, "server_errors": 0, "schema_violations": 0, "leaked_ids": 0}
        print(f"{'role':<16} {'requests':>9} {'5xx':>5} {'schema':>7} {'full ID numbers':>15}")
        for username in roles:
            token, sees_ids = tokens[username]
            pages = list_pages(base, token)
            figures = fuzz(base, token, args.seconds, home / f"{username}.har")
            # Searched for every role: for those that may see ID numbers the count shows the search finds them.
            full_ids = leaked_ids([b.encode() for b in figures["bodies"]] + pages, registry_ids)
            for k in ("requests", "server_errors", "schema_violations"):
                totals[k] += figures[k]
            if not sees_ids:
                totals["leaked_ids"] += len(full_ids)
            shown = f"({len(full_ids)} allowed)" if sees_ids else str(len(full_ids))
            print(
                f"{username:<16} {figures['requests']:>9} {figures['server_errors']:>5} "
                f"{figures['schema_violations']:>7} {shown:>15}",
                flush=True,
            )
            if figures["server_errors"] or figures["schema_violations"]:
                print(figures["failures"])
        tokens = issue_tokens()
        admin = tokens["demo_admin"][0] if "demo_admin" in tokens else next(iter(tokens.values()))[0]
        status, body, _ = call(base, admin, "GET", "/api/registry/households?page_size=1")
        assert status == 200, body
        first = json.loads(body)["items"][0]
        lost = lost_updates(base, admin, first["household_no"], args.trials)
        imports = concurrent_imports(base, admin, env, first["village"]["code"], home)
        print(
            f"total: {totals['requests']} requests, {totals['server_errors']} 5xx, "
            f"{totals['schema_violations']} schema violations, {totals['leaked_ids']} leaked ID numbers"
        )
        print(f"lost updates: {lost} of {args.trials} trials")
        print(f"concurrent imports: {imports['statuses']}, households with two heads: {imports['two_heads']}")
        bad = (
            totals["server_errors"]
            + totals["schema_violations"]
            + totals["leaked_ids"]
            + lost
            + imports["two_heads"]
        )
        return 1 if bad else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
