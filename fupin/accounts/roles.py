"""Roles (domain.md §9) and what each may do. Every permission check asks this table."""

from __future__ import annotations

from dataclasses import dataclass

from fupin.codes import Code, CodeList


@dataclass(frozen=True)
class Role:
    code: str
    zh: str
    en: str
    writes_registry: bool = False  # create, edit, delete and import registry data
    approves: bool = False  # county approval steps, policy parameters
    runs_evaluations: bool = False  # start identification and exit runs (stored, reproducible results)
    manages_users: bool = False
    sees_id_numbers: bool = False  # unmasked ID numbers
    sees_phone_numbers: bool = False  # unmasked phone numbers
    exports: bool = True
    imports_department_data: bool = False  # match a department's list (医保, 民政 …) to the registry
    serves_households: bool = False  # plan measures and visits for the households assigned to this user
    acts_for_every_role: bool = False  # any role's step of a workflow; everyone's imports
    backs_up_store: bool = (
        False  # `fupin backup` / `fupin restore`: the whole store, every ID number unmasked
    )
    reads_export_log: bool = False  # the export log (who took what, when) of the users in this user's region
    # work the anti-"数字脱贫" findings (防数字脱贫, DQ-K: assign, explain, close): people who do not record
    # the exits they judge — county approvers, supervisors and auditors, not the village and township
    works_integrity: bool = False
    # 成效考核 / 第三方评估 / 普查 (evaluation/): set one up and draw its sample (from a county or a region above
    # it), close it; record verification visits and see which households were sampled. Everyone else in the
    # region reads the evaluation's rates only: the sampled households stay unknown to those being checked.
    creates_evaluations: bool = False
    records_evaluation_visits: bool = False
    edits_region_status: bool = False  # a village's or county's poverty status and exit year (出列/摘帽)
    # the steps of a case (monitoring/cases.py) done at each level; `acts_for_every_role` does them all
    does_village_steps: bool = False
    does_township_steps: bool = False
    does_county_steps: bool = False
    # 政协助推行动 and 网络议政 (cppcc/): the office manages the committee members and their households, records
    # joint supervision, opens, answers and closes consultation topics; a member logs 关键小事 of the households
    # linked to them and posts proposals and comments; everyone else in the region reads
    manages_cppcc: bool = False
    posts_cppcc: bool = False
    # 挂牌督战 (supervision/): list regions from the rules' proposal and close (销号) items — county approvers of a
    # county or a larger region; override the rules when closing (with a note); record visits and findings
    lists_supervision: bool = False
    overrides_supervision: bool = False
    records_supervision_visits: bool = False
    works_nationwide: bool = False  # may be bound to no region (every other role needs one)
    admin_site: bool = False  # Django's admin site (the account's is_staff)


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role(
            "system_admin",
            "系统管理员",
            "System administrator",
            writes_registry=True,
            runs_evaluations=True,
            approves=True,
            manages_users=True,
            sees_id_numbers=True,
            sees_phone_numbers=True,
            imports_department_data=True,
            acts_for_every_role=True,
            backs_up_store=True,
            reads_export_log=True,
            works_integrity=True,
            creates_evaluations=True,
            records_evaluation_visits=True,
            edits_region_status=True,
            manages_cppcc=True,
            lists_supervision=True,
            overrides_supervision=True,
            records_supervision_visits=True,
            works_nationwide=True,
            admin_site=True,
        ),
        Role(
            "county_approver",
            "县级审定",
            "County approver",
            writes_registry=True,
            runs_evaluations=True,
            approves=True,
            sees_id_numbers=True,
            sees_phone_numbers=True,
            imports_department_data=True,
            reads_export_log=True,
            works_integrity=True,
            creates_evaluations=True,
            records_evaluation_visits=True,
            edits_region_status=True,
            manages_cppcc=True,
            lists_supervision=True,
            overrides_supervision=True,
            does_county_steps=True,
        ),
        Role(
            "township_reviewer",
            "乡镇审核",
            "Township reviewer",
            writes_registry=True,
            runs_evaluations=True,
            sees_id_numbers=True,
            sees_phone_numbers=True,
            imports_department_data=True,
            does_township_steps=True,
        ),
        Role(
            "village_operator",
            "村级操作员",
            "Village operator",
            writes_registry=True,
            runs_evaluations=True,
            sees_id_numbers=True,
            sees_phone_numbers=True,
            imports_department_data=True,
            does_village_steps=True,
        ),
        Role(
            "assistance_cadre",
            "帮扶责任人",
            "Assistance cadre",
            sees_phone_numbers=True,
            exports=False,
            serves_households=True,
        ),
        Role(
            "cppcc_member",
            "政协委员",
            "CPPCC committee member",
            exports=False,
            posts_cppcc=True,
        ),
        Role("department_officer", "行业部门", "Department data officer", imports_department_data=True),
        Role(
            "supervisor",
            "督导(只读)",
            "Supervisor (read-only)",
            reads_export_log=True,
            works_integrity=True,
            records_evaluation_visits=True,  # joins the verification visits (明察暗访), sets up none
            records_supervision_visits=True,  # 督战: visits and findings of the listed regions
            works_nationwide=True,
        ),
        Role(
            "auditor",
            "审计/评估(只读)",
            "Auditor or evaluator (read-only)",
            reads_export_log=True,
            works_integrity=True,
            creates_evaluations=True,  # the evaluator: third-party evaluation and census
            records_evaluation_visits=True,
            works_nationwide=True,
        ),
    )
}

ROLE_CHOICES = CodeList("role", "角色", "Role", [Code(r.code, r.zh, r.en) for r in ROLES.values()]).choices


def roles_that(permission: str) -> list[str]:
    """The codes of the roles that have `permission`: for choosing accounts in a query (`role__in=`)."""
    return [code for code, r in ROLES.items() if getattr(r, permission)]
