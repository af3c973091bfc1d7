"""The `fupin` program. Thin: parses arguments, sets Django up, dispatches through `fupin/program/commands.py`
to the apps' commands, maps outcomes to exit codes.

Exit status: 0 success, 1 input rejected (a report is printed and nothing was saved), 2 usage error (bad
arguments, a wrong path, no store). Every message, the usage and the help read in Chinese and English.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fupin.core import cli_support
from fupin.core.cli_support import Parser, Rejected, UsageError

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
FORMATS = ["table", "csv", "json", "xlsx"]
H_FORMAT = "输出格式（表格、csv、json、xlsx） / output format"
H_OUT = "写入该文件而不是终端 / write into this file, not the terminal"
H_USER = "以该账户身份运行（其管辖范围适用） / act as this account (its region scope applies)"
H_REGION = (
    "行政区划代码（默认：--user 的地区，否则数据所在地区） / region code "
    "(default: the --user's region, else the region that holds the data)"
)
H_YEAR = "年度 / year"
H_DASK = (
    "在该 Dask 调度器的工作节点上按县分区运行（如 tcp://10.0.0.5:8786；默认 FUPIN_DASK_SCHEDULER，"
    "空则本进程运行） / run partitioned by county on the workers of this Dask scheduler (e.g. "
    "tcp://10.0.0.5:8786; default FUPIN_DASK_SCHEDULER, empty: this process)"
)


def _dask(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dask", metavar="SCHEDULER", help=H_DASK)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()


def _django_ready() -> bool:
    """Django is set up already in this process (the tests, or a caller): the store is its business."""
    return "django.conf" in sys.modules and sys.modules["django.conf"].settings.configured


def _outputs(p: argparse.ArgumentParser, *, user: bool = True) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help=H_FORMAT)
    p.add_argument("--out", type=Path, help=H_OUT)
    if user:
        p.add_argument("--user", help=H_USER)


def _add_site(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The commands that make a store and serve it: demo, serve, init, template."""
    d = sub.add_parser(
        "demo", help="新建存储、生成演示县并启动网站 / fresh store + synthetic county + web server"
    )
    d.add_argument("--households", type=int, default=20_000, help="户数 / number of households")
    d.add_argument("--seed", type=int, default=2024, help="随机种子 / random seed")
    d.add_argument("--port", type=int, default=8000, help="端口 / port")
    d.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on")
    d.add_argument(
        "--no-serve", action="store_true", help="只生成数据，不启动网站 / build the data, no server"
    )

    s = sub.add_parser("serve", help="运行网站 / run the web application")
    s.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on")
    s.add_argument("--port", type=int, default=8000, help="端口 / port")
    s.add_argument("--threads", type=int, default=8, help="线程数 / threads")

    sub.add_parser(
        "init", help="新建或升级存储，载入区划代码 / create or upgrade the store, load region codes"
    )

    t = sub.add_parser("template", help="写出空白导入工作簿 / write an empty import workbook")
    t.add_argument("kind", choices=["households"], help="工作簿种类 / kind of workbook")
    t.add_argument("out", type=Path, help="输出文件 OUT.xlsx / the file to write")


