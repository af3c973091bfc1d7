"""Assistance and responsibility (帮扶与责任): the measure catalogue, household plans (一户一策), cadres and
their households, visits, village work teams, paired units, leaders' contact points and social assistance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assistance.catalogue import CATEGORIES, KINDS
from fupin.assistance.codes import HELPER_KIND, LEADER_LEVEL, PAIRED_UNIT_KIND, PLAN_STATUS

USER = settings.AUTH_USER_MODEL


class MeasureType(models.Model):
    """帮扶措施目录 — one concrete measure of the catalogue, in force from `active_from` to `active_to`."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    category = models.CharField(_("category"), max_length=8, choices=CATEGORIES.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS.choices)
    active_from = models.PositiveSmallIntegerField(_("in force from"), default=2014)
    active_to = models.PositiveSmallIntegerField(_("in force to"), null=True, blank=True)
    is_default = models.BooleanField(default=False)  # shipped with fupin (catalogue.py)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "category": self.category,
            "kind": self.kind,
            "active_from": self.active_from,
            "active_to": self.active_to,
        }


class MeasureTypeChange(models.Model):
    """History of the catalogue: who changed which measure, when, from what to what."""

    measure_type = models.ForeignKey(MeasureType, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class CauseMeasure(models.Model):
    """A default suggestion: households with this cause (codes.CAUSE) get this measure proposed."""

    cause = models.CharField(_("cause"), max_length=16, db_index=True)
    measure_type = models.ForeignKey(MeasureType, on_delete=models.CASCADE, related_name="causes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cause", "measure_type"], name="uniq_cause_measure")]


class Cadre(models.Model):
    """帮扶责任人 — an assistance cadre: an account with role assistance_cadre, or a person record."""

    user = models.OneToOneField(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="cadre")
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="cadres", verbose_name=_("region")
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """One period of a cadre responsible for a household (结对帮扶). Ending it keeps the row (history)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="assignments")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="assignments")
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]


class PlanMeasure(models.Model):
    """One measure of a household's plan for a year (一户一策 / 帮扶措施)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="plan_measures"
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    measure_type = models.ForeignKey(
        MeasureType, on_delete=models.PROTECT, related_name="+", verbose_name=_("measure")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PLAN_STATUS.choices, default="planned")
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["household_id", "-year", "id"]


class Visit(models.Model):
    """走访记录 — a visit to a household: who, when, what was found, what follows."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(Cadre, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    visitor = models.CharField(_("visitor"), max_length=50)
    date = models.DateField(_("date"))
    found = models.TextField(_("what was found"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]


class WorkTeam(models.Model):
    """驻村工作队 — a village resident work team for one term."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="work_teams", verbose_name=_("village")
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    sending_unit = models.CharField(_("sending unit"), max_length=100, blank=True)
    start_date = models.DateField(_("term start"))
    end_date = models.DateField(_("term end"), null=True, blank=True)

    class Meta:
        ordering = ["village_id", "-start_date"]


class TeamMember(models.Model):
    """A member of a work team; the 第一书记 (first secretary) is flagged."""

    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_first_secretary = models.BooleanField(_("first secretary"), default=False)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["-is_first_secretary", "name"]


class PairedUnit(models.Model):
    """帮扶单位 — a unit paired with a county or village: a paired unit, an east–west partner or a central unit."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="paired_units",
        verbose_name=_("county or village"),
    )
    name = models.CharField(_("unit"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=PAIRED_UNIT_KIND.choices, default="paired")
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["region_id", "kind", "name"]


class LeaderContact(models.Model):
    """领导联系点 — a leader (of county, township … level) linked to a county, township or village."""

    name = models.CharField(_("leader"), max_length=50)
    post = models.CharField(_("post"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=LEADER_LEVEL.choices, default="county")
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="leader_contacts",
        verbose_name=_("contact point"),
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["region_id", "level", "name"]


class SocialHelper(models.Model):
    """社会帮扶力量 — a committee member, an enterprise or a volunteer who takes on key small matters."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=HELPER_KIND.choices)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="social_helpers", verbose_name=_("region")
    )

    class Meta:
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class KeyMatter(models.Model):
    """关键小事 — a concrete small matter for a household, taken on by a helper and tracked to resolution."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="key_matters")
    helper = models.ForeignKey(
        SocialHelper,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matters",
        verbose_name=_("helper"),
    )
    title = models.CharField(_("matter"), max_length=200)
    due_date = models.DateField(_("due"), null=True, blank=True)
    resolved_date = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["resolved_date", "due_date", "id"]

    @property
    def is_resolved(self) -> bool:
        return self.resolved_date is not None
