"""Code lists of 政协助推行动 and 网络议政、远程协商: the members' levels, where a 关键小事 stands, the bodies of
joint supervision, where a consultation topic stands and the kinds of posts."""

from __future__ import annotations

from fupin.codes import Code, CodeList

# 四级委员: members of the national, provincial, city and county committees.
MemberLevel = CodeList(
    "cppcc_level",
    "委员层级",
    "Member level",
    [
        Code("national", "全国政协委员", "National committee", ("全国", "全国政协")),
        Code("province", "省政协委员", "Provincial committee", ("省级", "省政协")),
        Code("city", "市政协委员", "City committee", ("市级", "市政协", "州政协")),
        Code("county", "县政协委员", "County committee", ("县级", "县政协", "区政协")),
    ],
)

MatterStatus = CodeList(
    "cppcc_matter_status",
    "关键小事状态",
    "Matter status",
    [
        Code("open", "办理中", "Open"),
        Code("closed", "已办结", "Closed"),
    ],
)

# 联合监督: the discipline inspection commission, the people's congress and the CPPCC.
SupervisionBody = CodeList(
    "cppcc_supervision_body",
    "监督主体",
    "Supervising body",
    [
        Code("discipline", "纪委监委", "Discipline inspection commission", ("纪委", "监委")),
        Code("congress", "人大", "People's congress", ("人大常委会",)),
        Code("cppcc", "政协", "CPPCC", ("政协委员会",)),
    ],
)

TopicStatus = CodeList(
    "cppcc_topic_status",
    "议题状态",
    "Topic status",
    [
        Code("open", "协商中", "Open for consultation"),
        Code("closed", "已办结", "Closed"),
    ],
)

PostKind = CodeList(
    "cppcc_post_kind",
    "发言类型",
    "Kind of post",
    [
        Code("proposal", "建议", "Proposal"),
        Code("comment", "评论", "Comment"),
    ],
)
