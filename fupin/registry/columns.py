"""The registry workbook's columns (DESIGN.md): Chinese header, English key, kind, code list.

Pure Python. The template writer, the importer, the forms and the API read the same definitions, so a
column is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin import codes


@dataclass(frozen=True)
class Column:
    key: str  # English key, also accepted as a header
    zh: str  # Chinese header
    kind: str  # text | code | codes (multi) | int | amount | id | region | phone | date | year
    codelist: codes.CodeList | None = None
    required: bool = False
    en: str = ""
    max_length: int | None = None  # of a text column: its database column's length (models.py)

    @property
    def label_en(self) -> str:
        return self.en or self.key.replace("_", " ")


HOUSEHOLD_SHEET = "户"
MEMBER_SHEET = "成员"

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_no", "户编号", "text", required=True, en="Household number", max_length=32),
    Column("year", "年度", "year", required=True, en="Year"),
    Column("region_code", "行政区划代码", "region", required=True, en="Village code"),
    Column("household_type", "户类型", "code", codes.HOUSEHOLD_TYPE, en="Household type"),
    Column("status", "户状态", "code", codes.HOUSEHOLD_STATUS, required=True, en="Status"),
    Column("poverty_type", "贫困户属性", "code", codes.POVERTY_TYPE, en="Poverty type"),
    Column("standard", "识别标准", "code", codes.STANDARD, en="Identification standard"),
    Column("main_cause", "主要致贫原因", "code", codes.CAUSE, en="Main cause"),
    Column("other_causes", "其他致贫原因", "codes", codes.CAUSE, en="Other causes"),
    Column("identified_year", "识别年度", "year", en="Year identified"),
    Column("exit_year", "脱贫年度", "year", en="Year of exit"),
    Column("housing_grade", "危房等级", "code", codes.HOUSING_GRADE, en="Housing grade"),
    Column("water_safe", "饮水安全", "code", codes.YES_NO, en="Safe drinking water"),
    Column("wage_income", "工资性收入", "amount", en="Wage income"),
    Column("business_income", "生产经营性收入", "amount", en="Business income"),
    Column("property_income", "财产性收入", "amount", en="Property income"),
    Column("transfer_income", "转移性收入", "amount", en="Transfer income"),
    Column("business_cost", "生产经营性支出", "amount", en="Business costs"),
    Column("out_of_pocket", "合规自付支出", "amount", en="Eligible out-of-pocket spending"),
    Column("phone", "联系电话", "phone", en="Phone"),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("household_no", "户编号", "text", required=True, en="Household number", max_length=32),
    Column("name", "姓名", "text", required=True, en="Name"),
    Column("id_number", "证件号码", "id", required=True, en="ID number"),
    Column("sex", "性别", "code", codes.SEX, en="Sex"),
    Column("relation", "与户主关系", "code", codes.RELATION, required=True, en="Relation to head"),
    Column("health", "健康状况", "code", codes.HEALTH, en="Health"),
    Column("labour", "劳动能力", "code", codes.LABOUR, en="Labour ability"),
    Column("education", "文化程度", "code", codes.EDUCATION, en="Education"),
    Column("school", "在校生状况", "code", codes.SCHOOL, en="School status"),
    Column("work_status", "务工状况", "code", codes.WORK, en="Migrant work"),
    Column("work_months", "务工时间", "int", en="Months worked away"),
    Column("medical_insurance", "基本医疗保险", "code", codes.YES_NO, en="Basic medical insurance"),
    Column("pension_insurance", "基本养老保险", "code", codes.YES_NO, en="Basic pension insurance"),
    Column("dibao", "低保", "code", codes.YES_NO, en="Minimum living allowance (dibao)"),
    Column("tekun", "特困供养", "code", codes.YES_NO, en="Extreme-poverty support (tekun)"),
)
# Accepted when present, never required: checked against what the ID number says.
OPTIONAL_MEMBER_COLUMNS: tuple[Column, ...] = (Column("birth_date", "出生日期", "date", en="Date of birth"),)

INCOME_FIELDS = ("wage_income", "business_income", "property_income", "transfer_income")
COST_FIELDS = ("business_cost",)


def header_map(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every accepted header spelling → key (Chinese header, English key, English label)."""
    out: dict[str, str] = {}
    for c in columns:
        out[c.zh] = c.key
        out[c.key] = c.key
        out[c.label_en.lower()] = c.key
    return out
