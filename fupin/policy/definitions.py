"""What each policy parameter means: Chinese and English labels and the unit. Pure Python.

The values themselves (national defaults with their sources) are in `fupin.engine.defaults`.
"""

from __future__ import annotations

from fupin.engine.evaluation import PARAM_DEFINITIONS as EVALUATION_DEFINITIONS
from fupin.engine.integrity import PARAM_DEFINITIONS as INTEGRITY_DEFINITIONS
from fupin.engine.monitoring import PARAM_DEFINITIONS as MONITORING_DEFINITIONS
from fupin.engine.supervision import PARAM_DEFINITIONS as SUPERVISION_DEFINITIONS

# name: (Chinese label, English label, unit)
DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "poverty_line": ("国家扶贫标准（现行标准，名义值）", "National poverty line (nominal)", "元/人·年"),
    "monitoring_line": ("防返贫监测收入线", "Monitoring income line", "元/人·年"),
    "village_exit_incidence_pct": ("贫困村退出贫困发生率上限", "Village exit: incidence below", "%"),
    "county_comprehensive_incidence_pct": (
        "贫困县退出综合贫困发生率上限",
        "County exit: comprehensive incidence below",
        "%",
    ),
    "county_wrong_exit_pct": ("脱贫人口错退率上限", "County exit: wrong-exit rate below", "%"),
    "county_missed_pct": ("贫困人口漏评率上限", "County exit: missed-identification rate below", "%"),
    "county_approval_pct": ("群众认可度下限", "County exit: public approval at least", "%"),
    "age_working_from": ("劳动年龄起始", "Working age from", "岁"),
    "age_working_to": ("劳动年龄截止", "Working age to", "岁"),
    "age_elderly_from": ("老年人年龄起始", "Elderly from age", "岁"),
    "age_labour_check_to": ("须填劳动能力的年龄上限", "Labour ability required up to age", "岁"),
    "age_compulsory_from": ("义务教育起始年龄", "Compulsory schooling from age", "岁"),
    "age_compulsory_to": ("义务教育截止年龄", "Compulsory schooling to age", "岁"),
    "age_school_status_to": ("须填在校生状况的年龄上限", "School status required up to age", "岁"),
    "age_senior_school_max": (
        "高中及以上在校生的最小合理年龄（低于即疑点）",
        "Senior-school pupil suspect at or below age",
        "岁",
    ),
    "age_primary_school_min": (
        "小学在校生的最大合理年龄（高于即疑点）",
        "Primary pupil suspect at or above age",
        "岁",
    ),
    "income_pc_min": ("人均纯收入合理下限", "Per-capita net income plausible above", "元"),
    "income_pc_max": ("人均纯收入合理上限", "Per-capita net income plausible up to", "元"),
    "work_months_max": ("务工时间上限", "Months worked away at most", "月"),
    "wage_income_low": ("工资性收入疑点下限", "Wage income suspect below", "元"),
    "wage_income_high": ("工资性收入疑点上限", "Wage income suspect above", "元"),
    "income_tolerance": ("收入复算容差", "Income recomputation tolerance", "元"),
    "land_pc_max_mu": ("人均耕地上限", "Cultivated land per person at most", "亩"),
    "forest_pc_max_mu": ("人均林地上限", "Forest land per person at most", "亩"),
    "land_household_max_mu": ("户均耕地上限", "Cultivated land per household at most", "亩"),
    "forest_household_max_mu": ("户均林地上限", "Forest land per household at most", "亩"),
    "road_distance_max_km": ("与村主干路距离上限", "Distance to the village main road at most", "公里"),
    "dibao_amount_floor": ("低保金疑点下限", "Dibao amount suspect below", "元"),
    "family_planning_amount_floor": ("计划生育金疑点下限", "Family-planning payment suspect below", "元"),
    "pension_amount_floor": ("养老保险金疑点下限", "Pension amount suspect below", "元"),
    "tekun_amount_floor": ("特困供养金疑点下限", "Extreme-poverty support amount suspect below", "元"),
    "cadre_household_limit": ("帮扶责任人结对户数上限", "Households per assistance cadre at most", "户"),
    "min_family_name_len": ("姓名最少字数", "Name has at least (characters)", "字"),
}


# The monitoring engine keeps its own parameters' labels beside their defaults.
DEFINITIONS.update(MONITORING_DEFINITIONS)
DEFINITIONS.update(INTEGRITY_DEFINITIONS)
# So does the evaluation engine (sample sizes, confidence level).
DEFINITIONS.update(EVALUATION_DEFINITIONS)
# And 挂牌督战 (listing thresholds, the 四个不摘 buffer years).
DEFINITIONS.update(SUPERVISION_DEFINITIONS)


def label(name: str, lang: str = "zh") -> str:
    zh, en, _unit = DEFINITIONS.get(name, (name, name, ""))
    return en if lang.startswith("en") else zh


def unit(name: str) -> str:
    return DEFINITIONS.get(name, ("", "", ""))[2]
