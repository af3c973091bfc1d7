"""Column maps of the department lists (部门筛查名单, domain.md §6.5): header spelling → key, per source.

Every list needs the ID number; the name is a check; 医保 and 教育 carry the amount their threshold reads.
Other columns (event, date, detail) are kept as the alert's evidence. Pure Python.
"""

from __future__ import annotations

COMMON: dict[str, str] = {
    "证件号码": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "身份证": "id_number",
    "id_number": "id_number",
    "id": "id_number",
    "姓名": "name",
    "name": "name",
    "参保人姓名": "name",
    "学生姓名": "name",
    "日期": "date",
    "发生日期": "date",
    "date": "date",
    "事由": "event",
    "类别": "event",
    "事件": "event",
    "原因": "event",
    "event": "event",
    "备注": "detail",
    "说明": "detail",
    "detail": "detail",
}
AMOUNT: dict[str, dict[str, str]] = {
    "medical_insurance": {
        "累计自付费用": "amount",
        "个人自付": "amount",
        "自付金额": "amount",
        "自付费用": "amount",
        "住院自付费用": "amount",
        "合规自付费用": "amount",
        "amount": "amount",
    },
    "education": {"自付费用": "amount", "学费": "amount", "教育支出": "amount", "amount": "amount"},
}
EVENT: dict[str, dict[str, str]] = {
    "civil_affairs": {"救助类型": "event", "保障类别": "event"},
    "housing": {"鉴定等级": "event", "危房等级": "event"},
    "emergency": {"灾害类型": "event", "受灾情况": "detail"},
    "disability": {"残疾类别": "event", "残疾等级": "detail"},
    "human_resources": {"就业状态": "event", "失业日期": "date"},
    "public_security": {"死亡日期": "date", "户籍变动": "event"},
    "education": {"学段": "event", "辍学": "event"},
}
SOURCES = (
    "medical_insurance",
    "civil_affairs",
    "education",
    "housing",
    "emergency",
    "disability",
    "human_resources",
    "public_security",
)


def columns_for(source: str) -> dict[str, str]:
    return {**COMMON, **EVENT.get(source, {}), **AMOUNT.get(source, {})}


def required_for(source: str) -> set[str]:
    return {"id_number", "amount"} if source in AMOUNT else {"id_number"}
