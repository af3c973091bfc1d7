"""Roles (domain.md §9) and what each may do. Every permission check asks this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    zh: str
    en: str
    writes_registry: bool = False  # create, edit, delete and import registry data
    approves: bool = False  # county approval steps, policy parameters
    manages_users: bool = False
    sees_id_numbers: bool = False  # unmasked ID numbers
    sees_phone_numbers: bool = False  # unmasked phone numbers
    exports: bool = True


ROLES: dict[str, Role] = {r.code: r for r in (
    Role("system_admin", "系统管理员", "System administrator", writes_registry=True, approves=True,
         manages_users=True, sees_id_numbers=True, sees_phone_numbers=True),
    Role("county_approver", "县级审定", "County approver", writes_registry=True, approves=True,
         sees_id_numbers=True, sees_phone_numbers=True),
    Role("township_reviewer", "乡镇审核", "Township reviewer", writes_registry=True,
         sees_id_numbers=True, sees_phone_numbers=True),
    Role("village_operator", "村级操作员", "Village operator", writes_registry=True,
         sees_id_numbers=True, sees_phone_numbers=True),
    Role("assistance_cadre", "帮扶责任人", "Assistance cadre", sees_phone_numbers=True, exports=False),
    Role("department_officer", "行业部门", "Department data officer"),
    Role("supervisor", "督导(只读)", "Supervisor (read-only)"),
    Role("auditor", "审计/评估(只读)", "Auditor or evaluator (read-only)"),
)}

ROLE_CHOICES = [(r.code, f"{r.zh} / {r.en}") for r in ROLES.values()]
