"""`fupin supervision …`: the rules' proposal of a region and year (`propose`), the listed items (`list`, and
with `--add` listing regions first: 挂牌), closing an item (`close`: 销号). Thin: every check is the services'."""

from __future__ import annotations

import polars as pl
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fupin.accounts import scope
from fupin.accounts.cli import user_from_arg
from fupin.accounts.export_log import log_cli_output
from fupin.core.cli_support import Rejected, UsageError
from fupin.core.output import emit
from fupin.supervision import selectors, services
from fupin.supervision.models import SupervisionItem

NOT_FOUND = "未找到该督战事项，或不在您的管辖范围内 / no such supervision item, or outside your region"
DENIED = "您的角色不能执行此操作 / your role may not do this"


def _rejected(e: services.SupervisionRejected) -> Rejected:
    lines = [f"{zh} / {en}" for zh, en in e.texts()]
    return Rejected("\n".join([*lines, "已拒绝，未保存任何数据 / rejected, nothing saved"]))


def supervision_command(args) -> int:
    user = user_from_arg(args.user)
    try:
        return ACTIONS[args.action](args, user)
    except PermissionDenied as e:
        raise Rejected(str(e) or DENIED) from None
    except scope.BadRegionCode as e:
        raise UsageError(str(e)) from None
    except (scope.OutOfScope, SupervisionItem.DoesNotExist):
        raise Rejected(NOT_FOUND) from None
    except services.SupervisionRejected as e:
        raise _rejected(e) from None


def _year(args, user) -> int:
    if args.year:
        return args.year
    from fupin.registry.selectors import latest_year

    return latest_year(user) or timezone.localdate().year


def propose(args, user) -> int:
    df = selectors.proposal(user, year=_year(args, user), region=args.region).with_columns(
        pl.col("reasons").list.join(",")
    )
    df = df.drop("poverty_status", "exit_year")
    log_cli_output(user, "supervision.proposal", df.height, fmt=args.format, out=args.out, region=args.region)
    emit(df, args.format, args.out, sheet="挂牌督战建议")
    return 0


def items_frame(qs) -> pl.DataFrame:
    rows = [
        {
            "id": it.pk,
            "region_code": it.region_id,
            "region_name": it.region.name,
            "year": it.year,
            "reasons": ",".join(it.reasons),
            "supervisor": it.supervisor.username,
            "deadline": it.deadline.isoformat(),
            "status": it.status,
            "visits": it.visits.count(),
            "close_note": it.close_note,
        }
        for it in qs
    ]
    schema = {
        "id": pl.Int64,
        "region_code": pl.String,
        "region_name": pl.String,
        "year": pl.Int64,
        "reasons": pl.String,
        "supervisor": pl.String,
        "deadline": pl.String,
        "status": pl.String,
        "visits": pl.Int64,
        "close_note": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def list_(args, user) -> int:
    if args.add:
        if not args.supervisor or not args.deadline:
            raise UsageError(
                "--add 需要 --supervisor 与 --deadline / --add needs --supervisor and --deadline"
            )
        items = services.list_regions(
            user,
            year=_year(args, user),
            regions=args.add,
            supervisor=args.supervisor,
            deadline=args.deadline,
            note=args.note or "",
        )
        print(
            f"已挂牌 {len(items)} 个地区 / {len(items)} regions listed: "
            + ", ".join(str(i.pk) for i in items)
        )
    qs = selectors.items_for(user)
    if args.year:
        qs = qs.filter(year=args.year)
    if args.status:
        qs = qs.filter(status=args.status)
    df = items_frame(qs)
    log_cli_output(user, "supervision.items", df.height, fmt=args.format, out=args.out)
    emit(df, args.format, args.out, sheet="挂牌督战")
    return 0


def close(args, user) -> int:
    it = services.close_item(user, args.id, note=args.note or "", override=args.override)
    flag = "（强制销号 / override）" if it.overridden else ""
    print(f"督战事项 #{it.pk} {it.region.name} 已销号{flag} / supervision item #{it.pk} closed")
    return 0


ACTIONS = {"propose": propose, "list": list_, "close": close}
