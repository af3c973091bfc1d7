"""Demo 政协助推行动 and 网络议政 of the synthetic county, made through the real services: committee members of
the four levels (one of them signs in as `demo_cppcc`), each linked to a few households of the county, 关键小事
logged over the year and most of them closed, joint supervision entries of the three bodies, and three
consultation topics with proposals and comments, the oldest answered and closed by the office.

Everything is drawn from the seed; the dates lie in the months before `today`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.contrib.auth import get_user_model

from fupin.cppcc import services
from fupin.registry.models import Household

MEMBERS = [  # level, how many
    ("national", 1),
    ("province", 3),
    ("city", 6),
    ("county", 14),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "海燕", "卫东", "丽华", "国庆", "春梅", "明", "红", "军", "芳"]
UNITS = [
    "县人民医院",
    "农业农村局",
    "县一中",
    "某农业科技公司",
    "县工商联",
    "民盟县委",
    "县农商银行",
    "县中医院",
]
MATTERS = [
    ("家中老人需要办理慢性病门诊备案", "已联系乡镇卫生院上门办理备案"),
    ("孩子上学路途远，申请寄宿", "已协调学校安排寄宿并落实生活补助"),
    ("自来水入户管道破损", "已联系水务站更换管道"),
    ("想学电商销售农产品", "已推荐参加县电商培训班"),
    ("房屋屋顶漏雨", "已协调危房改造资金维修"),
    ("务工工资被拖欠", "已协调劳动监察部门追回工资"),
    ("需要农机具租借", "已联系合作社免费提供"),
]
SUPERVISION = [
    ("discipline", "个别村帮扶资金公示不及时", "责成乡镇一周内补齐公示"),
    ("congress", "部分监测户帮扶措施与风险类型不匹配", "督促行业部门调整措施"),
    ("cppcc", "委员走访记录不全", "委员办补齐台账，每季度通报"),
]
TOPICS = [
    (
        "如何防止因病返贫",
        "围绕大病、慢性病家庭的医疗保障和收入稳定，征集委员意见建议。",
        ["建议对监测户实行先诊疗后付费", "建议把慢性病签约服务覆盖到所有脱贫户"],
        ["赞同，乡镇卫生院需要配足药品"],
        "已吸收委员建议，县医保局将出台先诊疗后付费实施细则。",
    ),
    (
        "村级光伏收益如何更好用于公益岗位",
        "光伏电站收益分配使用办法修订，请委员提出意见。",
        ["建议公益岗位优先安排弱劳动力"],
        ["收益使用应每季度公示"],
        None,
    ),
    (
        "脱贫户小额信贷续贷",
        "到期小额信贷的续贷和展期政策，远程协商。",
        [],
        ["希望简化续贷手续"],
        None,
    ),
]


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def build_demo(county: str, year: int, seed: int, today: date | None = None) -> dict:
    today = today or date.today()
    rng = np.random.default_rng(seed + 23)
    office = _user("demo_county")
    member_account = _user("demo_cppcc")
    households = list(
        Household.objects.filter(village__code__startswith=county[:6], is_deleted=False)
        .order_by("id")
        .values_list("household_no", flat=True)[:4000]
    )
    start = max(date(year, 1, 1), today - timedelta(days=330))
    span = max((today - start).days, 1)

    def day(after: date = start) -> date:
        left = max((today - after).days, 0)
        return after + timedelta(days=int(rng.integers(0, left + 1)))

    members = []
    n = 0
    for level, count in MEMBERS:
        for _i in range(count):
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
            values = {
                "name": name,
                "level": level,
                "region": county,
                "unit": UNITS[n % len(UNITS)],
                "phone": f"139{int(rng.integers(10_000_000, 99_999_999))}",
                "active": n % 12 != 11,  # a few no longer active
                "account": member_account.username if n == 4 and member_account else "",
            }
            members.append(services.save_member(office, values))
            n += 1
    links = matters = closed = 0
    picks = rng.permutation(len(households)) if households else []
    cursor = 0
    for i, member in enumerate(members):
        if i % 6 == 5 or not households:  # some members have not linked a household yet
            continue
        for _k in range(int(rng.integers(1, 4))):
            household = households[int(picks[cursor % len(picks)])]
            cursor += 1
            linked_on = start + timedelta(days=int(rng.integers(0, span // 2 + 1)))
            services.link_household(office, member.pk, {"household": household, "linked_on": linked_on})
            links += 1
            if rng.random() < 0.7:
                text, result = MATTERS[int(rng.integers(0, len(MATTERS)))]
                logged_on = day(linked_on)
                matter = services.log_matter(
                    office,
                    {
                        "household": household,
                        "member": member.pk,
                        "description": text,
                        "logged_on": logged_on,
                    },
                )
                matters += 1
                if rng.random() < 0.65:
                    services.close_matter(office, matter.pk, {"result": result, "closed_on": day(logged_on)})
                    closed += 1
    for body, finding, follow_up in SUPERVISION:
        services.add_supervision(
            office,
            {"body": body, "region": county, "date": day(), "finding": finding, "follow_up": follow_up},
        )
    poster = member_account if member_account else office
    for title, body, proposals, comments, reply in TOPICS:
        topic = services.open_topic(office, {"title": title, "body": body, "region": county})
        for text in proposals:
            services.add_post(poster, topic.pk, {"kind": "proposal", "text": text})
        for text in comments:
            services.add_post(office, topic.pk, {"kind": "comment", "text": text})
        if reply:
            services.close_topic(office, topic.pk, {"reply": reply})
    return {
        "members": len(members),
        "links": links,
        "matters": matters,
        "closed": closed,
        "topics": len(TOPICS),
    }
