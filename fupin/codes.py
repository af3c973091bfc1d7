"""Code lists (代码表), defined once, with stable codes and Chinese/English labels.

`CodeList` is the one mechanism for every list of codes: the registry's lists below, and the lists of
each app (`<app>/codes.py`). Pure Python (no Django at import): the engine, the importer, the forms, the
models and the API all read them. Stored values are the stable ASCII codes; people type the Chinese
label (or the code, or the English label), and `CodeList.lookup()` maps every accepted spelling to the
code. Models and forms take `CodeList.choices`, whose labels show the active language only, chosen
when shown. Sources of the registry's lists: domain.md §2.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


def _active_label(zh: str, en: str) -> str:
    from django.utils.translation import get_language

    lang = get_language()
    if lang is None:  # no language chosen (migrations): both, so the stored choices name the two labels
        return f"{zh} / {en}"
    return en if lang.startswith("en") else zh


@cache
def _lazy_label():
    from django.utils.functional import lazy

    return lazy(_active_label, str)


class CodeList:
    """A list of codes with Chinese and English labels.

    `X.choices` are the choices of a model or form field; `X.NAME` is a code named in capitals, for
    code that means one of them (`AlertStatus.CASE_OPENED == "case_opened"`).
    """

    def __init__(self, key: str, zh: str, en: str, codes: list[Code]):
        self.key, self.zh, self.en, self.codes = key, zh, en, tuple(codes)
        self._by_code = {c.code: c for c in self.codes}
        self._names = {c.code.upper(): c.code for c in self.codes if c.code.isidentifier()}

    def __getattr__(self, name: str) -> str:
        names = self.__dict__.get("_names", {})
        if name in names:
            return names[name]
        raise AttributeError(name)

    def __iter__(self):
        return iter(self.codes)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def values(self) -> list[str]:
        return [c.code for c in self.codes]

    def get(self, code: str) -> Code:
        return self._by_code[code]

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None or code == "":
            return ""
        c = self._by_code.get(code)
        if c is None:
            return code
        return c.en if lang.startswith("en") else c.zh

    def display(self, code: str) -> str:
        """The label of `code` in the language active when it is shown (lazy, for fields and forms)."""
        c = self._by_code[code]
        return _lazy_label()(c.zh, c.en)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs for Django fields: `get_FOO_display`, forms and the admin show one language."""
        return [(c.code, self.display(c.code)) for c in self.codes]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling → code. English spellings are matched lower-case."""
        out: dict[str, str] = {}
        for c in self.codes:
            for spelling in (c.code, c.zh, c.en.lower(), *c.aliases):
                out[spelling] = c.code
        return out


YES_NO = CodeList(
    "yes_no",
    "是否",
    "Yes/no",
    [
        Code("1", "是", "Yes", ("y", "yes", "true", "√", "有", "参加", "已参加", "享受")),
        Code("0", "否", "No", ("n", "no", "false", "×", "无", "未参加", "不享受")),
    ],
)

SEX = CodeList(
    "sex",
    "性别",
    "Sex",
    [
        Code("1", "男", "Male", ("男性", "m")),
        Code("2", "女", "Female", ("女性", "f")),
        Code("9", "未说明的性别", "Not stated", ("未说明",)),
    ],
)

RELATION = CodeList(
    "relation",
    "与户主关系",
    "Relation to head",
    [
        Code("head", "户主", "Head", ("本人", "本人或户主", "00", "0", "01")),
        Code("spouse", "配偶", "Spouse", ("妻", "夫", "妻子", "丈夫", "10")),
        Code("son", "之子", "Son", ("子", "儿子", "长子", "次子")),
        Code("daughter", "之女", "Daughter", ("女", "女儿", "长女", "次女")),
        Code("daughter_in_law", "之儿媳", "Daughter-in-law", ("儿媳",)),
        Code("son_in_law", "之女婿", "Son-in-law", ("女婿",)),
        Code("grandson", "之孙子", "Grandson", ("孙子",)),
        Code("granddaughter", "之孙女", "Granddaughter", ("孙女",)),
        Code("grandson_d", "之外孙子", "Grandson (daughter's son)", ("外孙子", "外孙")),
        Code("granddaughter_d", "之外孙女", "Granddaughter (daughter's daughter)", ("外孙女",)),
        Code("great_grandson", "之曾孙子", "Great-grandson", ("曾孙子", "曾孙")),
        Code("great_granddaughter", "之曾孙女", "Great-granddaughter", ("曾孙女",)),
        Code("father", "之父", "Father", ("父亲",)),
        Code("mother", "之母", "Mother", ("母亲",)),
        Code("father_in_law_w", "之岳父", "Father-in-law (wife's father)", ("岳父",)),
        Code("mother_in_law_w", "之岳母", "Mother-in-law (wife's mother)", ("岳母",)),
        Code("father_in_law_h", "之公公", "Father-in-law (husband's father)", ("公公",)),
        Code("mother_in_law_h", "之婆婆", "Mother-in-law (husband's mother)", ("婆婆",)),
        Code("grandfather", "之祖父", "Grandfather", ("祖父", "爷爷")),
        Code("grandmother", "之祖母", "Grandmother", ("祖母", "奶奶")),
        Code("grandfather_m", "之外祖父", "Grandfather (mother's father)", ("外祖父", "外公")),
        Code("grandmother_m", "之外祖母", "Grandmother (mother's mother)", ("外祖母", "外婆")),
        Code("sibling", "之兄弟姐妹", "Sibling", ("兄弟姐妹", "兄", "弟", "姐", "妹")),
        Code("sister_in_law", "之兄弟媳妇", "Sister-in-law (brother's wife)", ("兄弟媳妇", "嫂", "弟媳")),
        Code("uncle", "之叔伯", "Uncle", ("叔伯", "叔叔", "伯伯")),
        Code("nephew", "之侄儿", "Nephew", ("侄儿", "侄子")),
        Code("niece", "之侄女", "Niece", ("侄女",)),
        Code("other", "其他", "Other", ("其它", "99")),
    ],
)

# Relations that fix the sex of the person holding them (domain.md §2.3.1, rule DQ-C1).
MALE_ONLY_RELATIONS = frozenset(
    {
        "son",
        "great_grandson",
        "father",
        "father_in_law_h",
        "son_in_law",
        "uncle",
        "grandson",
        "grandson_d",
        "father_in_law_w",
        "nephew",
        "grandfather",
        "grandfather_m",
    }
)
FEMALE_ONLY_RELATIONS = frozenset(
    {
        "daughter",
        "great_granddaughter",
        "daughter_in_law",
        "mother",
        "mother_in_law_h",
        "granddaughter",
        "granddaughter_d",
        "sister_in_law",
        "mother_in_law_w",
        "niece",
        "grandmother",
        "grandmother_m",
    }
)

HEALTH = CodeList(
    "health",
    "健康状况",
    "Health",
    [
        Code("healthy", "健康", "Healthy"),
        Code("chronic", "长期慢性病", "Long-term chronic illness", ("慢性病",)),
        Code("serious", "患有大病", "Serious illness", ("大病",)),
        Code("disabled", "残疾", "Disabled"),
        Code(
            "serious_disabled",
            "大病残疾",
            "Serious illness and disabled",
            ("患有大病,残疾", "患有大病、残疾"),
        ),
        Code(
            "chronic_disabled",
            "长期慢性病及残疾",
            "Chronic illness and disabled",
            ("长期慢性病,残疾", "长期慢性病、残疾"),
        ),
    ],
)

LABOUR = CodeList(
    "labour",
    "劳动能力",
    "Labour ability",
    [
        Code("ordinary", "普通劳动力", "Ordinary labour"),
        Code("skilled", "技能劳动力", "Skilled labour"),
        Code("weak", "弱劳动力或半劳动力", "Weak or half labour", ("弱劳动力", "半劳动力")),
        Code("lost", "丧失劳动力", "Lost labour ability", ("丧失劳动能力",)),
        Code("none", "无劳动力", "No labour ability", ("无劳动能力",)),
    ],
)

EDUCATION = CodeList(
    "education",
    "文化程度",
    "Education",
    [
        Code("illiterate", "文盲或半文盲", "Illiterate or semi-literate", ("文盲", "半文盲")),
        Code("primary", "小学", "Primary school"),
        Code("junior", "初中", "Junior secondary"),
        Code("senior", "高中", "Senior secondary", ("中专", "中职")),
        Code("college", "大专及以上", "College and above", ("大专", "本科", "本科及以上", "研究生")),
        Code("preschool", "学龄前儿童", "Pre-school child", ("学龄前",)),
    ],
)

SCHOOL = CodeList(
    "school",
    "在校生状况",
    "School status",
    [
        Code("not_student", "非在校生", "Not a student"),
        Code("preschool", "学前教育", "Pre-school", ("幼儿园",)),
        Code("primary", "小学", "Primary school"),
        Code("grade7", "七年级", "Grade 7", ("初一",)),
        Code("grade8", "八年级", "Grade 8", ("初二",)),
        Code("grade9", "九年级", "Grade 9", ("初三",)),
        Code("senior1", "高中一年级", "Senior year 1", ("高一",)),
        Code("senior2", "高中二年级", "Senior year 2", ("高二",)),
        Code("senior3", "高中三年级", "Senior year 3", ("高三",)),
        Code("vocational1", "中职一年级", "Secondary vocational year 1"),
        Code("vocational2", "中职二年级", "Secondary vocational year 2"),
        Code("vocational3", "中职三年级", "Secondary vocational year 3"),
        Code("higher_voc1", "高职一年级", "Higher vocational year 1"),
        Code("higher_voc2", "高职二年级", "Higher vocational year 2"),
        Code("higher_voc3", "高职三年级", "Higher vocational year 3"),
        Code("college", "大专及以上", "College and above"),
    ],
)
COMPULSORY_SCHOOL = frozenset({"primary", "grade7", "grade8", "grade9"})

WORK = CodeList(
    "work",
    "务工状况",
    "Migrant work",
    [
        Code("none", "未务工", "Not working away", ("无", "否")),
        Code("in_township", "乡(镇)内务工", "Within the township", ("乡镇内务工",)),
        Code(
            "in_county",
            "乡(镇)外县内务工",
            "Outside the township, within the county",
            ("乡镇外县内务工", "县内务工"),
        ),
        Code("in_province", "县外省内务工", "Outside the county, within the province", ("省内务工",)),
        Code("out_province", "省外务工", "Outside the province"),
        Code("other", "其他", "Other", ("其它",)),
    ],
)

HOUSEHOLD_TYPE = CodeList(
    "household_type",
    "户类型",
    "Household type",
    [
        Code("poor", "贫困户", "Registered poor household", ("建档立卡户", "建档立卡贫困户")),
        Code("exited", "脱贫户", "Household out of poverty"),
        Code("ordinary", "一般农户", "Ordinary rural household", ("普通农户", "一般户")),
    ],
)

HOUSEHOLD_STATUS = CodeList(
    "household_status",
    "户状态",
    "Household status",
    [
        Code("poor", "未脱贫", "Not yet out of poverty", ("贫困",)),
        Code("exit_pending", "预脱贫", "Exit pending"),
        Code(
            "exited_policy",
            "已脱贫(享受政策)",
            "Out of poverty (keeps policies)",
            ("脱贫", "已脱贫", "已脱贫（享受政策）", "脱贫享受政策"),
        ),
        Code(
            "exited_stable",
            "已脱贫(不再享受政策)",
            "Out of poverty (stable, no longer on policies)",
            ("稳定脱贫", "已脱贫（不再享受政策）", "脱贫不享受政策"),
        ),
        Code("returned", "返贫", "Returned to poverty"),
        Code("removed", "清退", "Removed (wrongly registered)", ("剔除", "识别不准")),
        Code("dissolved", "自然销户", "Household dissolved", ("销户",)),
        Code("not_poor", "非贫困", "Not poor (ordinary household)", ("一般农户",)),
    ],
)

POVERTY_TYPE = CodeList(
    "poverty_type",
    "贫困户属性",
    "Poverty type",
    [
        Code("general", "一般贫困户", "General poor household", ("一般户", "扶贫户")),
        Code("dibao", "低保贫困户", "Minimum-living-allowance poor household", ("低保户", "扶贫低保户")),
        Code(
            "tekun",
            "特困供养贫困户",
            "Extreme-poverty-support poor household",
            ("五保贫困户", "五保户", "特困户"),
        ),
    ],
)

STANDARD = CodeList(
    "standard",
    "识别标准",
    "Identification standard",
    [
        Code("national", "国家标准", "National standard"),
        Code("provincial", "省定标准", "Provincial standard"),
        Code("municipal", "市定标准", "Municipal standard"),
    ],
)

CAUSE = CodeList(
    "cause",
    "致贫原因",
    "Cause of poverty",
    [
        Code("illness", "因病", "Illness"),
        Code("disability", "因残", "Disability"),
        Code("schooling", "因学", "Schooling costs"),
        Code("disaster", "因灾", "Disaster"),
        Code("no_land", "缺土地", "Lack of land"),
        Code("no_water", "缺水", "Lack of water"),
        Code("no_skill", "缺技术", "Lack of skills"),
        Code("no_labour", "缺劳力", "Lack of labour", ("缺劳动力",)),
        Code("no_capital", "缺资金", "Lack of capital"),
        Code("transport", "交通条件落后", "Poor transport"),
        Code("no_motivation", "自身发展动力不足", "Lack of motivation", ("自身发展动力不足",)),
        Code("marriage", "因婚", "Marriage costs"),
        Code("other", "其他", "Other", ("其它", "99")),
    ],
)

HOUSING_GRADE = CodeList(
    "housing_grade",
    "危房等级",
    "Housing safety grade",
    [
        Code("A", "A级(安全)", "A (safe)", ("A", "a", "A级", "安全")),
        Code("B", "B级(基本安全)", "B (basically safe)", ("B", "b", "B级", "基本安全")),
        Code("C", "C级(局部危险)", "C (partly dangerous)", ("C", "c", "C级", "局部危险")),
        Code("D", "D级(整体危险)", "D (dangerous)", ("D", "d", "D级", "整体危险")),
    ],
)
SAFE_HOUSING = frozenset({"A", "B"})

# 致贫/返贫风险 (2021+, code table 100A27, up to five per household; domain.md §2.3.13).
RISK = CodeList(
    "risk",
    "致贫返贫风险",
    "Risk",
    [
        Code("illness", "因病", "Illness"),
        Code("schooling", "因学", "Schooling costs"),
        Code("disability", "因残", "Disability"),
        Code("disaster", "因自然灾害", "Natural disaster", ("因灾",)),
        Code("accident", "因意外事故", "Accident"),
        Code("business_failure", "因产业(项目)失败", "Business or project failure", ("因产业失败",)),
        Code("unstable_work", "因务工就业不稳", "Unstable employment"),
        Code("no_labour", "缺劳动力", "Lack of labour", ("缺劳力",)),
        Code("housing", "住房出现安全问题", "Housing safety problem"),
        Code(
            "dropout", "义务教育阶段适龄儿童少年失学辍学", "Compulsory-age child out of school", ("失学辍学",)
        ),
        Code("water", "饮水安全问题", "Drinking-water problem"),
        Code(
            "uninsured", "家庭成员未参加基本医疗保险", "Member without basic medical insurance", ("未参保",)
        ),
        Code("other", "其他", "Other", ("其它",)),
    ],
)

ALL: dict[str, CodeList] = {
    cl.key: cl
    for cl in (
        YES_NO,
        SEX,
        RELATION,
        HEALTH,
        LABOUR,
        EDUCATION,
        SCHOOL,
        WORK,
        HOUSEHOLD_TYPE,
        HOUSEHOLD_STATUS,
        POVERTY_TYPE,
        STANDARD,
        CAUSE,
        HOUSING_GRADE,
        RISK,
    )
}
