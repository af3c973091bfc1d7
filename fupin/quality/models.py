"""Data quality (数据质量): the findings worklist and the record of every run of the rule catalogue.

A finding exists once per (rule, household, member, year): the runs reconcile with what is stored instead
of adding rows, so people's work on a finding (assignee, note, status) survives every re-run.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.quality.codes import FINDING_STATUS, SEVERITY

OPEN, FIXED, EXPLAINED, RESOLVED = FINDING_STATUS.values


class Finding(models.Model):
    """疑点数据 — one rule that a household (or one of its members) triggers in one year."""

    rule_id = models.CharField(_("rule"), max_length=16, db_index=True)
    scope = models.CharField(max_length=16)  # member | household | household_year
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="findings")
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    severity = models.CharField(_("severity"), max_length=8, choices=SEVERITY.choices)
    message_zh = models.CharField(max_length=200)
    message_en = models.CharField(max_length=200)
    value = models.CharField(_("value"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FINDING_STATUS.choices, default=OPEN, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_findings",
    )
    note = models.TextField(_("note"), blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The finding's version (core/versions.py): every write sets it, the bulk writes of services.py included
    # (a queryset update() bypasses auto_now).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "member_id", "rule_id"]
        constraints = [
            # NULL member ids are distinct in a plain unique index (SQLite and PostgreSQL alike): one
            # partial index per scope keeps a household finding unique too.
            models.UniqueConstraint(
                fields=["rule_id", "household", "member", "year"],
                condition=Q(member__isnull=False),
                name="uniq_finding_member",
            ),
            models.UniqueConstraint(
                fields=["rule_id", "household", "year"],
                condition=Q(member__isnull=True),
                name="uniq_finding_household",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.household_id}/{self.member_id or '-'} {self.year}"


class QualityRun(models.Model):
    """One run of the rule catalogue: who, when, which year and region, the parameters used, the counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    year = models.PositiveSmallIntegerField(_("year"))
    region_code = models.CharField(max_length=12, blank=True)  # '' = everything
    region_prefix = models.CharField(max_length=12, blank=True, db_index=True)
    params = models.JSONField(default=list)  # the parameter rows the rules read
    counts = models.JSONField(default=dict)  # rule id → findings in this run
    findings = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
