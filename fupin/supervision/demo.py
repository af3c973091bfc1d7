"""Demo 挂牌督战 of the synthetic county, through the real services as a county office would: the county
approver lists the first villages of the rules' proposal (and the county when the rules flag it) with the
demo supervisor, who records a visit to each; one item is closed by the county approver with an override
note, the others stay under supervision."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model

from fupin.engine.supervision import RULE_CODES
from fupin.regions.codes import COUNTY, VILLAGE
from fupin.supervision import selectors, services

VILLAGES = 4
FINDINGS = (
    ("剩余贫困户中两户无稳定收入来源", "落实产业帮扶和公益性岗位，月底前复查"),
    ("超期未办结的监测案件尚未入户核实", "乡镇一周内完成入户核实并提交审核"),
    ("部分贫困户未落实帮扶责任人", "县里调配帮扶责任人，逐户结对"),
)


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def build_demo(county: str, year: int, seed: int, today: date | None = None) -> dict:
    today = today or date.today()
    approver, supervisor = _user("demo_county"), _user("demo_supervisor")
    if approver is None or supervisor is None:
        return {"items": 0, "visits": 0, "closed": 0}
    df = selectors.proposal(approver, year=year, as_of=today)
    rows = df.filter(df["level"] == VILLAGE).to_dicts()
    villages: list[str] = []
    for reason in RULE_CODES:  # one village per reason the rules found, then the first others
        hit = next(
            (r["region_code"] for r in rows if reason in r["reasons"] and r["region_code"] not in villages),
            None,
        )
        if hit:
            villages.append(hit)
    villages += [r["region_code"] for r in rows if r["region_code"] not in villages]
    villages = villages[:VILLAGES]
    counties = df.filter(df["level"] == COUNTY)["region_code"].to_list()[:1]
    codes = counties + villages
    if not codes:
        return {"items": 0, "visits": 0, "closed": 0}
    items = services.list_regions(
        approver,
        year=year,
        regions=codes,
        supervisor=supervisor.username,
        deadline=today + timedelta(days=90),
        note="演示：挂牌督战 / demo listed supervision",
        today=today,
    )
    visits = 0
    for i, item in enumerate(items):
        findings, actions = FINDINGS[(seed + i) % len(FINDINGS)]
        services.record_visit(
            supervisor,
            item.pk,
            visited_on=today - timedelta(days=7 + i),
            findings=findings,
            actions=actions,
            today=today,
        )
        visits += 1
    services.close_item(
        approver,
        items[-1].pk,
        note="县级核实：剩余问题已纳入兜底保障，转入常态监测",
        override=True,
        as_of=today,
    )
    return {"items": len(items), "visits": visits, "closed": 1}
