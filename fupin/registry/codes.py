"""Code lists of the registry's own records: how a membership began or ended, an import's state, a change."""

from __future__ import annotations

from fupin.codes import Code, CodeList

MEMBERSHIP_REASON = CodeList(
    "membership_reason",
    "成员增减原因",
    "Membership reason",
    [
        Code("registered", "登记", "Registered"),
        Code("birth", "出生", "Birth"),
        Code("marriage", "婚嫁", "Marriage"),
        Code("split", "分户", "Household split"),
        Code("move", "迁移", "Move"),
        Code("death", "死亡", "Death"),
        Code("removed", "删除", "Removed"),
        Code("correction", "更正", "Correction"),
    ],
)

IMPORT_STATUS = CodeList(
    "import_status",
    "导入状态",
    "Import status",
    [
        Code("queued", "排队中", "Queued"),
        Code("running", "进行中", "Running"),
        Code("done", "完成", "Done"),
        Code("rejected", "已拒绝", "Rejected"),
        Code("failed", "失败", "Failed"),
    ],
)

CHANGE_ACTION = CodeList(
    "change_action",
    "变更类型",
    "Change",
    [
        Code("create", "新增", "Created"),
        Code("update", "修改", "Updated"),
        Code("delete", "删除", "Deleted"),
        Code("restore", "恢复", "Restored"),
        Code("move", "成员变动", "Membership change"),
    ],
)
