"""The project library (项目库): projects, their budget by source, beneficiaries, payments and lifecycle."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.funds.codes import FUND_SOURCE, PAYMENT_KIND, PROJECT_STATUS, PROJECT_TYPE


class Project(models.Model):
    """项目 — one project of the county project library, located in a village, township or county."""

    name = models.CharField(_("project name"), max_length=200)
    project_type = models.CharField(_("project type"), max_length=20, choices=PROJECT_TYPE.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="projects", verbose_name=_("location")
    )
    implementing_unit = models.CharField(_("implementing unit"), max_length=200)
    start_date = models.DateField(_("start date"))
    deadline = models.DateField(_("deadline"))
    content = models.TextField(_("content"), blank=True)
    poverty_link = models.TextField(_("link to poor households"), blank=True)  # 带贫机制
    performance_targets = models.TextField(_("performance targets"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PROJECT_STATUS.choices, default="draft", db_index=True
    )
    acceptance_date = models.DateField(_("acceptance date"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_total(self) -> Decimal:
        return sum((b.amount for b in self.budget_lines.all()), Decimal(0))


class BudgetLine(models.Model):
    """资金来源 — the part of a project's budget that comes from one source."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    source = models.CharField(_("fund source"), max_length=16, choices=FUND_SOURCE.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "source"], name="uniq_project_source")]


class Beneficiary(models.Model):
    """受益户 — a registry household that benefits from a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="projects")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="uniq_project_household")
        ]


class Payment(models.Model):
    """资金拨付 — money paid out of a project to a person (by ID number) or to a contractor."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("payee kind"), max_length=12, choices=PAYMENT_KIND.choices)
    # Household payments: the payee as typed (ID number, name) and the registry member when one matches.
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    payee_name = models.CharField(_("payee"), max_length=200)
    item = models.CharField(_("item"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("payment date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "paid_on", "id"]


class Transition(models.Model):
    """One step of a project's lifecycle: who moved it, when, from which state to which, and why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
