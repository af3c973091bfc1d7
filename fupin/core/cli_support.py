"""What every `fupin` command shares around its work: its two errors (usage, rejected input), a bilingual
argument parser, the check that a store exists, and plain messages for file and database errors.

Kept apart from `fupin/cli.py` so that the program stays a list of commands; nothing here holds a rule of
the domain.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from fupin.core.errors import unstorable


class UsageError(Exception):
    """Bad arguments (exit status 2)."""


class Rejected(Exception):
    """The input was refused; the message is the report for the terminal."""


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
    (r"^the year must be a whole number from (\d+) to (\d+): (.*)$", "年度应为 {0} 至 {1} 之间的整数：{2}"),
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


def year(text: str) -> int:
    """The argparse type of every year argument: a whole number in the API's and the pages' range, else a
    usage error — a year out of range reached `date()` (year 0 raised) or the store (an integer past 64
    bits could not be bound) and ended in a traceback."""
    from fupin.core.api_types import FIRST_YEAR, LAST_YEAR  # not at start-up: it loads pydantic

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        shown = text if len(text) <= 24 else text[:24] + "…"
        raise argparse.ArgumentTypeError(
            f"the year must be a whole number from {FIRST_YEAR} to {LAST_YEAR}: {shown}"
        )
    return value


def unstorable_argument(args: argparse.Namespace) -> str | None:
    """The usage error for the first text argument that holds a NUL or a lone surrogate (what Python makes of
    a byte that is not UTF-8 in an argument), or None. File paths are left alone: a file name may hold any
    byte, and it is never stored."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and (problem := unstorable(item)):
                return f"用法错误 / usage error: {name}: {problem.text()}"
    return None


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
    path = Path(path)
    if not path.exists():
        raise UsageError(f"找不到文件 / no such file: {path}")
    if path.is_dir() and not folder_ok:
        raise UsageError(f"这是文件夹，不是文件 / a folder, not a file: {path}")
    if not os.access(path, os.R_OK):
        raise UsageError(f"没有读取权限 / not readable: {path}")
