"""Stored engine runs (identification and exit evaluation) and the county exit evaluation samples."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.reports.codes import RUN_KIND, RUN_STATUS


class Run(models.Model):
    """One run of the engine over a region and year, kept so it can be read back and reproduced.

    `parameters` holds the exact parameter rows the run used (schema.PARAMS rows), so `reproduce()` can
    run the same rules over the data of another day. The result table is a Parquet file under
    FUPIN_HOME/runs/.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=RUN_KIND.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    region_code = models.CharField(_("region"), max_length=12, blank=True)  # '' = everywhere
    parameters = models.JSONField(_("parameters"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="report_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RUN_STATUS.choices, default="running")
    stage = models.CharField(max_length=20, blank=True)
    summary = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True)
    reproduces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reproductions"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "year"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} {self.region_code or '*'} #{self.pk}"


class CountyExitInput(models.Model):
    """贫困县退出专项评估 sample figures of one county and year (domain.md §4.3): 错退, 漏评, 群众认可度."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="exit_inputs", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    exit_sample = models.PositiveIntegerField(_("sampled exited persons"), null=True, blank=True)
    wrong_exit_found = models.PositiveIntegerField(_("wrong exits found"), null=True, blank=True)
    missed_sample_population = models.PositiveIntegerField(
        _("surveyed unregistered rural population"), null=True, blank=True
    )
    missed_found = models.PositiveIntegerField(_("missed poor found"), null=True, blank=True)
    survey_households = models.PositiveIntegerField(_("surveyed households"), null=True, blank=True)
    survey_approving = models.PositiveIntegerField(_("approving households"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="uniq_county_exit_input")]
        ordering = ["county", "-year"]


# The tables other than the registry's that kept pages read (kept.py), each with its version.
INPUT_TABLES = (
    "regions_region",
    "regions_regionpopulation",
    "policy_parameter",
    "monitoring_case",
    "monitoring_alert",
    "assistance_planmeasure",
)


class InputVersion(models.Model):
    """The change version of a table that kept pages read besides the registry (whose version is
    registry.RegistryVersion): one row per table of INPUT_TABLES, moved by database triggers on every
    insert, update and delete (migration 0003), whatever wrote them. A page kept from before a change is then
    known to be out of date (kept.py)."""

    table = models.CharField(max_length=64, primary_key=True)
    version = models.BigIntegerField(default=0)
