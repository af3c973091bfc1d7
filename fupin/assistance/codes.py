"""Code lists of assistance: where a planned measure stands, kinds of paired units and social helpers, the
level of a leader's contact point. The measure categories and kinds are in `catalogue.py`."""

from __future__ import annotations

from fupin.codes import Code, CodeList

PLAN_STATUS = CodeList(
    "plan_status",
    "措施状态",
    "Measure status",
    [
        Code("planned", "计划", "Planned"),
        Code("in_progress", "实施中", "In progress"),
        Code("done", "已完成", "Done"),
        Code("stopped", "已终止", "Stopped"),
    ],
)

PAIRED_UNIT_KIND = CodeList(
    "paired_unit_kind",
    "帮扶单位类型",
    "Unit kind",
    [
        Code("paired", "结对帮扶单位", "Paired unit"),
        Code("east_west", "东西部协作", "East–west partner"),
        Code("central", "中央定点帮扶单位", "Designated central unit"),
    ],
)

LEADER_LEVEL = CodeList(
    "leader_level",
    "领导层级",
    "Leader level",
    [
        Code("province", "省级", "Province"),
        Code("city", "市级", "Prefecture"),
        Code("county", "县级", "County"),
        Code("township", "乡级", "Township"),
    ],
)

HELPER_KIND = CodeList(
    "helper_kind",
    "帮扶力量类型",
    "Helper kind",
    [
        Code("committee", "村两委成员", "Village committee member"),
        Code("enterprise", "企业", "Enterprise"),
        Code("volunteer", "志愿者", "Volunteer"),
    ],
)
