"""The project lifecycle (申报 → 入库 → 审批 → 实施 → 验收 → 公告, and 退回 / 关闭) as a small state machine.

Each action says from which states it moves a project, to which state, and the permission it needs
(`roles.Role` attribute): village and township operators (writes_registry) propose, submit and start
work; county approvers (approves) put in the library, approve, return, accept, announce and close.
Nobody acts on a project outside their region (the selectors answer "not found").
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin.funds.codes import PROJECT_STATUS


@dataclass(frozen=True)
class Action:
    code: str
    zh: str
    en: str
    sources: tuple[str, ...]
    target: str
    permission: str  # writes_registry | approves

    def label(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("submit", "提交申报", "Submit", ("draft", "returned"), "proposed", "writes_registry"),
        Action("library", "审核入库", "Put in the library", ("proposed",), "in_library", "approves"),
        Action("approve", "审批通过", "Approve", ("in_library",), "approved", "approves"),
        Action("start", "开始实施", "Start work", ("approved",), "implementing", "writes_registry"),
        Action("accept", "验收", "Accept", ("implementing",), "accepted", "approves"),
        Action("announce", "公告公示", "Announce", ("accepted",), "announced", "approves"),
        Action("return", "退回", "Return", ("proposed", "in_library"), "returned", "approves"),
        Action(
            "close",
            "关闭",
            "Close",
            (
                "draft",
                "proposed",
                "in_library",
                "approved",
                "implementing",
                "accepted",
                "announced",
                "returned",
            ),
            "closed",
            "approves",
        ),
    )
}

# Details, budget and beneficiaries change only before approval; payments only while the work runs.
EDITABLE_STATUSES = ("draft", "returned", "proposed", "in_library")
PAYABLE_STATUSES = ("approved", "implementing")
FINISHED_STATUSES = ("accepted", "announced", "closed")


def status_label(code: str, lang: str = "zh") -> str:
    return PROJECT_STATUS.label(code, lang)


def available(user, status: str) -> list[Action]:
    """The actions this user may take on a project in this state (scope is checked by the caller)."""
    return [a for a in ACTIONS.values() if status in a.sources and user.can(a.permission)]
