"""Forms for alert rules (supervisors and admins) and the org's alert settings (admins)."""

from __future__ import annotations

from typing import Any

from django import forms

from alerts.models import KIND_CHOICES, AlertSettings
from alerts.rules import AlertKind
from oauth.models import Organization
from wallboard.models import QueueSettings
from wxcc.models import Queue


class RuleForm(forms.Form):
    queue = forms.ModelChoiceField(queryset=Queue.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label="When", choices=KIND_CHOICES)
    threshold = forms.FloatField(
        required=False,
        min_value=0,
        help_text="%, seconds or contacts; none for “no agent available”.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queues = Queue.objects.filter(organization=org).order_by("name")
        self.fields["queue"].queryset = queues  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind_value = cleaned.get("kind")
        threshold = cleaned.get("threshold")
        if kind_value is None:
            return cleaned
        kind = AlertKind(kind_value)
        cleaned["kind"] = kind
        if kind.needs_threshold and threshold is None:
            self.add_error("threshold", "Give a threshold for this condition.")
        elif kind is AlertKind.SERVICE_LEVEL_BELOW and threshold is not None and threshold > 100:
            self.add_error("threshold", "A service level is a percentage: 0 to 100.")
        queue = cleaned.get("queue")
        if kind is AlertKind.NO_AGENT_AVAILABLE and queue is not None and not _has_teams(queue):
            # Without serving teams the board knows no agents for the queue: never "no agent".
            self.add_error(
                "kind",
                "Set the teams serving this queue first (admin: Queue settings); "
                "until then its available agents are unknown.",
            )
        return cleaned


def _has_teams(queue: Queue) -> bool:
    return QueueSettings.serving_teams.through.objects.filter(queuesettings__queue=queue).exists()


class AlertSettingsForm(forms.Form):
    repeat_after_min = forms.IntegerField(
        label="Repeat a lasting alert every (minutes)", min_value=1, max_value=24 * 60
    )
    webex_enabled = forms.BooleanField(label="Post alerts to a Webex space", required=False)
    webex_room_id = forms.CharField(label="Webex space (room id)", max_length=200, required=False)
    webex_bot_token = forms.CharField(
        label="Bot access token",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted and never shown again; leave blank to keep the stored one.",
    )

    def __init__(self, *args: Any, stored: AlertSettings, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "repeat_after_min": stored.repeat_after_min,
                "webex_enabled": stored.webex_enabled,
                "webex_room_id": stored.webex_room_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.has_stored_token = bool(stored.webex_bot_token)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("webex_enabled"):
            if not cleaned.get("webex_room_id"):
                self.add_error("webex_room_id", "Give the space's room id to post alerts to.")
            if not cleaned.get("webex_bot_token") and not self.has_stored_token:
                self.add_error("webex_bot_token", "Give the bot's access token.")
        return cleaned
