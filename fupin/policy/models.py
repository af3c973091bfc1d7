"""Policy parameters (政策参数): every threshold, keyed by name, year range and region, with its history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Parameter(models.Model):
    """One value of a parameter in force from `year_from` to `year_to` (open when empty) in a region's
    subtree (nationwide when `region` is empty). The most specific region wins (engine/params.py)."""

    name = models.CharField(_("parameter"), max_length=64, db_index=True)
    # '' = nationwide, else the 12-digit code of the region whose subtree the value applies to (a plain code,
    # not a foreign key, so that the uniqueness below also holds for the national rows)
    region_code = models.CharField(_("region code"), max_length=12, blank=True, default="", db_index=True)
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    source = models.TextField(_("source"), blank=True)
    is_default = models.BooleanField(default=False)  # shipped with fupin (engine/defaults.py)
    is_deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name", "region_code", "year_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "region_code", "year_from"],
                name="uniq_parameter_row",
                condition=models.Q(is_deleted=False),
            )
        ]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "region_code": self.region_code,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "value": str(self.value),
            "source": self.source,
        }


class ParameterChange(models.Model):
    """Who changed which parameter, when, from what to what, and why."""

    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=10)  # create | update | delete
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
