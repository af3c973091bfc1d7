"""Code lists of monitoring (防止返贫监测): alert channels, states and sources; case kinds, monitoring types,
outcomes and elimination methods; what a self-report is about.

The lists keep the names they had as Django choices: `AlertStatus.NEW == "new"` (see `CodeList`).
"""

from __future__ import annotations

from fupin.codes import Code, CodeList

# 发现渠道 (domain.md §6.5).
Channel = CodeList(
    "channel",
    "发现渠道",
    "Channel",
    [
        Code("registry", "系统批量筛查", "Registry batch"),
        Code("department", "部门筛查预警", "Department screening"),
        Code("visit", "干部走访排查", "Cadre visit"),
        Code("self_report", "农户自主申报", "Self-report"),
    ],
)

AlertStatus = CodeList(
    "alert_status",
    "预警状态",
    "Alert status",
    [
        Code("new", "新预警", "New"),
        Code("checking", "核查中", "Being checked"),
        Code("dismissed", "已排除", "Dismissed"),
        Code("case_opened", "已启动识别", "Case opened"),
    ],
)

# Who produced the alert: the registry batch, a department (§6.5), a cadre, the person.
Source = CodeList(
    "alert_source",
    "预警来源",
    "Source",
    [
        Code("registry", "建档立卡", "Registry"),
        Code("medical_insurance", "医保", "Medical insurance"),
        Code("civil_affairs", "民政", "Civil affairs"),
        Code("education", "教育", "Education"),
        Code("housing", "住建", "Housing and construction"),
        Code("emergency", "应急管理", "Emergency management"),
        Code("disability", "残联", "Disabled persons' federation"),
        Code("human_resources", "人社", "Human resources and social security"),
        Code("public_security", "公安", "Public security"),
        Code("cadre", "干部", "Cadre"),
        Code("self_report", "本人", "The person"),
    ],
)

CaseKind = CodeList(
    "case_kind",
    "事项类型",
    "Case kind",
    [
        Code("identification", "识别认定", "Identification"),
        Code("elimination", "风险消除", "Risk elimination"),
    ],
)

# 监测对象类别 (domain.md §2.3.14).
MonitorType = CodeList(
    "monitor_type",
    "监测对象类别",
    "Monitoring type",
    [
        Code("unstable", "脱贫不稳定户", "Unstable out-of-poverty household"),
        Code("edge", "边缘易致贫户", "Marginal household at risk"),
        Code("sudden", "突发严重困难户", "Household in sudden severe difficulty"),
    ],
)

Outcome = CodeList(
    "case_outcome",
    "办理结果",
    "Outcome",
    [
        Code("approved", "已批准", "Approved"),
        Code("rejected", "未通过", "Rejected"),
        Code("rolled_back", "已回退", "Rolled back"),
    ],
)

ELIMINATION_METHOD = CodeList(
    "elimination_method",
    "风险消除方式",
    "Elimination method",
    [
        Code("assisted", "帮扶消除", "Removed by assistance"),
        Code("natural", "自然消除", "Disappeared naturally"),
    ],
)

SELF_REPORT_KIND = CodeList(
    "self_report_kind",
    "申报事由",
    "What happened",
    [
        Code("illness", "疾病或意外伤害", "Illness or injury"),
        Code("disaster", "自然灾害", "Natural disaster"),
        Code("accident", "意外事故", "Accident"),
        Code("schooling", "就学开支", "Schooling costs"),
        Code("housing", "住房不安全", "Housing unsafe"),
        Code("employment", "失业或收入骤减", "Lost work or income"),
        Code("other", "其他", "Other"),
    ],
)
