"""Code lists of the data-quality worklist: how serious a finding is and where its handling stands."""

from __future__ import annotations

from fupin.codes import Code, CodeList

SEVERITY = CodeList(
    "severity",
    "严重程度",
    "Severity",
    [
        Code("error", "错误", "Error"),
        Code("suspect", "疑点", "Suspect"),
    ],
)

FINDING_STATUS = CodeList(
    "finding_status",
    "处理状态",
    "Status",
    [
        Code("open", "待处理", "Open"),
        Code("fixed", "已修正", "Fixed"),
        Code("explained", "已说明", "Explained"),
        Code("resolved", "已消除", "Resolved"),  # the data no longer triggers the rule
    ],
)

RULE_FAMILY = CodeList(
    "rule_family",
    "规则类别",
    "Rule family",
    [
        Code("quality", "数据质量", "Data quality"),
        Code("integrity", "防数字脱贫", "Anti-paper-exit (integrity)"),  # engine/integrity.py, DQ-K
    ],
)
