"""What every `fupin` command shares around its work: a bilingual argument parser, the check that a store
exists, plain messages for file and database errors, and the region a command works on.

Kept apart from `fupin/cli.py` so that the program stays a list of commands; nothing here holds a rule of
the domain.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# --- the argument parser: usage, help and errors in Chinese and English --------------------------------

_ARGPARSE_ZH = [  # argparse's own messages (Python 3.11–3.13 wording) → Chinese; the English is kept too
    (r"^the following arguments are required: (.*)$", "缺少必需的参数：{0}"),
    (r"^one of the arguments (.*) is required$", "必须给出以下参数之一：{0}"),
    (r"^invalid choice: (.*?) \(choose from (.*)\)$", "无效的选项：{0}（可选：{1}）"),
    (r"^invalid int value: (.*)$", "不是整数：{0}"),
    (r"^invalid float value: (.*)$", "不是数字：{0}"),
    (r"^invalid (\S+) value: (.*)$", "无效的值：{1}"),
    (r"^unrecognized arguments: (.*)$", "无法识别的参数：{0}"),
    (r"^expected one argument$", "该参数需要一个值"),
    (r"^expected at least one argument$", "该参数至少需要一个值"),
    (r"^expected at most one argument$", "该参数最多接受一个值"),
    (r"^expected (\d+) arguments?$", "该参数需要 {0} 个值"),
    (r"^ambiguous option: (\S+) could match (.*)$", "选项 {0} 不明确，可能是：{1}"),
    (r"^not allowed with argument (.*)$", "不能与参数 {0} 同时使用"),
    (r"^ignored explicit argument (.*)$", "多余的参数值：{0}"),
]


def _zh(message: str) -> str:
    """argparse's English `message` in Chinese ('' when it is not one we know)."""
    head = ""
    m = re.match(r"^argument (\S+?): (.*)$", message, re.S)
    if m:
        head, message = f"参数 {m.group(1)}：", m.group(2)
    for pattern, zh in _ARGPARSE_ZH:
        m = re.match(pattern, message, re.S)
        if m:
            return head + zh.format(*m.groups())
    return head


class HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法 / usage: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and errors read in Chinese and English; errors exit 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "参数 / arguments"
        self._optionals.title = "选项 / options"
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help="显示帮助后退出 / show this help and exit",
            )

    def error(self, message: str):
        self.print_usage(sys.stderr)
        zh = _zh(message)
        text = f"{zh} / {message}" if zh else message
        self.exit(2, f"用法错误 / usage error: {text}\n帮助 / help: {self.prog} -h\n")


# --- the store -------------------------------------------------------------------------------------------

CREATES_STORE = {"init", "demo", "restore"}  # may run where no store exists yet
NEEDS_NO_STORE = {"template"}  # writes a file, never opens the store
WARNS_WITHOUT_STORE = {"serve"}  # starts anyway (its health and API pages answer), with a warning


def _sqlite_file() -> Path | None:
    """The SQLite file the settings will open (None: a database server, checked once connected)."""
    url = os.environ.get("FUPIN_DATABASE_URL")
    if not url:
        return Path(os.environ.get("FUPIN_HOME", "var")).resolve() / "fupin.sqlite3"
    if not url.startswith("sqlite:"):
        return None
    import dj_database_url

    name = dj_database_url.parse(url).get("NAME") or ""
    return Path(name).resolve() if name and name != ":memory:" else None


def _no_store_text(where: str) -> str:
    home = os.environ.get("FUPIN_HOME")
    now_zh = f"FUPIN_HOME 现为 {home}" if home else "FUPIN_HOME 未设置，默认为当前目录下的 var"
    now_en = (
        f"FUPIN_HOME is {home}" if home else "FUPIN_HOME is not set, so it is ./var under the current folder"
    )
    return (
        f"未找到数据存储 / no store found at {where}\n"
        f"{now_zh}。请把 FUPIN_HOME 设为数据文件夹（例如 export FUPIN_HOME=/srv/fupin）；"
        "新建存储请运行 fupin init，试用请运行 fupin demo。\n"
        f"{now_en}. Set FUPIN_HOME to the data folder (e.g. export FUPIN_HOME=/srv/fupin); "
        "to create a store run `fupin init`, to try fupin run `fupin demo`."
    )


def missing_store(command: str) -> str | None:
    """Before Django is set up: the message when `command` needs a store and none exists at the place the
    settings would open (the settings would otherwise create an empty one silently), else None. `serve`
    only gets the message as a warning on stderr and starts."""
    if command in CREATES_STORE or command in NEEDS_NO_STORE:
        return None
    path = _sqlite_file()
    if path is None or (path.is_file() and path.stat().st_size > 0):
        return None
    if command in WARNS_WITHOUT_STORE:
        print(_no_store_text(str(path)), file=sys.stderr)
        return None
    return _no_store_text(str(path))


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


def database_error_text(exc: Exception) -> str:
    text = str(exc)
    low = text.lower()
    if "locked" in low:
        return (
            "数据库正被其他进程锁定（例如正在导入），请稍后重试 / the database is locked by another process "
            f"(an import, say): try again when it has finished ({text})"
        )
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        return f"数据存储尚未初始化或需要升级：请运行 fupin init / the store is not set up or is out of date: run `fupin init` ({text})"
    return f"无法使用数据库 / cannot use the database: {text}"


