"""Monitoring (防止返贫监测): risk alerts from every channel and the department lists that produced them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.monitoring.codes import (
    ELIMINATION_METHOD,
    AlertStatus,
    CaseKind,
    Channel,
    MonitorType,
    Outcome,
    Source,
)

DEPARTMENT_SOURCES = [s for s in Source.values if s not in ("registry", "cadre", "self_report")]


class DepartmentImport(models.Model):
    """One uploaded department list: counts of what matched and the workbook of the rows that did not."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    file_name = models.CharField(_("file"), max_length=255)
    scope = models.CharField(max_length=12, blank=True)  # the region prefix matched against
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # status → rows
    alerts_new = models.PositiveIntegerField(default=0)
    alerts_existing = models.PositiveIntegerField(default=0)
    unmatched_file = models.CharField(max_length=500, blank=True)  # path under FUPIN_HOME
    problem_rows = models.JSONField(default=list)  # the first rows that did not match, for the report page

    class Meta:
        ordering = ["-created_at", "-id"]


class Alert(models.Model):
    """风险预警 — one risk signal about a household (or person) in a year, from one channel and source.

    `key` makes an alert unique: re-running the batch or re-uploading a department list updates the
    evidence of the alert already there instead of adding another. `region` is the inbox: the household's
    village, or for a self-report from someone not in the registry, the county it was addressed to.
    """

    key = models.CharField(max_length=200, unique=True)
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("member"),
    )
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    signal = models.CharField(_("signal"), max_length=40, db_index=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.NEW, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    department_import = models.ForeignKey(
        DepartmentImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "year"]),
            # the inbox lists a year's newest first, 50 a page: read in this order, not sorted (a province has
            # hundreds of thousands of alerts)
            models.Index(fields=["year", "-created_at", "-id"], name="alert_newest_first"),
            # the dashboard's counts read only this index, never the rows (whose evidence is most of a row);
            # the region comes late, so that SQLite keeps reading the inbox in `alert_newest_first` order
            models.Index(
                fields=["year", "signal", "channel", "status", "region", "household"], name="alert_counts"
            ),
        ]

    @staticmethod
    def make_key(channel: str, source: str, signal: str, household_id, member_id, year) -> str:
        return f"{channel}:{source}:{signal}:{household_id or ''}:{member_id or ''}:{year}"


class Case(models.Model):
    """One run of the identification workflow (§6.6) or the risk-elimination workflow (§6.8) for a household.

    `steps` is the list of step codes fixed when the case opens (publicity may be switched off by a
    parameter), `step` the one waiting to be done. Closed cases keep their outcome; an approved
    identification makes the household a monitored household from `closed_on` (or from `opened_on` on
    the green channel); an approved elimination marks its risk eliminated.
    """

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="monitoring_cases",
        verbose_name=_("household"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    monitor_type = models.CharField(
        _("monitoring type"), max_length=10, choices=MonitorType.choices, blank=True
    )
    risks = models.JSONField(_("risks"), default=list)
    elimination_method = models.CharField(
        _("elimination method"),
        max_length=10,
        blank=True,
        choices=ELIMINATION_METHOD.choices,
    )
    green_channel = models.BooleanField(_("green channel"), default=False)
    steps = models.JSONField(default=list)
    step = models.CharField(_("step"), max_length=20, blank=True)  # '' once closed
    opened_on = models.DateField(_("opened on"))
    deadline = models.DateField(_("deadline"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=models.Q(step__gt=""),
                name="one_open_case_per_household_and_kind",
            )
        ]

    @property
    def is_open(self) -> bool:
        return bool(self.step)


class CaseEvent(models.Model):
    """What happened to a case: who did which step, rejected, objected, rolled back, with a note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)  # open | advance | reject | object | rollback | note
    step = models.CharField(max_length=20, blank=True)  # the step acted on
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
