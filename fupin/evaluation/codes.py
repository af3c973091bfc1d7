"""Code lists of the evaluations (成效考核, 第三方评估, 普查): kinds, states, sample strata, result indicators."""

from __future__ import annotations

from fupin.codes import Code, CodeList

# domain.md §7.1 (成效考核, 第三方评估) and §7.2 (普查).
EvaluationKind = CodeList(
    "evaluation_kind",
    "考核评估类型",
    "Kind of evaluation",
    [
        Code("effectiveness", "成效考核", "Effectiveness assessment", ("考核",)),
        Code("third_party", "第三方评估", "Third-party evaluation", ("第三方", "专项评估")),
        Code("census", "脱贫攻坚普查", "Census", ("普查",)),
    ],
)

EvaluationStatus = CodeList(
    "evaluation_status",
    "考核评估状态",
    "Evaluation status",
    [
        Code("open", "核查中", "Visits under way"),
        Code("closed", "已完成", "Closed"),
    ],
)

# The strata of the sample (engine/evaluation.py: STRATA).
Stratum = CodeList(
    "evaluation_stratum",
    "抽样层",
    "Stratum",
    [
        Code("exited", "已脱贫户", "Exited households"),
        Code("poor", "未脱贫户", "Households still poor"),
        Code("unregistered", "抽查村未建档立卡户", "Unregistered households of the sampled villages"),
    ],
)

# The rates (domain.md §4.3).
Indicator = CodeList(
    "evaluation_indicator",
    "考核指标",
    "Indicator",
    [
        Code("wrong_exit", "脱贫人口错退率", "Wrong-exit rate"),
        Code("missed", "贫困人口漏评率", "Missed-poor rate"),
        Code("approval", "群众认可度", "Public approval"),
    ],
)

# What a verification visit checks (domain.md §3.2: 两不愁三保障 + 饮水安全): field → (zh, en).
GUARANTEE_LABELS = {
    "food": ("不愁吃", "Enough to eat"),
    "clothing": ("不愁穿", "Enough to wear"),
    "education": ("义务教育有保障", "Compulsory education secured"),
    "medical": ("基本医疗有保障", "Basic medical care secured"),
    "housing": ("住房安全有保障", "Safe housing"),
    "water": ("饮水安全有保障", "Safe drinking water"),
}