def _add_import(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin import KIND FILE`: regions, population, boundaries, households, department lists."""
    i = sub.add_parser(
        "import",
        help="导入区划、人口、户或部门数据 / import regions, population, households, department data",
    )
    isub = i.add_subparsers(dest="kind", required=True, title="种类 / kinds", metavar="KIND")
    h_file = "输入文件 / input file"
    ir = isub.add_parser("regions", help="行政区划代码和名称 / region codes and names")
    ir.add_argument("file", type=Path, help=h_file)
    ip = isub.add_parser(
        "population", help="农业户籍人口（分母） / rural registered population (denominators)"
    )
    ip.add_argument("file", type=Path, help=h_file)
    ib = isub.add_parser(
        "boundaries", help="区划边界 GeoJSON（地图用） / region boundaries, GeoJSON (for the map)"
    )
    ib.add_argument(
        "file",
        type=Path,
        help="GeoJSON FeatureCollection，属性含区划代码 / with the region code in "
        "a property (行政区划代码, code, adcode, region_code)",
    )
    ib.add_argument(
        "--skip-invalid",
        action="store_true",
        help="保存有效的要素，列出被拒绝的 / save the valid features, list the rejected ones",
    )
    ib.add_argument("--user", help=H_USER)
    ih = isub.add_parser("households", help="建档立卡工作簿 / the registry workbook")
    ih.add_argument(
        "file",
        type=Path,
        help="工作簿，或含 户.csv 和 成员.csv 的文件夹/zip / workbook, or folder/zip "
        "with 户.csv and 成员.csv",
    )
    ih.add_argument(
        "--year",
        type=cli_support.year,
        help="文件无“年度”列时的年度 / the year when the file has no 年度 column",
    )
    ih.add_argument(
        "--skip-invalid",
        action="store_true",
        help="保存有效的户，被拒绝的行写入错误工作簿 / save the valid households, rejected rows go to "
        "the errors workbook",
    )
    ih.add_argument(
        "--errors",
        type=Path,
        help="错误工作簿（默认 FILE-errors.xlsx） / errors workbook (default: FILE-errors.xlsx)",
    )
    ih.add_argument("--user", help=H_USER)
    idp = isub.add_parser(
        "department",
        help="部门名单（医保、民政、教育……）与建档立卡比对 / a department's list "
        "(医保, 民政, 教育 …) matched to the registry",
    )
    idp.add_argument("file", type=Path, help=h_file)
    idp.add_argument(
        "--source",
        required=True,
        help="数据来源 / source: medical_insurance, civil_affairs, "
        "education, housing, emergency, disability, human_resources, public_security",
    )
    idp.add_argument("--year", type=cli_support.year, help=H_YEAR)
    idp.add_argument("--user", help=H_USER)


def _add_monitor(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin monitor`: the registry batch of risk signals."""
    mo = sub.add_parser(
        "monitor", help="防返贫监测：风险信号批处理 / return-to-poverty monitoring: the batch of risk signals"
    )
    mo.add_argument("--year", type=cli_support.year, required=True, help=H_YEAR)
    mo.add_argument("--region", help=H_REGION)
    _dask(mo)
    _outputs(mo)


def _add_region(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin region status`: a village's or county's poverty status."""
    rg = sub.add_parser(
        "region", help="行政区划：贫困村（县）状态 / regions: poverty status of a village or county"
    )
    rgs = rg.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    rst = rgs.add_parser(
        "status",
        help="查看或设置贫困状态和出列/摘帽年份 / show or set the poverty status and exit year",
    )
    rst.add_argument("code", help="行政区划代码（村或县） / region code (a village or county)")
    rst.add_argument(
        "--status",
        help="贫困村、非贫困村、贫困县、非贫困县（或代码；空串清除） / poor village, non-poor village, poor "
        "county, non-poor county (or the code; '' clears)",
    )
    rst.add_argument("--exit-year", help="出列/摘帽年份（空串清除） / exit year ('' clears)")
    rst.add_argument("--user", help=H_USER)


def _add_statistics(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin headline` and `fupin stats`: the counts by region."""
    hl = sub.add_parser(
        "headline",
        help="三个一万人：未脱贫、脱贫不稳定、边缘易致贫、突发严重困难 / headline counts: remaining poor and "
        "the three monitoring groups",
    )
    hl.add_argument("--year", type=cli_support.year, help="年度（默认最近一年） / year (default: the latest)")
    hl.add_argument("--years", type=int, default=1, help="往前共几年 / how many years back (1–20)")
    hl.add_argument("--region", help=H_REGION)
    _outputs(hl)

    st = sub.add_parser("stats", help="户数、贫困发生率、收入 / counts, incidence, income")
    st.add_argument("--year", type=cli_support.year, required=True, help=H_YEAR)
    st.add_argument("--region", help=H_REGION)
    st.add_argument(
        "--by",
        choices=["province", "city", "county", "township", "village", "all"],
        help="按下级地区分行；all = 各级一次汇总 / one row per region of that level; all = every "
        "level below, rolled up in one pass",
    )
    _dask(st)
    _outputs(st)


def _add_runs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin identify`, `exits`, `quality`: the rules over a year."""
    for name, helptext in (
        ("identify", "贫困识别：各户是否贫困及原因 / identification: poor or not, and why"),
        ("exits", "退出评估：户、村、县 / exit evaluation: households, villages, counties"),
        ("quality", "数据质量规则，更新问题清单 / data-quality rules, update the findings worklist"),
    ):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("--year", type=cli_support.year, required=True, help=H_YEAR)
        r.add_argument("--region", help=H_REGION)
        if name == "exits":
            r.add_argument(
                "--level",
                choices=["household", "village", "county"],
                default="household",
                help="评估层级 / level of the evaluation",
            )
        if name == "quality":
            r.add_argument(
                "--family",
                choices=["quality", "integrity"],
                help="只列出一类规则：quality 数据质量，integrity 防数字脱贫 / list one rule family only: "
                "quality, or integrity (anti-paper-exit checks)",
            )
        if name in ("identify", "quality"):
            _dask(r)
        _outputs(r)


def _add_assistance(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin assistance`: the coverage worklist and the measure catalogue."""
    a = sub.add_parser(
        "assistance", help="帮扶：覆盖缺口、措施目录 / assistance: coverage worklist, measure catalogue"
    )
    asub = a.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    cov = asub.add_parser(
        "coverage",
        help="缺少帮扶责任人、措施、工作队……的户和村 / households and villages "
        "missing a cadre, measure, team …",
    )
    cov.add_argument("--year", type=cli_support.year, required=True, help=H_YEAR)
    cov.add_argument("--region", help=H_REGION)
    _outputs(cov)
    asub.add_parser("measures", help="列出帮扶措施目录 / list the measure catalogue")


def _add_funds(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin funds anomalies`."""
    f = sub.add_parser("funds", help="项目资金：疑点检查 / projects and funds: anomaly checks")
    fsub = f.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    an = fsub.add_parser("anomalies", help="检查发现的付款和项目疑点 / payments and projects the checks flag")
    an.add_argument("--region", help=H_REGION)
    _outputs(an)


def _add_evaluation(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin evaluation`: create, show, import, export, close."""
    ev = sub.add_parser(
        "evaluation",
        help="成效考核、第三方评估、普查：抽样、入户核查、错退率漏评率认可度 / evaluations: sample, "
        "verification visits, wrong-exit, missed-poor and approval rates",
    )
    esub = ev.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    ec = esub.add_parser("create", help="新建考核评估并抽样 / set up an evaluation and draw its sample")
    ec.add_argument("--county", required=True, help="县级行政区划代码 / county code")
    ec.add_argument("--year", type=cli_support.year, required=True, help=H_YEAR)
    ec.add_argument(
        "--kind",
        choices=["effectiveness", "third_party", "census"],
        default="third_party",
        help="成效考核 effectiveness、第三方评估 third_party、普查 census / kind",
    )
    ec.add_argument(
        "--seed", type=int, help="随机种子（默认新选一个并保存） / seed (default: a new one, kept)"
    )
    for name, zh, en in (
        ("villages", "抽查村数", "villages to sample"),
        ("exited", "抽样脱贫户数", "exited households"),
        ("poor", "抽样未脱贫户数", "poor households"),
        ("unregistered", "抽查村未建档立卡户数", "unregistered households"),
    ):
        ec.add_argument(f"--{name}", type=int, help=f"{zh}（默认取政策参数） / {en} (default: the parameter)")
    ec.add_argument("--note", help="备注 / note")
    ec.add_argument("--user", help=H_USER)
    es = esub.add_parser("show", help="错退率、漏评率、认可度及置信区间 / the rates and their intervals")
    es.add_argument("id", type=int, help="考核评估编号 / evaluation id")
    _outputs(es)
    ei = esub.add_parser("import", help="导入入户核查工作簿 / import a workbook of visits")
    ei.add_argument("id", type=int, help="考核评估编号 / evaluation id")
    ei.add_argument("file", type=Path, help="工作簿或 csv / workbook or csv")
    ei.add_argument("--user", help=H_USER)
    ex = esub.add_parser("export", help="写出考核评估工作簿 / write the evaluation workbook")
    ex.add_argument("id", type=int, help="考核评估编号 / evaluation id")
    ex.add_argument("--out", type=Path, required=True, help="输出文件 OUT.xlsx / the file to write")
    ex.add_argument("--user", help=H_USER)
    ecl = esub.add_parser(
        "close", help="完成考核评估（其数据用于县级退出） / close it (its figures feed county exit)"
    )
    ecl.add_argument("id", type=int, help="考核评估编号 / evaluation id")
    ecl.add_argument("--user", help=H_USER)


def _add_cppcc(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin cppcc`: members, indicators, key matters."""
    cp = sub.add_parser(
        "cppcc",
        help="政协助推行动：委员、指标、关键小事 / the CPPCC programme: members, indicators, key matters",
    )
    csub = cp.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    m = csub.add_parser(
        "members", help="政协委员及其结对户数 / committee members and their linked households"
    )
    m.add_argument(
        "--level", choices=["national", "province", "city", "county"], help="委员层级 / member level"
    )
    m.add_argument("--region", help=H_REGION)
    _outputs(m)
    i = csub.add_parser(
        "indicators",
        help="委员动员面、参与率、结对户数人数、关键小事 / mobilisation, participation, households linked, "
        "key matters",
    )
    i.add_argument("--year", type=cli_support.year, help="年度（默认今年） / year (default: this year)")
    i.add_argument(
        "--by",
        choices=["total", "level", "region", "region_level"],
        default="total",
        help="分组：合计、层级、地区、地区和层级 / grouping: total, level, region, region and level",
    )
    i.add_argument("--region", help=H_REGION)
    _outputs(i)
    k = csub.add_parser("matters", help="关键小事 / key matters")
    k.add_argument("--status", choices=["open", "closed"], help="办理中 open、已办结 closed / status")
    k.add_argument("--year", type=cli_support.year, help="登记年度 / year logged")
    k.add_argument("--region", help=H_REGION)
    _outputs(k)


def _add_supervision(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin supervision`: propose, list, close."""
    sv = sub.add_parser(
        "supervision",
        help="挂牌督战：规则建议、挂牌、销号 / listed supervision: the rules' proposal, listing, closing",
    )
    ssub = sv.add_subparsers(dest="action", required=True, title="操作 / actions", metavar="ACTION")
    sp = ssub.add_parser("propose", help="规则提示的县和村 / the counties and villages the rules flag")
    sp.add_argument("--year", type=cli_support.year, help=H_YEAR)
    sp.add_argument("--region", help=H_REGION)
    _outputs(sp)
    sl = ssub.add_parser(
        "list", help="已挂牌的地区；--add 先挂牌 / the listed regions; --add lists regions first"
    )
    sl.add_argument("--year", type=cli_support.year, help=H_YEAR)
    sl.add_argument("--status", choices=["open", "closed"], help="督战中 open、已销号 closed / status")
    sl.add_argument(
        "--add",
        nargs="+",
        metavar="CODE",
        help="挂牌这些县或村（须为规则提示的） / list these flagged regions",
    )
    sl.add_argument("--supervisor", help="督战责任人用户名 / the supervisor's username")
    sl.add_argument("--deadline", help="督战期限 年-月-日 / deadline YYYY-MM-DD")
    sl.add_argument("--note", help="备注 / note")
    _outputs(sl)
    sc = ssub.add_parser("close", help="销号 / close an item")
    sc.add_argument("id", type=int, help="督战事项编号 / item id")
    sc.add_argument("--note", required=True, help="销号说明 / closing note")
    sc.add_argument(
        "--override",
        action="store_true",
        help="规则仍提示时强制销号（县级审定） / close although the rules still flag it (county approvers)",
    )
    sc.add_argument("--user", help=H_USER)


def _add_store(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin backup` and `fupin restore`: the whole store as one file."""
    b = sub.add_parser("backup", help="整个存储备份为一个文件 / the whole store into one file")
    b.add_argument("out", type=Path, help="备份文件 / the backup file")
    b.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite OUT if it exists")
    b.add_argument("--user", help="以该账户身份运行（须为系统管理员） / act as this account (system_admin)")
    rs = sub.add_parser(
        "restore", help="用备份替换存储并升级 / replace the store with a backup, then migrate"
    )
    rs.add_argument("file", type=Path, help="备份文件 / the backup file")
    rs.add_argument(
        "--replace",
        action="store_true",
        help="替换有数据的存储（先备份到 FUPIN_HOME/backups/） / replace a store that holds data "
        "(backed up first into FUPIN_HOME/backups/)",
    )
    rs.add_argument("--user", help="以该账户身份运行（须为系统管理员） / act as this account (system_admin)")


def _add_createuser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`fupin createuser`: an account scoped to a region."""
    c = sub.add_parser("createuser", help="新建限定地区的账户 / an account scoped to a region")
    c.add_argument("username", help="用户名 / user name")
    c.add_argument("--role", required=True, help="角色 / role")
    c.add_argument("--region", help="行政区划代码；不填为全国 / region code; omit for nationwide")
    c.add_argument(
        "--password", help="默认取 FUPIN_PASSWORD，否则在终端输入 / default: FUPIN_PASSWORD, else asked"
    )


def _parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="fupin",
        description="扶贫 — 建档立卡、监测与统计 / poverty alleviation: registry, monitoring and statistics",
    )
    sub = p.add_subparsers(dest="command", required=True, title="命令 / commands", metavar="COMMAND")
    for add in (
        _add_site,
        _add_import,
        _add_monitor,
        _add_region,
        _add_statistics,
        _add_runs,
        _add_assistance,
        _add_funds,
        _add_evaluation,
        _add_cppcc,
        _add_supervision,
        _add_store,
        _add_createuser,
    ):
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from fupin.core import cli_support

    args = _parser().parse_args(argv)
    if message := cli_support.unstorable_argument(args):
        print(message, file=sys.stderr)
        return EXIT_USAGE
    if not _django_ready():  # a fresh `fupin` process: refuse before the settings create an empty store
        message = cli_support.missing_store(args.command)
        if message:
            print(message, file=sys.stderr)
            return EXIT_USAGE
    _setup_django()
    from django.db import DatabaseError
    from xlsxwriter.exceptions import FileCreateError

    from fupin.program import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        message = commands.missing_tables(args.command)
        if message:
            print(message, file=sys.stderr)
            return EXIT_USAGE
        return handler(args) or EXIT_OK
    except Rejected as e:
        print(str(e), file=sys.stderr)
        return EXIT_REJECTED
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader stopped early (`fupin … | head`): nothing to report
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_OK
    except OSError as e:  # a path that cannot be read or written: say which, without a traceback
        print(cli_support.file_error_text(e), file=sys.stderr)
        return EXIT_USAGE
    except FileCreateError as e:  # xlsxwriter's wrapper of the OSError of an --out it cannot create
        cause = e.args[0] if e.args and isinstance(e.args[0], OSError) else OSError(str(e))
        print(cli_support.file_error_text(cause), file=sys.stderr)
        return EXIT_USAGE
    except DatabaseError as e:  # not set up, locked by another process, unreachable: say so, no traceback
        print(cli_support.database_error_text(e), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
