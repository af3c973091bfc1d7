"""政协助推行动 and 网络议政、远程协商: committee members of the four levels and the households linked to them,
关键小事 logged and closed, joint supervision entries, and the consultation space (topics and their posts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.cppcc.codes import MatterStatus, MemberLevel, PostKind, SupervisionBody, TopicStatus

USER = settings.AUTH_USER_MODEL


class CommitteeMember(models.Model):
    """政协委员 — a member of a national, provincial, city or county committee taking part in the programme.

    `region` is the region whose office keeps the member's record; `account` is the member's own sign-in
    (role cppcc_member), through which the member logs matters and posts."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    level = models.CharField(_("member level"), max_length=10, choices=MemberLevel.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="committee_members", verbose_name=_("region")
    )
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    account = models.OneToOneField(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="committee_member"
    )
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Link(models.Model):
    """结对 — a household linked to a member, from `linked_on`."""

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="links")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="cppcc_links")
    linked_on = models.DateField(_("linked on"))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-linked_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "household"], name="uniq_cppcc_link")]


class Matter(models.Model):
    """关键小事 — a small but key matter of a household, logged by or for a member and closed with a result."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cppcc_matters"
    )
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="matters")
    description = models.TextField(_("matter"))
    logged_on = models.DateField(_("logged on"))
    status = models.CharField(
        _("status"), max_length=8, choices=MatterStatus.choices, default=MatterStatus.OPEN
    )
    result = models.TextField(_("result"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "-logged_on", "-id"]


class SupervisionEntry(models.Model):
    """联合监督 — what the discipline commission, the people's congress or the CPPCC found, and what follows."""

    body = models.CharField(_("supervising body"), max_length=12, choices=SupervisionBody.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    date = models.DateField(_("date"))
    finding = models.TextField(_("finding"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]


class Topic(models.Model):
    """网络议政、远程协商 — a topic the office opens; members post proposals and comments; the office replies
    and closes it."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("description"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TopicStatus.choices, default=TopicStatus.OPEN
    )
    reply = models.TextField(_("office reply"), blank=True)
    opened_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """A proposal or a comment on a topic, by a member's account (`member` set) or an office user."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(_("kind of post"), max_length=10, choices=PostKind.choices)
    member = models.ForeignKey(
        CommitteeMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
