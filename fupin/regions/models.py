from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.regions import codes


class Region(models.Model):
    """行政区划 — one node of the 省-市-县-乡-村 tree, keyed by its 12-digit code."""

    LEVEL_CHOICES = [(level, f"{zh} / {en}") for level, (zh, en) in codes.LEVEL_NAMES.items()]

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Prefix of the code that every descendant shares (2/4/6/9/12 digits); scoping filters on it.
    prefix = models.CharField(max_length=12, db_index=True)
    # kept equal to `poverty_status in POOR_REGION_STATUSES` by the services (the coverage checks read it)
    is_poor = models.BooleanField(_("poor village/county"), default=False)
    poverty_status = models.CharField(
        _("poverty status"), max_length=16, choices=codes.POVERTY_STATUS.choices, blank=True
    )
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)  # 出列 / 摘帽
    source = models.CharField(_("source"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, null=True)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def level_name(self) -> str:
        return codes.LEVEL_NAMES[self.level][0]

    def save(self, *args, **kwargs):
        self.prefix = codes.prefix_of(self.code)
        super().save(*args, **kwargs)

    def ancestors(self) -> list["Region"]:
        """From the province down to the parent (one query)."""
        wanted = []
        code = codes.parent_of(self.code)
        while code:
            wanted.append(code)
            code = codes.parent_of(code)
        found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
        return [found[c] for c in reversed(wanted) if c in found]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class RegionPopulation(models.Model):
    """农业户籍人口 — the denominator of incidence for one region and year."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(_("year"))
    rural_population = models.PositiveIntegerField(_("rural registered population"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="uniq_region_year_population")]
        ordering = ["region", "year"]


class RegionBoundary(models.Model):
    """行政区划边界 — one region's outline (a GeoJSON Polygon or MultiPolygon), uploaded by a user.

    No boundaries ship with fupin (there is no China map in ECharts and the machine is offline): the map of
    the statistics and overview pages draws the child regions that have one. Re-uploading replaces it."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, primary_key=True, related_name="boundary")
    geometry = models.JSONField(_("geometry"))
    source = models.CharField(_("source file"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        ordering = ["region"]

    def __str__(self) -> str:
        return f"{self.region_id} ({self.source})"
