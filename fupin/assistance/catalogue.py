"""The shipped measure catalogue (帮扶措施目录) and the default measure-to-cause suggestions. Pure Python.

Categories are the 2021+ national code table `jch_bfcs` (domain.md §5.4, codes 100A39–100A55; 100A43 and
100A44 did not appear in the sources and are not invented here). The concrete measures are the typical
ones of §5.4 (illustrative, [memory, med]); every entry is a database row users may edit or retire.
Suggestions follow §5.5: 开发式 measures for households with labour, 保障性 for those without, and the
cause → measure pairs (因病 → health, 因学 → education, 因残 → disability subsidies + a 公益岗, …).
"""

from __future__ import annotations

from fupin.codes import Code, CodeList

DEVELOPMENT, PROTECTION = "development", "protection"
KINDS = CodeList(
    "measure_kind",
    "措施性质",
    "Kind",
    [Code(DEVELOPMENT, "开发式", "Development"), Code(PROTECTION, "保障性", "Protection")],
)

CATEGORIES = CodeList(
    "measure_category",
    "帮扶措施类别",
    "Measure category",
    [
        Code("100A39", "产业帮扶", "Industry"),
        Code("100A40", "就业帮扶", "Employment"),
        Code("100A41", "金融帮扶", "Finance"),
        Code("100A42", "公益岗位帮扶", "Public-welfare jobs"),
        Code("100A45", "健康帮扶", "Health"),
        Code("100A46", "义务教育保障", "Compulsory education"),
        Code("100A47", "其他教育帮扶", "Other education"),
        Code("100A48", "综合保障", "Social protection"),
        Code("100A50", "住房安全保障", "Housing safety"),
        Code("100A51", "饮水安全保障", "Drinking-water safety"),
        Code("100A52", "社会帮扶", "Social assistance"),
        Code("100A53", "搬迁", "Relocation"),
        Code("100A54", "生产生活条件改善", "Living and production conditions"),
        Code("100A55", "基础设施建设", "Infrastructure"),
    ],
)

D, P = DEVELOPMENT, PROTECTION
# (code, Chinese, English, category, kind); active from 2014 unless a year is given
MEASURES: list[tuple[str, str, str, str, str]] = [
    ("IND01", "到户产业奖补", "Household industry grant", "100A39", D),
    ("IND02", "合作社/龙头企业带动", "Cooperative or leading-enterprise linkage", "100A39", D),
    ("IND03", "产业技术服务", "Farming technical services", "100A39", D),
    ("IND04", "消费帮扶", "Consumption assistance", "100A39", D),
    ("EMP01", "转移就业", "Transfer employment", "100A40", D),
    ("EMP02", "就业帮扶车间", "Assistance-workshop job", "100A40", D),
    ("EMP03", "劳务输出", "Organised labour export", "100A40", D),
    ("EMP04", "就业补贴", "Employment subsidy", "100A40", D),
    ("EMP05", "技能培训", "Skills training", "100A40", D),
    ("FIN01", "小额信贷", "Microcredit", "100A41", D),
    ("FIN02", "防贫保险", "Anti-poverty insurance", "100A41", P),
    ("PUB01", "乡村公益性岗位", "Rural public-welfare job", "100A42", D),
    ("PUB02", "生态护林员", "Ecological forest ranger", "100A42", D),
    ("PUB03", "村级保洁/护路", "Village cleaning or road care job", "100A42", D),
    ("HLT01", "医保缴费资助", "Medical-insurance premium subsidy", "100A45", P),
    ("HLT02", "大病专项救治", "Serious-illness treatment", "100A45", P),
    ("HLT03", "慢病签约服务", "Chronic-disease contracted care", "100A45", P),
    ("HLT04", "先诊疗后付费", "Treatment first, payment later", "100A45", P),
    ("HLT05", "医疗救助", "Medical assistance", "100A45", P),
    ("EDU01", "控辍保学", "Keeping children in school", "100A46", P),
    ("EDU02", "两免一补", "Two exemptions, one subsidy", "100A46", P),
    ("EDU03", "寄宿生生活补助", "Boarding-pupil living subsidy", "100A46", P),
    ("EDU11", "雨露计划", "Yulu plan (vocational students)", "100A47", D),
    ("EDU12", "助学贷款", "Student loan", "100A47", D),
    ("SOC01", "低保", "Minimum living allowance", "100A48", P),
    ("SOC02", "特困供养", "Extreme-poverty support", "100A48", P),
    ("SOC03", "临时救助", "Temporary assistance", "100A48", P),
    ("SOC04", "残疾人两项补贴", "Disability allowances", "100A48", P),
    ("SOC05", "养老保险代缴", "Pension contributions paid", "100A48", P),
    ("HOU01", "危房改造", "Dilapidated-house renovation", "100A50", P),
    ("HOU02", "农房抗震改造", "Earthquake-proofing of farm houses", "100A50", P),
    ("WAT01", "供水工程", "Water-supply works", "100A51", P),
    ("WAT02", "水质提升", "Water-quality improvement", "100A51", P),
    ("SHP01", "东西部协作", "East–west cooperation", "100A52", D),
    ("SHP02", "定点帮扶", "Designated-unit assistance", "100A52", D),
    ("SHP03", "万企帮万村", "Enterprises helping villages", "100A52", D),
    ("SHP04", "社会捐赠", "Donation", "100A52", P),
    ("MOV01", "易地扶贫搬迁", "Relocation", "100A53", D),
    ("MOV02", "搬迁后续扶持", "Post-relocation support", "100A53", D),
    ("LIV01", "人居环境整治", "Living-environment improvement", "100A54", P),
    ("LIV02", "改厕", "Toilet improvement", "100A54", P),
    ("INF01", "道路建设", "Roads", "100A55", D),
    ("INF02", "电力建设", "Power supply", "100A55", D),
    ("INF03", "网络建设", "Network access", "100A55", D),
]

# cause code (fupin.codes.CAUSE) → measure codes suggested by default (domain.md §5.5)
CAUSE_MEASURES: dict[str, list[str]] = {
    "illness": ["HLT01", "HLT02", "HLT03", "HLT04", "HLT05", "SOC03"],
    "disability": ["SOC04", "PUB01", "HLT05", "SOC01"],
    "schooling": ["EDU01", "EDU02", "EDU03", "EDU11", "EDU12"],
    "disaster": ["SOC03", "FIN02", "HOU01"],
    "no_land": ["IND01", "IND02", "EMP01"],
    "no_water": ["WAT01", "WAT02"],
    "no_skill": ["EMP05", "IND03", "EMP02"],
    "no_labour": ["SOC01", "SOC02", "PUB01"],
    "no_capital": ["FIN01", "IND01"],
    "transport": ["INF01", "MOV01"],
    "no_motivation": ["EMP05", "PUB01", "IND02"],
    "marriage": ["EMP01", "FIN01", "SOC03"],
    # 'other' has no default: any measure answers it
}

CADRE_LIMIT_PARAMETER = "cadre_household_limit"
CADRE_LIMIT_DEFAULT = 5  # [local] common practice: one cadre helps at most five households
CADRE_LIMIT_SOURCE = "[local] 帮扶责任人结对户数上限（常见地方做法，每人不超过5户）/ local practice"
