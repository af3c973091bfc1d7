"""The household registry (建档立卡): households, their yearly records, members and every change."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin import codes
from fupin.registry.codes import CHANGE_ACTION, IMPORT_STATUS, MEMBERSHIP_REASON


class LogJSONField(models.JSONField):
    """JSON written once and read whole (the history): PostgreSQL's `json` type keeps the text as written,
    checked but not converted, with its keys in the writer's order. jsonb would parse every value into its
    binary form (1.7 s of the server's 15 s for an import of 100,000 households) and sort the keys by
    length. A query by key casts to jsonb: `Cast("after", models.JSONField())`."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(value, Jsonb):  # sent as json: a jsonb parameter would be converted (and sorted)
                return Json(value.obj, dumps=value.dumps)
        return value

    def from_db_value(self, value, expression, connection):
        if value is not None and not isinstance(value, str):  # psycopg has decoded `json` already
            return value
        return super().from_db_value(value, expression, connection)


class Household(models.Model):
    """户 — the unit of identification, assistance and exit, keyed by its 户编号."""

    household_no = models.CharField(_("household number"), max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Kept in step with the members by the services: the list pages show and search them cheaply.
    head_name = models.CharField(_("head of household"), max_length=50, blank=True, db_index=True)
    size = models.PositiveSmallIntegerField(pgettext_lazy("count", "members"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_deleted = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["household_no"]

    def __str__(self) -> str:
        return f"{self.household_no} {self.head_name}"


class HouseholdYear(models.Model):
    """年度记录 — a household's status, type, causes, conditions and income in one year.

    Net income and its per-capita value are derived from the components (domain.md §2.4), never typed.
    """

    # uniq_household_year (household, year) serves every look-up by household: no index of its own
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="years", db_index=False)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    household_type = models.CharField(
        _("household type"), max_length=16, blank=True, choices=codes.HOUSEHOLD_TYPE.choices
    )
    status = models.CharField(
        pgettext_lazy("household", "status"),
        max_length=16,
        choices=codes.HOUSEHOLD_STATUS.choices,
        db_index=True,
    )
    poverty_type = models.CharField(
        _("poverty type"), max_length=16, blank=True, choices=codes.POVERTY_TYPE.choices
    )
    standard = models.CharField(
        _("identification standard"), max_length=16, blank=True, choices=codes.STANDARD.choices
    )
    main_cause = models.CharField(_("main cause"), max_length=16, blank=True, choices=codes.CAUSE.choices)
    other_causes = models.CharField(
        _("other causes"), max_length=200, blank=True, help_text="comma-separated cause codes"
    )
    identified_year = models.PositiveSmallIntegerField(_("year identified"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("year of exit"), null=True, blank=True)
    housing_grade = models.CharField(
        _("housing grade"), max_length=1, blank=True, choices=codes.HOUSING_GRADE.choices
    )
    water_safe = models.BooleanField(_("safe drinking water"), null=True, blank=True)
    wage_income = models.DecimalField(_("wage income"), max_digits=12, decimal_places=2, default=Decimal(0))
    business_income = models.DecimalField(
        _("business income"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    property_income = models.DecimalField(
        _("property income"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    transfer_income = models.DecimalField(
        _("transfer income"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    business_cost = models.DecimalField(
        _("business costs"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    out_of_pocket = models.DecimalField(
        _("eligible out-of-pocket spending"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    size = models.PositiveSmallIntegerField(_("household size"), default=0)
    net_income = models.DecimalField(_("net income"), max_digits=12, decimal_places=2, default=Decimal(0))
    net_income_per_capita = models.DecimalField(
        _("per-capita net income"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["household_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="uniq_household_year")]

    @property
    def other_cause_list(self) -> list[str]:
        return [c for c in self.other_causes.split(",") if c]


class Member(models.Model):
    """家庭成员 — a person, keyed by ID number, in at most one household at a time."""

    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    disability_cert = models.CharField(_("disability certificate number"), max_length=22, blank=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=codes.SEX.choices)
    birth_date = models.DateField(_("date of birth"))
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=codes.RELATION.choices)
    health = models.CharField(_("health"), max_length=20, blank=True, choices=codes.HEALTH.choices)
    labour = models.CharField(_("labour ability"), max_length=10, blank=True, choices=codes.LABOUR.choices)
    education = models.CharField(_("education"), max_length=12, blank=True, choices=codes.EDUCATION.choices)
    school = models.CharField(_("school status"), max_length=12, blank=True, choices=codes.SCHOOL.choices)
    work_status = models.CharField(_("migrant work"), max_length=12, blank=True, choices=codes.WORK.choices)
    work_months = models.PositiveSmallIntegerField(_("months worked away"), null=True, blank=True)
    medical_insurance = models.BooleanField(_("basic medical insurance"), null=True, blank=True)
    pension_insurance = models.BooleanField(_("basic pension insurance"), null=True, blank=True)
    dibao = models.BooleanField(_("minimum living allowance"), null=True, blank=True)
    tekun = models.BooleanField(_("extreme-poverty support"), null=True, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One period of a person in a household (自然增减): how it began and how it ended."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(max_length=20, choices=codes.RELATION.choices)
    start_date = models.DateField()
    start_reason = models.CharField(max_length=12, choices=MEMBERSHIP_REASON.choices)
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=12, choices=MEMBERSHIP_REASON.choices, blank=True)

    class Meta:
        ordering = ["start_date", "id"]


class ImportBatch(models.Model):
    """One import of a registry workbook: its options, progress and report."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=500, blank=True)  # stored upload
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    skip_invalid = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=IMPORT_STATUS.choices, default="queued")
    stage = models.CharField(max_length=50, blank=True)
    done_rows = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)  # counts, first problems
    errors_path = models.CharField(max_length=500, blank=True)  # errors workbook

    class Meta:
        ordering = ["-created_at"]


class Change(models.Model):
    """Every create, update and delete of registry data: who, when, before, after and why."""

    # A log names the user, household and batch without database constraints: each would cost a look-up
    # per history row of a large import, and the writers take these ids from the rows they write in the
    # same transaction. Django still applies on_delete (households are never deleted, only marked).
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False
    )
    action = models.CharField(max_length=10, choices=CHANGE_ACTION.choices)
    entity = models.CharField(max_length=20)  # household | household_year | member | membership
    entity_id = models.CharField(max_length=40)
    household = models.ForeignKey(
        Household, null=True, on_delete=models.PROTECT, related_name="changes", db_constraint=False
    )
    before = LogJSONField(null=True, blank=True)
    after = LogJSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False
    )

    class Meta:
        ordering = ["-at", "-id"]


class RegistryVersion(models.Model):
    """One row: the registry's change version, moved by database triggers on every insert, update and
    delete of households, household years, members and memberships (migration 0002), whatever wrote them.

    `token` names this store: it is drawn when the store is created and again when a backup replaces it,
    so that a cached columnar snapshot of another store (or of another past) never matches.
    """

    token = models.CharField(max_length=32)
    version = models.BigIntegerField(default=0)
