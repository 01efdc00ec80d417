"""The alerts pages: supervisors set thresholds per queue and see active alerts and history
(and the banner on every page); admins configure Webex posting with a token that is stored
encrypted and never shown; other orgs' rules are 404; bad input is a 400 with field errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from alerts.models import AlertEvent, AlertRule, AlertSettings
from alerts.rules import AlertKind
from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import QueueFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def test_a_supervisor_sets_a_threshold_on_a_queue(
    supervisor_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org, name="Billing")

    answer = supervisor_client.post(
        "/alerts/rules/",
        {"queue": queue.pk, "kind": "service_level_below", "threshold": "80", "enabled": "on"},
    )

    assert answer.status_code == 302
    rule = AlertRule.objects.get(organization=org)
    assert (rule.queue, rule.kind, rule.threshold, rule.enabled) == (
        queue,
        "service_level_below",
        80.0,
        True,
    )
    page = supervisor_client.get("/alerts/").content.decode()
    assert "Billing" in page
    assert "Service level below 80 %" in page


def test_saving_the_same_queue_and_condition_changes_the_threshold(
    supervisor_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org)
    for threshold in ("5", "8"):
        supervisor_client.post(
            "/alerts/rules/",
            {"queue": queue.pk, "kind": "waiting_over", "threshold": threshold, "enabled": "on"},
        )
    assert list(AlertRule.objects.values_list("threshold", flat=True)) == [8.0]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"kind": "waiting_over", "threshold": ""}, b"Give a threshold for this condition."),
        ({"kind": "service_level_below", "threshold": "120"}, b"0 to 100"),
        ({"kind": "longest_wait_over", "threshold": "-3"}, b"greater than or equal to 0"),
        ({"kind": "longest_wait_over", "threshold": "soon"}, b"Enter a number."),
        ({"kind": "bored", "threshold": "1"}, b"Select a valid choice."),
    ],
)
def test_a_bad_threshold_is_a_400_with_the_fields_error(
    supervisor_client: Client, org: Organization, form: dict[str, str], error: bytes
) -> None:
    queue = QueueFactory.create(organization=org)
    answer = supervisor_client.post("/alerts/rules/", {"queue": queue.pk, **form})
    assert answer.status_code == 400
    assert error in answer.content
    assert not AlertRule.objects.exists()


def test_another_orgs_queue_cannot_be_chosen_and_its_rules_are_404(
    supervisor_client: Client,
) -> None:
    other = OrganizationFactory.create()
    their_queue = QueueFactory.create(organization=other, name="Their queue")
    their_rule = AlertRule.objects.create(
        organization=other, queue=their_queue, kind=AlertKind.WAITING_OVER, threshold=1
    )

    chosen = supervisor_client.post(
        "/alerts/rules/", {"queue": their_queue.pk, "kind": "waiting_over", "threshold": "1"}
    )
    deleted = supervisor_client.post(f"/alerts/rules/{their_rule.pk}/delete/")
    page = supervisor_client.get("/alerts/").content

    assert chosen.status_code == 400
    assert deleted.status_code == 404
    assert AlertRule.objects.filter(pk=their_rule.pk).exists()
    assert b"Their queue" not in page


def test_a_supervisor_cannot_change_the_alert_settings(
    supervisor_client: Client, org: Organization
) -> None:
    answer = supervisor_client.post("/alerts/settings/", {"repeat_after_min": "1"})
    page = supervisor_client.get("/alerts/").content
    assert answer.status_code == 403
    assert b"Alert settings" not in page
    assert not AlertSettings.objects.filter(organization=org, repeat_after_min=1).exists()


def test_an_admin_stores_the_bot_token_encrypted_and_it_is_never_shown(
    admin_client: Client, org: Organization
) -> None:
    token = "bot-token-that-must-stay-secret"
    answer = admin_client.post(
        "/alerts/settings/",
        {
            "repeat_after_min": "15",
            "webex_enabled": "on",
            "webex_room_id": "room-1",
            "webex_bot_token": token,
        },
    )

    assert answer.status_code == 302
    stored = AlertSettings.objects.get(organization=org)
    assert (stored.repeat_after_min, stored.webex_room_id, stored.webex_bot_token) == (
        15,
        "room-1",
        token,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT webex_bot_token FROM alerts_alertsettings WHERE id = %s", [stored.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw
    assert token not in raw
    page = admin_client.get("/alerts/").content.decode()
    assert token not in page
    assert "A bot token is stored" in page

    # Saving again with the token left blank keeps it.
    admin_client.post(
        "/alerts/settings/",
        {"repeat_after_min": "5", "webex_enabled": "on", "webex_room_id": "room-1"},
    )
    stored.refresh_from_db()
    assert (stored.repeat_after_min, stored.webex_bot_token) == (5, token)


def test_posting_to_webex_needs_a_room_and_a_token(admin_client: Client) -> None:
    answer = admin_client.post(
        "/alerts/settings/", {"repeat_after_min": "0", "webex_enabled": "on"}
    )
    assert answer.status_code == 400
    assert b"Give the space&#x27;s room id" in answer.content
    assert b"Give the bot&#x27;s access token." in answer.content
    assert b"greater than or equal to 1" in answer.content


def test_active_alerts_show_as_a_banner_on_every_page_and_in_the_history(
    supervisor_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org, name="Claims")
    rule = AlertRule.objects.create(
        organization=org,
        queue=queue,
        kind=AlertKind.LONGEST_WAIT_OVER,
        threshold=60,
        breach_started_at=T0,
        announced=True,
        last_notified_at=T0,
        last_value=95,
    )
    AlertEvent.objects.create(
        organization=org,
        rule=rule,
        queue_name="Claims",
        kind=rule.kind,
        outcome="fired",
        threshold=60,
        value=95,
        markdown="x",
        at=T0,
    )

    reports = supervisor_client.get("/reports/").content.decode()
    fragment = supervisor_client.get("/alerts/active/").content.decode()
    page = supervisor_client.get("/alerts/").content.decode()

    assert 'id="alerts-banner"' in reports
    assert "1 active alert:" in reports
    assert "Claims: longest wait over 60 s (now 95 s)" in reports
    assert fragment.strip().startswith('<div id="active-alerts"')
    assert "now 95 s" in fragment
    assert "2026-03-10 10:00:00" in page


def test_no_banner_without_active_alerts(supervisor_client: Client) -> None:
    assert b"alerts-banner" not in supervisor_client.get("/alerts/").content


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    answer = Client().get("/alerts/")
    assert answer.status_code == 302
    assert "/accounts/login/" in answer["Location"]
