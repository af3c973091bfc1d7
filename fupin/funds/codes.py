"""Code lists of the project library (项目库): project types, fund sources, lifecycle states."""

from __future__ import annotations

from fupin.codes import Code, CodeList

PROJECT_TYPE = CodeList(
    "project_type",
    "项目类型",
    "Project type",
    [
        Code("industry", "产业发展", "Industry development", ("产业",)),
        Code("employment", "就业", "Employment", ("就业扶贫", "就业帮扶")),
        Code("infrastructure", "基础设施", "Infrastructure", ("基础设施建设",)),
        Code("housing", "住房", "Housing", ("危房改造", "住房安全")),
        Code("water", "饮水", "Drinking water", ("饮水安全",)),
        Code("education", "教育", "Education", ("教育扶贫",)),
        Code("health", "健康", "Health", ("健康扶贫",)),
        Code("relocation", "易地搬迁", "Relocation", ("易地扶贫搬迁",)),
        Code("other", "其他", "Other"),
    ],
)

FUND_SOURCE = CodeList(
    "fund_source",
    "资金来源",
    "Fund source",
    [
        Code("central", "中央财政", "Central government", ("中央",)),
        Code("provincial", "省级财政", "Provincial government", ("省级",)),
        Code("county", "县级财政", "County government", ("县级", "市县")),
        Code("east_west", "东西部协作", "East–west cooperation", ("东西部扶贫协作",)),
        Code("social", "社会资金", "Social funds", ("社会扶贫", "社会")),
    ],
)

PROJECT_STATUS = CodeList(
    "project_status",
    "项目状态",
    "Project status",
    [
        Code("draft", "草稿", "Draft"),
        Code("proposed", "申报", "Proposed"),
        Code("in_library", "入库", "In the library"),
        Code("approved", "审批", "Approved"),
        Code("implementing", "实施", "Implementing"),
        Code("accepted", "验收", "Accepted"),
        Code("announced", "公告", "Announced"),
        Code("closed", "关闭", "Closed"),
        Code("returned", "退回", "Returned"),
    ],
)

PAYMENT_KIND = CodeList(
    "payment_kind",
    "付款对象",
    "Payee kind",
    [
        Code("household", "农户", "Household"),
        Code("contractor", "承建单位", "Contractor"),
    ],
)