def file_error_text(exc: OSError) -> str:
    where = exc.filename or ""
    if isinstance(exc, IsADirectoryError):
        why = "这是文件夹，不是文件 / it is a folder, not a file"
    elif isinstance(exc, FileNotFoundError):
        why = "文件或所在文件夹不存在 / no such file or folder"
    elif isinstance(exc, PermissionError):
        why = "没有权限 / permission denied"
    else:
        why = exc.strerror or str(exc)
    return f"无法读写文件 / cannot read or write the file: {where} ({why})"


def check_input(path: Path, *, folder_ok: bool = False) -> None:
    """The path given as input names something that can be read (else a usage error, exit 2): a missing
    path or a folder where a file is needed is a wrong path, not a rejected file."""
    from fupin.core.commands import UsageError

    path = Path(path)
    if not path.exists():
        raise UsageError(f"找不到文件 / no such file: {path}")
    if path.is_dir() and not folder_ok:
        raise UsageError(f"这是文件夹，不是文件 / a folder, not a file: {path}")
    if not os.access(path, os.R_OK):
        raise UsageError(f"没有读取权限 / not readable: {path}")


# --- the region a command works on --------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """`region`: what to hand to the service (None: its own default, the user's region or everything);
    `code`: the 12-digit code the command works on ('' everywhere); `defaulted`: chosen from the data."""

    region: str | None
    code: str
    defaulted: bool = False


def data_region() -> str | None:
    """The deepest region that holds all of the store's data (every household and every project), or None
    when the store holds none or the data spans provinces."""
    from django.db.models import Max, Min

    from fupin.funds.models import Project
    from fupin.regions.codes import LEVEL_PREFIX_LEN
    from fupin.regions.models import Region
    from fupin.registry.models import Household

    ends = [
        v
        for d in (
            Household.objects.filter(is_deleted=False).aggregate(lo=Min("village_id"), hi=Max("village_id")),
            Project.objects.aggregate(lo=Min("region_id"), hi=Max("region_id")),
        )
        for v in d.values()
        if v
    ]
    if not ends:
        return None
    lo, hi = min(ends), max(ends)  # the common prefix of the two ends is that of every code between them
    common = len(os.path.commonprefix([lo, hi]))
    for level in sorted(LEVEL_PREFIX_LEN, reverse=True):
        if LEVEL_PREFIX_LEN[level] <= common:
            code = lo[: LEVEL_PREFIX_LEN[level]].ljust(12, "0")
            if Region.objects.filter(code=code).exists():
                return code
    return None


def region_label(code: str) -> str:
    from fupin.regions.models import Region

    if not code:
        return "全部地区 / all regions"
    name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{name} {code}" if name else code


def resolve_region(args, user, *, max_level: int | None = None) -> Where:
    """The region a command works on. `--region`: checked here (malformed or unknown code: usage error,
    exit 2; outside the user's scope: the service refuses as before). `--user` alone: the user's region.
    Neither: the region that holds the store's data, said on stderr (raised to `max_level` if deeper, e.g.
    the county for county exits)."""
    from fupin.core.commands import UsageError
    from fupin.regions.codes import LEVEL_PREFIX_LEN, RegionCodeError, level_of, normalise
    from fupin.regions.models import Region

    given = getattr(args, "region", None)
    if given:
        try:
            code = normalise(given)
        except RegionCodeError:
            raise UsageError(f"行政区划代码格式错误 / bad region code: {given}") from None
        if not Region.objects.filter(code=code).exists():
            raise UsageError(
                f"没有这个行政区划代码 / no such region code: {given} "
                f"（请先导入区划：fupin import regions / import the regions first: fupin import regions）"
            )
        return Where(code, code)
    if user is not None:
        return Where(None, user.region_id or "")
    code = data_region()
    if code is None:
        return Where(None, "")
    if max_level is not None and level_of(code) > max_level:
        code = code[: LEVEL_PREFIX_LEN[max_level]].ljust(12, "0")
    label = region_label(code)
    print(
        f"地区：{label}（数据所在地区；用 --region 指定其他地区） / region: {label} "
        f"(where the store's data is; choose another with --region)",
        file=sys.stderr,
    )
    return Where(code, code, defaulted=True)


def explain_no_households(code: str, year: int) -> bool:
    """When `code` ('' everywhere) holds no household in `year`, say why on stderr and name the years that
    do have data. True when it said so."""
    from fupin.regions.codes import prefix_of
    from fupin.registry.models import HouseholdYear

    rows = HouseholdYear.objects.filter(is_deleted=False, household__is_deleted=False)
    if code:
        rows = rows.filter(household__village__code__startswith=prefix_of(code))
    if rows.filter(year=year).exists():
        return False
    years = sorted(set(rows.values_list("year", flat=True).distinct()))
    label = region_label(code)
    if years:
        shown = ", ".join(str(y) for y in years)
        print(
            f"{label} 在 {year} 年没有户数据；有数据的年度：{shown} / "
            f"no households in {label} in {year}; years with data: {shown}",
            file=sys.stderr,
        )
    else:
        print(
            f"{label} 没有任何户数据（先导入：fupin import households） / "
            f"no households at all in {label} (import them first: fupin import households)",
            file=sys.stderr,
        )
    return True
