"""Tenancy and connections: the organizations we serve, who belongs to them, and (added by
the connection flow) their Webex tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Region(models.TextChoices):
    """WxCC data-centre regions; each has its own API root (see oauth.regions)."""

    US1 = "us1", "US"
    ANZ1 = "anz1", "ANZ"
    EU1 = "eu1", "UK"
    EU2 = "eu2", "EU (Frankfurt)"
    CA1 = "ca1", "Canada"
    JP1 = "jp1", "Japan"
    SG1 = "sg1", "Singapore"


class Organization(models.Model):
    """A contact center using the app: one WxCC org. Every stored row hangs off one of these,
    and every query a user makes is scoped to theirs."""

    name = models.CharField(max_length=200)
    # The org's UUID in WxCC (the `orgId` query parameter); learnt when the org is connected.
    webex_org_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    region = models.CharField(max_length=8, choices=Region.choices, default=Region.US1)
    # Boards and reports show local time in this zone; everything stored is UTC.
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"  # connects the org, manages boards, display links and schedules
    SUPERVISOR = "supervisor", "Supervisor"  # views boards and reports


class Membership(models.Model):
    """A user's place in one organization, with their role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUPERVISOR)

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
