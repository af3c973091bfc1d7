"""挂牌督战 (listed supervision, domain.md §1, §9): a county or village listed in a year for the reasons the
rules found, its supervisor, deadline, visits and findings, and its closing (销号)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.supervision.codes import ItemStatus


class SupervisionItem(models.Model):
    """One region listed for supervision (挂牌) in a year.

    `reasons` are the rule codes that put it on the list and `figures` what the rules read then (poor persons,
    incidence, overdue cases, uncovered households). It is closed (销号) with a note once the rules no longer
    flag it; a county approver may close it while they still do, with an override note (`overridden`)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="supervision_items", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reasons = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervised_items",
        verbose_name=_("supervisor"),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    listed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(_("closing note"), max_length=500, blank=True)
    overridden = models.BooleanField(default=False)  # closed while the rules still flagged it
    reasons_at_close = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="uniq_supervision_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class SupervisionVisit(models.Model):
    """督战 visit: when the supervisor went, what was found, and what must be put right."""

    item = models.ForeignKey(SupervisionItem, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date of the visit"))
    findings = models.TextField(_("findings"))
    actions = models.TextField(_("actions required"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
