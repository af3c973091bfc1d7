"""Code lists of 挂牌督战 (listed supervision): why a region is listed, the state of an item, the 四个不摘 checks.

The reasons and the checks are the engine's rules (engine/supervision.py); their labels are defined there once."""

from __future__ import annotations

from fupin.codes import Code, CodeList
from fupin.engine.supervision import KEEP_CHECKS, RULES

Reason = CodeList(
    "supervision_reason",
    "挂牌原因",
    "Reason for listing",
    [Code(r.code, r.zh, r.en) for r in RULES],
)

ItemStatus = CodeList(
    "supervision_status",
    "督战状态",
    "Supervision status",
    [
        Code("open", "督战中", "Under supervision"),
        Code("closed", "已销号", "Closed"),
    ],
)

KeepCheck = CodeList(
    "supervision_keep_check",
    "四个不摘检查",
    "Four not-removed check",
    [Code(k.id, k.zh, k.en) for k in KEEP_CHECKS],
)
