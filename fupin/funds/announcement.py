"""公告公示 — the public announcement sheet of a project (domain.md §7.3): what a notice board shows.

Beneficiary names are masked (张*三) and ID numbers never appear. The PDF is WeasyPrint rendering the
same template (a CJK font such as Debian fonts-wqy-microhei must be installed for Chinese glyphs).
"""

from __future__ import annotations

from django.db.models import Count
from django.template.loader import render_to_string

from fupin.funds.codes import FUND_SOURCE, PROJECT_TYPE
from fupin.funds.models import Project, Transition


def mask_name(name: str | None) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def context(project: Project) -> dict:
    lines = [{"source": FUND_SOURCE.label(b.source), "amount": b.amount} for b in project.budget_lines.all()]
    households = (
        project.beneficiaries.select_related("household", "household__village")
        .annotate(n=Count("household__members"))
        .order_by("household__household_no")
    )
    accepted = Transition.objects.filter(project=project, action="accept").select_related("user").last()
    return {
        "p": project,
        "type_label": PROJECT_TYPE.label(project.project_type),
        "lines": lines,
        "total": sum((x["amount"] for x in lines), 0),
        "paid": getattr(project, "paid", None),
        "beneficiaries": [
            {
                "name": mask_name(b.household.head_name),
                "village": b.household.village.name,
                "size": b.household.size,
            }
            for b in households
        ],
        "beneficiary_count": len(households),
        "beneficiary_persons": sum(b.household.size for b in households),
        "accepted": accepted,
        "place": " ".join(r.name for r in project.region.ancestors()[2:]) + " " + project.region.name,
    }


def render_pdf(project: Project, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("funds/announcement_print.html", context(project) | {"pdf": True})
    return HTML(string=html, base_url=base_url).write_pdf()
