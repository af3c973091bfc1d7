"""The data-quality rule catalogue (数据质量) of domain.md §11 as data: one `Rule` record per check.

Each `Rule` is a record: id ("DQ-C1"), scope (member | household | household_year), severity
(error = blocking 错误, suspect = 疑点数据 to verify), Chinese and English messages, a function that builds
the Polars expression (true = a finding) from the resolved parameters (`params.Resolved`, so no threshold
is written in a rule) and one for the value reported. The records are listed by scope (MEMBER_RULES,
HOUSEHOLD_RULES, HOUSEHOLD_YEAR_RULES) and, within a scope, by family (A: ID numbers, B: required fields,
C: relation/sex/age, D: causes and exits, E: dibao/tekun, F: income, G: work away, J: shell households);
RULES is their concatenation, in the order reports list them. quality.py evaluates them.

Rules of §11 that are NOT implemented, because the registry does not hold the fields they need:
- 民族 empty (DQ-B1): ethnicity is deliberately not collected (domain.md §0, least data).
- DQ-A5 duplicates across households: Member.id_number is unique in the store (the constraint enforces
  it); the county/province/national duplicate check needs other registries.
- DQ-B1 household fields not stored: electricity, broadcast/TV, cooperative, road distance and type,
  floor area, fuel, toilet, enterprise/leader links, land areas; 大病保险 (2_01_006).
- DQ-D3, DQ-D4, DQ-D5 (monitoring type), DQ-D6: monitoring records (risks, elimination) are not in the
  registry yet; DQ-D7 住房面积 = 0 (no floor area).
- DQ-E3/E4 amounts: 低保金, 五保金, 计划生育金, 养老保险金 are not stored separately (only the transfer total;
  the floors are parameters in defaults.py for when they are); DQ-F4 (生态补偿金, 退耕还林面积).
- DQ-H1–H3 (land, forest, distance), DQ-I1–I3 (assistance cadres, 雨露计划), DQ-G2 second half (就业帮扶
  measures), DQ-J2 department cross-checks (they come with the department data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from fupin import codes
from fupin.engine.idnumber import LENGTHS
from fupin.engine.params import Resolved
from fupin.engine.schema import (
    DISABLED_HEALTH,
    EXITED_STATUSES,
    NO_LABOUR,
    POOR_STATUSES,
    PRIMARY_OR_BELOW_SCHOOL,
    REGISTERED_POOR_STATUSES,
    SENIOR_OR_ABOVE_SCHOOL,
    STUDENT_SCHOOL,
    UNSAFE_HOUSING,
    WEAK_OR_NO_LABOUR,
    WORKING_AWAY,
)

ERROR, SUSPECT = "error", "suspect"
c = pl.col


@dataclass(frozen=True)
class Rule:
    id: str
    scope: str  # member | household | household_year
    severity: str  # error | suspect
    message_zh: str
    message_en: str
    build: Callable[[Resolved], pl.Expr]  # true = finding
    value: Callable[[], pl.Expr] | None = None  # the value shown with a finding
    params: tuple[str, ...] = ()  # parameter names the rule reads


def _s(name: str) -> Callable[[], pl.Expr]:
    return lambda: c(name).cast(pl.String)


def _blank(name: str) -> pl.Expr:
    return c(name).is_null()


def _in(name: str, values: Iterable[str | int]) -> pl.Expr:
    return c(name).is_in(list(values))


_MALE = sorted(codes.MALE_ONLY_RELATIONS)
_FEMALE = sorted(codes.FEMALE_ONLY_RELATIONS)
_AWAY = _in("work_status", WORKING_AWAY)
_EXITED = _in("status", EXITED_STATUSES)
_ID18 = c("_id_ok")  # 18 characters that parsed

# ---- member scope ---------------------------------------------------------------------------------
MEMBER_RULES = [
    # A — ID numbers, certificates, death and support records
    Rule(
        "DQ-A1",
        "member",
        ERROR,
        "证件号码位数错误(应为15、18、20或22位)",
        "ID number length must be 15, 18, 20 or 22",
        lambda R: c("_id_len").is_null() | ~_in("_id_len", LENGTHS),
        _s("id_number"),
    ),
    Rule(
        "DQ-A2",
        "member",
        SUSPECT,
        "15位身份证号码应升级为18位",
        "a 15-digit ID number should be upgraded to 18",
        lambda R: c("_id_len") == 15,
        _s("id_number"),
    ),
    Rule(
        "DQ-A3a",
        "member",
        ERROR,
        "18位证件号码含非法字符",
        "the 18-digit ID number has invalid characters",
        lambda R: (c("_id_len") == 18) & ~c("_id_ok"),
        _s("id_number"),
    ),
    Rule(
        "DQ-A3b",
        "member",
        ERROR,
        "证件号码校验位错误",
        "the ID number's check digit is wrong",
        lambda R: _ID18 & (c("_id_check") != c("_id_last")),
        _s("id_number"),
    ),
    Rule(
        "DQ-A3c",
        "member",
        ERROR,
        "证件号码中的出生日期无效",
        "the birth date inside the ID number is not a date",
        lambda R: _ID18 & ~(c("_id_month").is_between(1, 12) & c("_id_day").is_between(1, 31)),
        _s("id_number"),
    ),
    Rule(
        "DQ-A3d",
        "member",
        ERROR,
        "出生日期与证件号码不一致",
        "the date of birth differs from the ID number",
        lambda R: (
            _ID18 & c("_id_month").is_between(1, 12) & (c("_id_birth_days") != c("birth_date").cast(pl.Int32))
        ),
        _s("birth_date"),
    ),
    Rule(
        "DQ-A3e",
        "member",
        ERROR,
        "性别与证件号码不一致(第17位奇数为男、偶数为女)",
        "sex differs from the ID number (17th digit odd = male, even = female)",
        lambda R: _ID18 & (((c("sex") == "1") & ~c("_id_male")) | ((c("sex") == "2") & c("_id_male"))),
        _s("sex"),
    ),
    Rule(
        "DQ-A3f",
        "member",
        ERROR,
        "出生日期晚于当年年末",
        "the date of birth is after the end of the year",
        lambda R: c("age") < 0,
        _s("birth_date"),
    ),
    Rule(
        "DQ-A4",
        "member",
        ERROR,
        "残疾人证号格式错误(身份证号+残疾类别1-7+等级1-4)",
        "disability certificate must be the ID number + category 1–7 + grade 1–4",
        lambda R: c("_cert_bad"),
        _s("disability_cert"),
    ),
    Rule(
        "DQ-A6a",
        "member",
        SUSPECT,
        "已死亡人员仍在户内",
        "a dead person is still listed in the household",
        lambda R: (
            c("death_date").is_not_null()
            & (c("death_date").dt.year() < c("year"))
            & c("household_id").is_not_null()
            & c("_no_end")
        ),
        _s("death_date"),
    ),
    Rule(
        "DQ-A6b",
        "member",
        ERROR,
        "死亡日期早于出生日期",
        "the date of death is before the date of birth",
        lambda R: c("death_date") < c("birth_date"),
        _s("death_date"),
    ),
    Rule(
        "DQ-A6c",
        "member",
        SUSPECT,
        "同时享受低保和特困供养",
        "receives both dibao and tekun support",
        lambda R: c("dibao") & c("tekun"),
        None,
    ),
    # B — required fields and the head
    Rule("DQ-B1a", "member", ERROR, "健康状况为空", "health is empty", lambda R: _blank("health"), None),
    Rule(
        "DQ-B1b",
        "member",
        SUSPECT,
        "非在校生文化程度为空",
        "education is empty for a non-student",
        lambda R: (c("school") == "not_student") & _blank("education"),
        None,
    ),
    Rule(
        "DQ-B1c",
        "member",
        ERROR,
        "6至23岁人员在校生状况为空",
        "school status is empty for a person aged 6–23",
        lambda R: c("age").is_between(R["age_compulsory_from"], R["age_school_status_to"]) & _blank("school"),
        _s("age"),
        ("age_compulsory_from", "age_school_status_to"),
    ),
    Rule(
        "DQ-B1d",
        "member",
        ERROR,
        "16至65岁人员劳动能力为空",
        "labour ability is empty for a person aged 16–65",
        lambda R: c("age").is_between(R["age_working_from"], R["age_labour_check_to"]) & _blank("labour"),
        _s("age"),
        ("age_working_from", "age_labour_check_to"),
    ),
    Rule(
        "DQ-B1e",
        "member",
        SUSPECT,
        "基本医疗保险参保情况为空(2_01_008)",
        "basic medical insurance is empty (2_01_008)",
        lambda R: _blank("medical_insurance"),
        None,
    ),
    Rule(
        "DQ-B1f",
        "member",
        SUSPECT,
        "城乡居民基本养老保险参保情况为空(2_01_007)",
        "basic pension insurance is empty (2_01_007)",
        lambda R: (c("age") >= R["age_working_from"]) & _blank("pension_insurance"),
        None,
    ),
    Rule(
        "DQ-B1g",
        "member",
        ERROR,
        "姓名为空或过短",
        "the name is empty or too short",
        lambda R: c("name").is_null() | (c("name").str.len_chars() < R["min_family_name_len"]),
        _s("name"),
        ("min_family_name_len",),
    ),
    Rule("DQ-B1h", "member", ERROR, "性别为空", "sex is empty", lambda R: _blank("sex"), None),
    Rule(
        "DQ-B2b",
        "member",
        SUSPECT,
        "残疾人无残疾人证号",
        "a disabled person has no disability certificate number",
        lambda R: _in("health", DISABLED_HEALTH) & _blank("disability_cert"),
        _s("health"),
    ),
    # C — relation, sex, age and school or labour agree
    Rule(
        "DQ-C1a",
        "member",
        ERROR,
        "与户主关系为男性称谓但性别为女(2_01_004)",
        "relation is male-only but sex is female (2_01_004)",
        lambda R: _in("relation", _MALE) & (c("sex") == "2"),
        _s("relation"),
    ),
    Rule(
        "DQ-C1b",
        "member",
        ERROR,
        "与户主关系为女性称谓但性别为男(2_01_004)",
        "relation is female-only but sex is male (2_01_004)",
        lambda R: _in("relation", _FEMALE) & (c("sex") == "1"),
        _s("relation"),
    ),
    Rule(
        "DQ-C3a",
        "member",
        ERROR,
        "14岁及以下但在读高中及以上",
        "aged 14 or under but in senior school or above",
        lambda R: (c("age") <= R["age_senior_school_max"]) & _in("school", SENIOR_OR_ABOVE_SCHOOL),
        _s("school"),
        ("age_senior_school_max",),
    ),
    Rule(
        "DQ-C3b",
        "member",
        SUSPECT,
        "20岁及以上但在读小学及以下",
        "aged 20 or over but in primary school or below",
        lambda R: (c("age") >= R["age_primary_school_min"]) & _in("school", PRIMARY_OR_BELOW_SCHOOL),
        _s("school"),
        ("age_primary_school_min",),
    ),
    Rule(
        "DQ-C4",
        "member",
        ERROR,
        "16岁以下劳动能力应为无劳动力(2_01_011)",
        "under 16 but labour ability is not 'no labour' (2_01_011)",
        lambda R: (c("age") < R["age_working_from"]) & c("labour").is_not_null() & (c("labour") != "none"),
        _s("labour"),
    ),
    Rule(
        "DQ-C5",
        "member",
        SUSPECT,
        "劳动年龄内健康非在校生标为丧失或无劳动力(2_01_010)",
        "a healthy working-age non-student is marked as without labour ability (2_01_010)",
        lambda R: (
            c("age").is_between(R["age_working_from"], R["age_working_to"])
            & (c("health") == "healthy")
            & ~_in("school", STUDENT_SCHOOL).fill_null(False)
            & _in("labour", NO_LABOUR)
        ),
        _s("labour"),
    ),
    Rule(
        "DQ-C6",
        "member",
        SUSPECT,
        "在校生标为务工(4_12_002)",
        "a student is marked as a migrant worker (4_12_002)",
        lambda R: _in("school", STUDENT_SCHOOL) & (c("school") != "college") & _AWAY,
        _s("work_status"),
    ),
    # G — work away from home
    Rule(
        "DQ-G1a",
        "member",
        ERROR,
        "务工时间超出0-12个月",
        "months worked away outside 0–12",
        lambda R: (c("work_months") < 0) | (c("work_months") > R["work_months_max"]),
        _s("work_months"),
        ("work_months_max",),
    ),
    Rule(
        "DQ-G1b",
        "member",
        SUSPECT,
        "有务工地点但务工时间为0或空",
        "a place of work is given but no months",
        lambda R: _AWAY & (c("work_months").fill_null(0) == 0),
        _s("work_status"),
    ),
    Rule(
        "DQ-G1c",
        "member",
        SUSPECT,
        "有务工时间但无务工地点",
        "months worked away but no place of work",
        lambda R: (c("work_months") > 0) & ~_AWAY.fill_null(False),
        _s("work_months"),
    ),
    Rule(
        "DQ-G2",
        "member",
        SUSPECT,
        "弱/丧失/无劳动力人员标为务工(2_01_015)",
        "a person with weak or no labour ability is marked as a migrant worker (2_01_015)",
        lambda R: _in("labour", WEAK_OR_NO_LABOUR) & _AWAY,
        _s("labour"),
    ),
]

# ---- household scope (composition of the household in the year) --------------------------------
HOUSEHOLD_RULES = [
    # B — required fields and the head
    Rule(
        "DQ-B2a",
        "household",
        ERROR,
        "户内无户主",
        "the household has no head",
        lambda R: (c("members") > 0) & (c("_heads") == 0),
        None,
    ),
    Rule(
        "DQ-B2c",
        "household",
        ERROR,
        "户内有多个户主",
        "the household has more than one head",
        lambda R: c("_heads") > 1,
        _s("_heads"),
    ),
    # C — relation, sex, age and school or labour agree
    Rule(
        "DQ-C2",
        "household",
        ERROR,
        "户主与配偶性别相同",
        "the head and the spouse have the same sex",
        lambda R: (c("_head_male") & c("_spouse_male")) | (c("_head_female") & c("_spouse_female")),
        None,
    ),
    # J — shell households
    Rule(
        "DQ-J1",
        "household",
        ERROR,
        "贫困户空挂(户内无在户成员)",
        "a shell household: no current members",
        lambda R: c("members") == 0,
        None,
    ),
    # F — income
    Rule(
        "DQ-F5c",
        "household",
        SUSPECT,
        "家庭人口数与在户成员数不一致",
        "household size differs from the current members",
        lambda R: c("size").is_not_null() & (c("size") != c("members")),
        _s("size"),
    ),
]

# ---- household-year scope -------------------------------------------------------------------------
_POOR = _in("status", REGISTERED_POOR_STATUSES)
HOUSEHOLD_YEAR_RULES = [
    # B — required fields and the head
    Rule(
        "DQ-B1i",
        "household_year",
        ERROR,
        "贫困户主要致贫原因为空",
        "a poor household has no main cause",
        lambda R: _POOR & _blank("main_cause"),
        _s("status"),
    ),
    Rule(
        "DQ-B1j",
        "household_year",
        SUSPECT,
        "危房等级为空",
        "housing grade is empty",
        lambda R: _blank("housing_grade"),
        None,
    ),
    Rule(
        "DQ-B1k",
        "household_year",
        SUSPECT,
        "饮水是否安全为空",
        "safe drinking water is empty",
        lambda R: _blank("water_safe"),
        None,
    ),
    Rule(
        "DQ-B1l", "household_year", ERROR, "户状态为空", "status is empty", lambda R: _blank("status"), None
    ),
    # D — causes, type and exit
    Rule(
        "DQ-D1a",
        "household_year",
        SUSPECT,
        "主要致贫原因为因病但家庭成员均健康",
        "main cause is illness but every member is healthy",
        lambda R: (c("main_cause") == "illness") & (c("members") > 0) & ~c("_any_unhealthy").fill_null(False),
        None,
    ),
    Rule(
        "DQ-D1b",
        "household_year",
        SUSPECT,
        "主要致贫原因为因学但无在校生",
        "main cause is schooling but no student",
        lambda R: (c("main_cause") == "schooling") & ~c("_any_student").fill_null(False),
        None,
    ),
    Rule(
        "DQ-D1c",
        "household_year",
        SUSPECT,
        "主要致贫原因为因残但无残疾人",
        "main cause is disability but nobody is disabled",
        lambda R: (c("main_cause") == "disability") & ~c("_any_disabled").fill_null(False),
        None,
    ),
    Rule(
        "DQ-D2",
        "household_year",
        SUSPECT,
        "其他致贫原因与主要致贫原因重复",
        "another cause repeats the main cause",
        lambda R: c("_other_has_main"),
        _s("other_causes"),
    ),
    Rule(
        "DQ-D5",
        "household_year",
        SUSPECT,
        "户类型与户状态不一致",
        "household type and status disagree",
        lambda R: (
            ((c("household_type") == "ordinary") & _in("status", (*POOR_STATUSES, *EXITED_STATUSES)))
            | ((c("household_type") == "exited") & _in("status", POOR_STATUSES))
            | ((c("household_type") == "poor") & _EXITED)
        ),
        _s("status"),
    ),
    Rule(
        "DQ-D7a",
        "household_year",
        ERROR,
        "已脱贫户人均纯收入低于当年贫困线",
        "an exited household's per-capita net income is below that year's line",
        lambda R: _EXITED & c("income_poor"),
        _s("net_income_pc"),
        ("poverty_line",),
    ),
    Rule(
        "DQ-D7b",
        "household_year",
        ERROR,
        "已脱贫户有义务教育阶段失学辍学儿童",
        "an exited household has a school-age child out of school",
        lambda R: _EXITED & c("education_deprived"),
        None,
    ),
    Rule(
        "DQ-D7c",
        "household_year",
        ERROR,
        "已脱贫户住房为C/D级危房",
        "an exited household lives in a C/D-grade house",
        lambda R: _EXITED & _in("housing_grade", UNSAFE_HOUSING),
        _s("housing_grade"),
    ),
    Rule(
        "DQ-D7d",
        "household_year",
        ERROR,
        "已脱贫户饮水不安全",
        "an exited household has unsafe drinking water",
        lambda R: _EXITED & (c("water_safe") == False),  # noqa: E712 (a Polars expression, not a bool)
        None,
    ),
    Rule(
        "DQ-D7e",
        "household_year",
        ERROR,
        "已脱贫因病户有患病成员未参加基本医疗保险",
        "an exited illness household has an ill member without medical insurance",
        lambda R: _EXITED & (c("main_cause") == "illness") & c("_any_ill_uninsured"),
        None,
    ),
    Rule(
        "DQ-D8",
        "household_year",
        SUSPECT,
        "已脱贫户无脱贫年度或脱贫年度晚于当年",
        "an exited household has no exit year, or one after this year",
        lambda R: _EXITED & (c("exit_year").is_null() | (c("exit_year") > c("year"))),
        _s("exit_year"),
    ),
    Rule(
        "DQ-D9",
        "household_year",
        ERROR,
        "脱贫年度早于识别年度",
        "the exit year is before the year identified",
        lambda R: c("exit_year") < c("identified_year"),
        _s("exit_year"),
    ),
    Rule(
        "DQ-D10",
        "household_year",
        ERROR,
        "识别年度晚于当年",
        "the year identified is after this year",
        lambda R: c("identified_year") > c("year"),
        _s("identified_year"),
    ),
    # E — dibao and tekun
    Rule(
        "DQ-E1a",
        "household_year",
        SUSPECT,
        "低保贫困户无低保人员",
        "a dibao poor household has no member on dibao",
        lambda R: (c("poverty_type") == "dibao") & ~c("_any_dibao").fill_null(False),
        None,
    ),
    Rule(
        "DQ-E1b",
        "household_year",
        SUSPECT,
        "一般贫困户有低保人员",
        "a general poor household has a member on dibao",
        lambda R: (c("poverty_type") == "general") & c("_any_dibao"),
        None,
    ),
    Rule(
        "DQ-E2",
        "household_year",
        SUSPECT,
        "特困供养户有劳动年龄内有劳动能力成员",
        "a tekun household has a working-age member able to work",
        lambda R: (c("poverty_type") == "tekun") & c("_any_able_working_age"),
        None,
    ),
    Rule(
        "DQ-E3",
        "household_year",
        SUSPECT,
        "低保或特困供养户转移性收入为0",
        "a dibao or tekun household has no transfer income",
        lambda R: _in("poverty_type", ("dibao", "tekun")) & (c("transfer_income").fill_null(0) <= 0),
        _s("transfer_income"),
    ),
    # F — income
    Rule(
        "DQ-F1",
        "household_year",
        SUSPECT,
        "有生产经营性收入但生产经营性支出为0",
        "business income but no business costs",
        lambda R: (c("business_income") > 0) & (c("business_cost").fill_null(0) <= 0),
        _s("business_income"),
    ),
    Rule(
        "DQ-F2a",
        "household_year",
        ERROR,
        "人均纯收入小于等于0或为空",
        "per-capita net income is ≤ 0 or empty",
        lambda R: c("net_income_pc").is_null() | (c("net_income_pc") <= R["income_pc_min"]),
        _s("net_income_pc"),
        ("income_pc_min",),
    ),
    Rule(
        "DQ-F2b",
        "household_year",
        SUSPECT,
        "人均纯收入超过上限",
        "per-capita net income above the plausible maximum",
        lambda R: c("net_income_pc") > R["income_pc_max"],
        _s("net_income_pc"),
        ("income_pc_max",),
    ),
    Rule(
        "DQ-F3a",
        "household_year",
        SUSPECT,
        "有工资性收入但无务工人员",
        "wage income but nobody works",
        lambda R: (c("wage_income") > 0) & ~c("_any_worker").fill_null(False),
        _s("wage_income"),
    ),
    Rule(
        "DQ-F3b",
        "household_year",
        SUSPECT,
        "有务工人员但工资性收入为0",
        "a member works but wage income is 0",
        lambda R: c("_any_worker") & (c("wage_income").fill_null(0) == 0),
        None,
    ),
    Rule(
        "DQ-F3c",
        "household_year",
        SUSPECT,
        "工资性收入异常(过低或过高)",
        "wage income implausibly low or high",
        lambda R: (
            ((c("wage_income") > 0) & (c("wage_income") < R["wage_income_low"]))
            | (c("wage_income") > R["wage_income_high"])
        ),
        _s("wage_income"),
        ("wage_income_low", "wage_income_high"),
    ),
    Rule(
        "DQ-F5a",
        "household_year",
        ERROR,
        "家庭纯收入与各项收入合计不符",
        "net income differs from its components",
        lambda R: (
            c("net_income").is_not_null()
            & ((c("net_income") - c("net_income_calc")).abs() > R["income_tolerance"])
        ),
        _s("net_income"),
        ("income_tolerance",),
    ),
    Rule(
        "DQ-F5b",
        "household_year",
        ERROR,
        "人均纯收入与纯收入/人口数不符",
        "per-capita net income differs from net income / household size",
        lambda R: (
            c("net_income_per_capita").is_not_null()
            & (c("size") > 0)
            & ((c("net_income_per_capita") - c("net_income_calc") / c("size")).abs() > R["income_tolerance"])
        ),
        _s("net_income_per_capita"),
        ("income_tolerance",),
    ),
    Rule(
        "DQ-F6",
        "household_year",
        SUSPECT,
        "收入项为负数",
        "an income component is negative",
        lambda R: pl.any_horizontal(
            [
                c(k) < 0
                for k in (
                    "wage_income",
                    "business_income",
                    "property_income",
                    "transfer_income",
                    "business_cost",
                )
            ]
        ),
        None,
    ),
]

RULES: list[Rule] = MEMBER_RULES + HOUSEHOLD_RULES + HOUSEHOLD_YEAR_RULES
_ids = [r.id for r in RULES]
assert len(_ids) == len(set(_ids)), "duplicate rule ids"
RULE_PARAMS = tuple(
    dict.fromkeys(
        (
            "age_compulsory_from",
            "age_compulsory_to",
            "age_working_from",
            "age_working_to",
            "age_labour_check_to",
            "age_school_status_to",
            "age_senior_school_max",
            "age_primary_school_min",
            "min_family_name_len",
            "work_months_max",
            "income_pc_min",
            "income_pc_max",
            "wage_income_low",
            "wage_income_high",
            "income_tolerance",
            *[p for r in RULES for p in r.params],
        )
    )
)
