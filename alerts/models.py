"""What alerts store: per-queue rules with their state, the org's alert settings (repeat
interval, Webex space and the bot's encrypted token) and the history of announcements with
their delivery to Webex."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from alerts.rules import AlertKind, Outcome, RuleState, condition, figure
from oauth.crypto import EncryptedTextField
from oauth.models import Organization
from wxcc.models import Queue

KIND_CHOICES = [(kind.value, kind.label) for kind in AlertKind]
OUTCOME_CHOICES = [(o.value, o.value.capitalize()) for o in Outcome]


class AlertSettings(models.Model):
    """An org's alerting: how often a lasting breach is repeated and, optionally, the Webex
    space a bot posts alerts to. The bot token is encrypted at rest and never shown again."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="alert_settings"
    )
    repeat_after_min = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    webex_enabled = models.BooleanField(default=False)
    webex_room_id = models.CharField(max_length=200, blank=True, default="")
    webex_bot_token = EncryptedTextField(blank=True, default="")
    # Human-readable reasons only (HTTP status, Webex's message); never the token.
    last_send_error = models.CharField(max_length=300, blank=True, default="")
    last_send_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"alert settings of {self.organization}"

    @property
    def posts_to_webex(self) -> bool:
        return bool(self.webex_enabled and self.webex_room_id and self.webex_bot_token)


class AlertRule(models.Model):
    """A threshold on one queue, and what it remembers between evaluations."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="alert_rules"
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    threshold = models.FloatField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # State (see alerts.rules.RuleState).
    breach_started_at = models.DateTimeField(null=True, blank=True)
    announced = models.BooleanField(default=False)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["queue__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "kind"], name="alerts_one_rule_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.threshold} on {self.queue}"

    @property
    def alert_kind(self) -> AlertKind:
        return AlertKind(self.kind)

    @property
    def state(self) -> RuleState:
        return RuleState(
            breach_started_at=self.breach_started_at,
            announced=self.announced,
            last_notified_at=self.last_notified_at,
        )

    @property
    def condition_text(self) -> str:
        return condition(self.alert_kind, self.threshold)

    @property
    def value_text(self) -> str:
        return figure(self.alert_kind, self.last_value)

    @property
    def is_active(self) -> bool:
        """In breach and announced: what the supervisor pages show."""
        return self.breach_started_at is not None and self.announced


class Delivery(models.TextChoices):
    NOT_SENT = "not_sent", "Not sent"  # the org posts nowhere
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class AlertEvent(models.Model):
    """One announcement: a breach starting, repeating or clearing, as shown in the history
    and posted to Webex."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="alert_events"
    )
    rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    queue_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    outcome = models.CharField(max_length=16, choices=OUTCOME_CHOICES)
    threshold = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    markdown = models.TextField()
    at = models.DateTimeField()
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.NOT_SENT)
    attempts = models.PositiveIntegerField(default=0)
    delivery_error = models.CharField(max_length=300, blank=True, default="")
    webex_message_id = models.CharField(max_length=200, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organization", "-at"], name="alerts_event_org_at")]

    def __str__(self) -> str:
        return f"{self.outcome} {self.kind} on {self.queue_name} at {self.at:%H:%M:%S}"

    @property
    def condition_text(self) -> str:
        return condition(AlertKind(self.kind), self.threshold)

    @property
    def value_text(self) -> str:
        return figure(AlertKind(self.kind), self.value)
