"""Builders shared by the funds tests."""

from datetime import date

from fupin.funds import services


def make_project(u, region, **kw):
    d = services.ProjectData(
        name=kw.get("name", "石板村肉牛养殖项目"),
        project_type="industry",
        region_code=region.code,
        implementing_unit="草海镇农业服务中心",
        start_date=date(2024, 3, 1),
        deadline=kw.get("deadline", date(2099, 12, 31)),
        content="建设圈舍",
        poverty_link="入股分红",
        performance_targets="户均增收1000元",
        budget={"central": "80000", "county": "20000"},
    )
    return services.create_project(u, d)


def move(p, who, *actions):
    for a in actions:
        p = services.transition(who, p, a)
    return p


def household_payment(project, **kw) -> services.PaymentData:
    """A payment to the first member of the project's first household (fields overridden by `kw`)."""
    member = project.households[0].members.first()
    data = {
        "kind": "household",
        "id_number": member.id_number,
        "payee_name": "",
        "item": "产业奖补",
        "amount": "1000",
        "paid_on": date(2024, 5, 1),
    }
    return services.PaymentData(**{**data, **kw})
