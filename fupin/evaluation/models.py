"""成效考核 / 第三方评估 / 普查 of one county and year: its seeded sample and the verification visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.evaluation.codes import EvaluationKind, EvaluationStatus, Stratum


class Evaluation(models.Model):
    """One evaluation of a county in a year (domain.md §7.1, §7.2, §4.3).

    The sample is drawn once, at creation, from `seed` and the sample sizes in force (kept in
    `sample_sizes` and `parameters`, so the draw can be told and repeated); `populations` holds the size
    of each stratum it was drawn from (households and persons), for the finite-population correction.
    A closed evaluation takes no more visits; its figures feed the county exit evaluation of its year.
    """

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("county")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=EvaluationKind.choices)
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"), max_length=8, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN
    )
    sample_sizes = models.JSONField(default=dict)  # villages, exited, poor, unregistered (None = all)
    parameters = models.JSONField(default=list)  # the parameter rows the sizes and the interval came from
    villages = models.JSONField(default=list)  # the codes of the drawn villages
    populations = models.JSONField(default=dict)  # stratum → {households, persons}
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        indexes = [models.Index(fields=["county", "year"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.county_id} {self.year} #{self.pk}"


class SampledHousehold(models.Model):
    """A household drawn into an evaluation's sample, with its stratum and what it was at the draw."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sample")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(_("stratum"), max_length=16, choices=Stratum.choices)
    rank = models.PositiveIntegerField()  # order of the household's key within its stratum (1 = first)
    village = models.CharField(max_length=12)
    status = models.CharField(max_length=16)  # 户状态 of the evaluation's year, at the draw
    size = models.PositiveSmallIntegerField(default=0)  # persons, at the draw

    class Meta:
        ordering = ["evaluation", "stratum", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "household"], name="uniq_evaluation_household")
        ]


class Visit(models.Model):
    """入户核查: the verification visit of one sampled household — income re-measured, 两不愁三保障 and 饮水安全
    checked, whether the household approves (认可) of the work, a note."""

    sampled = models.OneToOneField(SampledHousehold, on_delete=models.CASCADE, related_name="visit")
    visited_on = models.DateField(_("date of the visit"))
    income_pc = models.DecimalField(_("per-capita net income (re-measured)"), max_digits=12, decimal_places=2)
    food = models.BooleanField(_("enough to eat"))
    clothing = models.BooleanField(_("enough to wear"))
    education = models.BooleanField(_("compulsory education secured"))
    medical = models.BooleanField(_("basic medical care secured"))
    housing = models.BooleanField(_("safe housing"))
    water = models.BooleanField(_("safe drinking water"))
    approves = models.BooleanField(_("approves"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
