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
