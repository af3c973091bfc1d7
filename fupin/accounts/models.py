from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import ROLE_CHOICES, ROLES, Role


class User(AbstractUser):
    """An account bound to one role and one region: it sees and acts on that region's subtree only.

    A user without a region works nationwide (a system administrator or a national supervisor).
    """

    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES, default="supervisor")
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("region"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    @property
    def role_info(self) -> Role:
        return ROLES[self.role]

    @property
    def role_label(self) -> str:
        r = self.role_info
        return r.en if (get_language() or "zh").startswith("en") else r.zh

    @property
    def scope_prefix(self) -> str:
        """Region-code prefix of everything this user may see ('' = everything)."""
        return self.region.prefix if self.region_id else ""

    def can(self, permission: str) -> bool:
        return self.is_active and bool(getattr(self.role_info, permission))


class Token(models.Model):
    """API token (Authorization: Bearer <key>). Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)


class ExportLog(models.Model):
    """Every export of registry data: who took what, when, how many rows."""

    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=50)
    channel = models.CharField(max_length=10)  # web | api | cli
    filters = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    masked = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at"]
