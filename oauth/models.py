"""Tenancy and connections: the organizations we serve, who belongs to them, and their
Webex connection (encrypted tokens and refresh bookkeeping)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from oauth.crypto import EncryptedTextField


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

    def _connection_status(self) -> str | None:
        try:
            return str(self.connection.status)
        except ObjectDoesNotExist:
            return None

    @property
    def needs_reconsent(self) -> bool:
        """True when Webex no longer accepts our refresh token: boards show a banner and an
        admin must connect again."""
        return self._connection_status() == ConnectionStatus.NEEDS_RECONSENT

    @property
    def is_connected(self) -> bool:
        return self._connection_status() == ConnectionStatus.CONNECTED


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


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_RECONSENT = "needs_reconsent", "Needs re-consent"
    DISCONNECTED = "disconnected", "Disconnected"


class WebexConnection(models.Model):
    """An org's OAuth grant from Webex. Tokens are encrypted at rest and only `oauth.client`
    and `oauth.services` read them; the bookkeeping fields never hold token material."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="connection"
    )
    status = models.CharField(
        max_length=16, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=500, blank=True, default="")
    # Bumped each time new tokens are stored; a caller that saw generation N and met a 401
    # refreshes only if the row is still at N (single-flight across workers).
    token_generation = models.PositiveIntegerField(default=0)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # Human-readable reasons only (HTTP status, OAuth error key); never tokens or bodies.
    last_error = models.CharField(max_length=300, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_status_display()})"

    @property
    def has_tokens(self) -> bool:
        return bool(self.access_token and self.refresh_token)
