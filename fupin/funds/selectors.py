"""Reads of the project library, always through the user's region scope (None = the unscoped operator)."""

from __future__ import annotations

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from fupin.accounts import scope
from fupin.funds.models import BudgetLine, Payment, Project


def _sum(model, field: str = "amount"):
    money = DecimalField(max_digits=16, decimal_places=2)
    sub = (
        model.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(t=Sum(field))
        .values("t")
    )
    return Coalesce(Subquery(sub, output_field=money), Value(0, output_field=money))


def projects_for(
    user,
    *,
    region: str | None = None,
    status: str | None = None,
    project_type: str | None = None,
    year: int | None = None,
    q: str | None = None,
) -> QuerySet[Project]:
    """The projects in the user's region subtree (a project belongs where it is located), with totals.

    `region` narrows within the scope; it can never widen it (OutOfScope outside, BadRegionCode malformed)."""
    qs = Project.objects.filter(region__code__startswith=scope.resolve(user, region).prefix)
    if status:
        qs = qs.filter(status=status)
    if project_type:
        qs = qs.filter(project_type=project_type)
    if year:
        qs = qs.filter(start_date__year=year)
    if q:
        qs = qs.filter(name__contains=q.strip())
    return qs.select_related("region").annotate(budget=_sum(BudgetLine), paid=_sum(Payment))


def get_project_for(user, pk: int) -> Project:
    """The project, or Project.DoesNotExist when it is missing or outside the user's scope (→ 404)."""
    return projects_for(user).get(pk=pk)


def payments_for(user, *, region: str | None = None, project: Project | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.filter(project__region__code__startswith=scope.resolve(user, region).prefix)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.select_related("project")
