"""`fupin evaluation …`: set up an evaluation and draw its sample, show its rates, import visits from a
workbook, write the evaluation workbook, close it. Thin: every check is the services'."""

from __future__ import annotations

import sys

import polars as pl
from django.core.exceptions import PermissionDenied
from django.utils import translation

from fupin.accounts import scope
from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output, log_export
from fupin.core.cli_support import Rejected, check_input
from fupin.core.output import emit
from fupin.core.tables import FileUnreadable
from fupin.evaluation import exports, selectors, services
from fupin.evaluation.models import Evaluation

NOT_FOUND = "未找到该考核评估，或不在您的管辖范围内 / no such evaluation, or outside your region"
DENIED = "您的角色不能执行此操作 / your role may not do this"


def _rejected(e: services.EvaluationRejected) -> Rejected:
    lines = [f"{zh} / {en}" for zh, en in e.texts()]
    return Rejected("\n".join([*lines, "已拒绝，未保存任何数据 / rejected, nothing saved"]))


def _get(user, pk: int) -> Evaluation:
    try:
        return selectors.get_evaluation(user, pk)
    except Evaluation.DoesNotExist:
        raise Rejected(NOT_FOUND) from None


def evaluation_command(args) -> int:
    user = user_from_arg(args.user)
    try:
        return ACTIONS[args.action](args, user)
    except PermissionDenied as e:
        raise Rejected(str(e) or DENIED) from None
    except scope.OutOfScope:
        raise Rejected(NOT_FOUND) from None
    except services.EvaluationRejected as e:
        raise _rejected(e) from None


def create(args, user) -> int:
    sizes = {k: getattr(args, k) for k in ("villages", "exited", "poor", "unregistered")}
    e = services.create_evaluation(
        user,
        county=args.county,
        year=args.year,
        kind=args.kind,
        seed=args.seed,
        sizes=sizes,
        note=args.note or "",
    )
    n = e.sample.count()
    print(
        f"考核评估 evaluation #{e.pk}: {e.county.name} {e.year}, 种子 seed {e.seed}, "
        f"抽样 {n} 户 households sampled in {len(e.villages)} 村 villages"
    )
    return 0


def rates_frame(e: Evaluation) -> pl.DataFrame:
    return selectors.rates(e).with_columns(pl.lit(e.pk).alias("evaluation"))


def show(args, user) -> int:
    e = _get(user, args.id)
    df = rates_frame(e)
    if args.format == "table":
        print(
            f"#{e.pk} {e.get_kind_display()} {e.county.name} {e.year} · {e.status} · 种子 seed {e.seed}",
            file=sys.stderr,
        )
    log_cli_output(user, "evaluation.rates", df.height, fmt=args.format, out=args.out, evaluation=e.pk)
    emit(df, args.format, args.out, sheet="指标")
    return 0


def import_(args, user) -> int:
    check_input(args.file)
    try:
        n = services.import_visits(user, args.id, args.file)
    except FileUnreadable as e:
        raise Rejected(f"{e.message_zh} / {e.message_en}") from None
    except Evaluation.DoesNotExist:
        raise Rejected(NOT_FOUND) from None
    print(f"已保存 {n} 户核查 / {n} visits saved")
    return 0


def export(args, user) -> int:
    if user is not None and not user.can("exports"):
        raise PermissionDenied
    e = _get(user, args.id)
    with translation.override("zh-hans"):
        content, rows = exports.workbook_bytes(user, e)
    args.out.write_bytes(content)
    log_export(
        user, "evaluation.xlsx", channel="cli", rows=rows, filters={"evaluation": e.pk, "out": args.out}
    )
    print(args.out)
    return 0


def close(args, user) -> int:
    try:
        e = services.close_evaluation(user, args.id)
    except Evaluation.DoesNotExist:
        raise Rejected(NOT_FOUND) from None
    print(
        f"考核评估 #{e.pk} 已完成 / evaluation #{e.pk} closed: 其数据用于县级退出评估 / its figures feed county exit"
    )
    return 0


ACTIONS = {"create": create, "show": show, "import": import_, "export": export, "close": close}
