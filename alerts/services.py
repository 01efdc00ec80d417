"""Alert writes and side effects: evaluating an org's rules against the wallboard's live
figures (a constant number of queries per org, whatever its number of rules), recording the
announcements, and delivering them to Webex (from the Celery task, never a request).

While the org's data is stale (the board's stale marker: no poll or webhook within the
board's `stale_after_s`, or the connection needs re-consent), rules hold their state: a
frozen figure must not fire, repeat or clear an alert, and a longest wait computed from a
frozen "oldest waiting since" would grow on its own. They resume with the next fresh data.

Figures come from the wallboard's metrics engine: the snapshot the push keeps in Redis for
the org's first board (`wallboard.live.current_snapshot`), or one computed from the database
for an org without boards; no formula is computed here, and alerts read the wallboard, never
the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from alerts import webex
from alerts.models import AlertEvent, AlertRule, AlertSettings, Delivery
from alerts.rules import AlertKind, Outcome, QueueReading, describe, evaluate
from oauth.models import Organization
from wallboard import selectors as wallboard_selectors
from wallboard import snapshots as wallboard_snapshots
from wallboard.live import current_snapshot
from wallboard.metrics import (
    DEFAULT_SERVICE_LEVEL_DEFINITION,
    DEFAULT_SHORT_ABANDON_THRESHOLD_S,
    CenterSnapshot,
    Period,
)
from wallboard.models import DEFAULT_STALE_AFTER_S, Board
from wallboard.rendering import is_stale
from wallboard.selectors import Freshness
from wallboard.specs import MetricsProfile
from wxcc.signals import LiveStateChange

logger = logging.getLogger(__name__)

DEFAULT_REPEAT_AFTER_MIN = 10
_RULE_STATE_FIELDS = ["breach_started_at", "announced", "last_notified_at", "last_value"]


def on_live_state_changed(sender: object, change: LiveStateChange, **kwargs: object) -> None:
    """Receiver of `live_state_changed` (after the wallboard's push): evaluate the org's
    rules; a failure is logged and never reaches ingestion."""
    if not (change.queue_ids or change.agent_ids):
        return
    try:
        evaluate_org(org_id=change.org_id, on_change=True)
    except Exception:
        # The edge that decides: ingestion must go on; the beat tick evaluates again.
        logger.exception("event=alerts_evaluate_failed org_id=%s", change.org_id)


def first_board(org_id: int) -> Board | None:
    """The org's first board: the push keeps its snapshot up to date with every change, so
    alerts read the same figures, and judge staleness the same way, as it shows. One query."""
    return Board.objects.filter(organization_id=org_id).select_related("organization").first()


def board_profile(board: Board) -> MetricsProfile:
    return MetricsProfile(board.zone_name(), board.short_abandon_threshold_s)


def held_for_stale_data(org_id: int, board: Board | None, *, now: datetime) -> Freshness | None:
    """The org's freshness if its data is stale at `now`, judged as its first `board` judges
    it (so alerts hold exactly while the boards show the stale marker); None when current.
    One query."""
    stale_after_s = board.stale_after_s if board is not None else DEFAULT_STALE_AFTER_S
    freshness = wallboard_selectors.freshness(org_id=org_id)
    return freshness if is_stale(freshness, stale_after_s=stale_after_s, now=now) else None


def live_figures(
    org: Organization, board: Board | None, *, now: datetime, computed_allowed: bool = True
) -> CenterSnapshot | None:
    """The org's figures at `now`: the snapshot the push keeps for its first `board`, or,
    for an org without boards (nothing pushed, nothing kept), computed from the database
    with the org's zone and the default short-abandon threshold (None if not
    `computed_allowed`: too costly to do on every change, the beat does it)."""
    if board is not None:
        return current_snapshot(org.pk, board_profile(board), now=now)
    if not computed_allowed:
        return None
    profile = MetricsProfile(org.timezone or "UTC", DEFAULT_SHORT_ABANDON_THRESHOLD_S)
    base = wallboard_selectors.metrics_config(org_id=org.pk, short_abandon_threshold_s=0.0)
    return wallboard_snapshots.build(org.pk, profile, base_config=base, now=now)


def queue_reading(snapshot: CenterSnapshot, queue_pk: int) -> QueueReading:
    group = snapshot.queue(str(queue_pk))
    today = group.periods[Period.TODAY]
    return QueueReading(
        contacts_waiting=group.contacts_waiting,
        longest_wait_s=group.longest_wait_s,
        service_level_pct=today.service_level(DEFAULT_SERVICE_LEVEL_DEFINITION),
        agents_available=None if group.agents is None else group.agents.counts.available,
    )


def repeat_after(alert_settings: AlertSettings | None) -> timedelta:
    minutes = alert_settings.repeat_after_min if alert_settings else DEFAULT_REPEAT_AFTER_MIN
    return timedelta(minutes=minutes)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation announced (for logs and tests)."""

    org_id: int
    rules: int
    events: list[AlertEvent]
    # The org's data was stale: no rule was evaluated, each kept its state.
    held_for_stale_data: bool = False


def evaluate_org(
    *, org_id: int, now: datetime | None = None, on_change: bool = False
) -> Evaluation:
    """Evaluate every enabled rule of the org at `now`, store their state, record what they
    announce and queue its delivery. Rules are locked for the update, so two workers never
    announce one breach twice. `on_change`: only from a snapshot the push keeps (an org
    without boards is evaluated by the beat, not on every change)."""
    now = now or timezone.now()
    # The common case, an org without rules, costs one query per change.
    if not AlertRule.objects.filter(organization_id=org_id, enabled=True).exists():
        return Evaluation(org_id, 0, [])
    org = Organization.objects.get(pk=org_id)
    board = first_board(org_id)
    held = held_for_stale_data(org_id, board, now=now)
    if held is not None:
        logger.info(
            "event=alerts_held_stale_data org_id=%s data_at=%s needs_reconsent=%s",
            org_id,
            held.data_at.isoformat() if held.data_at else None,
            held.needs_reconsent,
        )
        return Evaluation(org_id, 0, [], held_for_stale_data=True)
    snapshot = live_figures(org, board, now=now, computed_allowed=not on_change)
    if snapshot is None:
        return Evaluation(org_id, 0, [])
    readings: dict[int, QueueReading] = {}
    with transaction.atomic():
        rules = list(
            AlertRule.objects.select_for_update(of=("self",))
            .filter(organization=org, enabled=True)
            .select_related("queue")
        )
        alert_settings = AlertSettings.objects.filter(organization=org).first()
        interval = repeat_after(alert_settings)
        changed: list[AlertRule] = []
        events: list[AlertEvent] = []
        for rule in rules:
            if rule.queue_id not in readings:
                readings[rule.queue_id] = queue_reading(snapshot, rule.queue_id)
            decision = evaluate(
                rule.alert_kind,
                rule.threshold,
                readings[rule.queue_id],
                rule.state,
                now=now,
                repeat_after=interval,
            )
            if decision.state != rule.state or decision.value != rule.last_value:
                rule.breach_started_at = decision.state.breach_started_at
                rule.announced = decision.state.announced
                rule.last_notified_at = decision.state.last_notified_at
                rule.last_value = decision.value
                changed.append(rule)
            if decision.outcome is not None:
                events.append(_event(rule, decision.outcome, decision.value, now, alert_settings))
        if changed:
            AlertRule.objects.bulk_update(changed, _RULE_STATE_FIELDS)
        if events:
            AlertEvent.objects.bulk_create(events)
            pending = [e.pk for e in events if e.delivery == Delivery.PENDING]
            if pending:
                transaction.on_commit(lambda: _enqueue(pending))
    for event in events:
        logger.info(
            "event=alert_%s org_id=%s rule_id=%s queue=%r value=%s",
            event.outcome,
            org_id,
            event.rule_id,
            event.queue_name,
            event.value,
        )
    return Evaluation(org_id, len(rules), events)


def _event(
    rule: AlertRule,
    outcome: Outcome,
    value: float | None,
    now: datetime,
    alert_settings: AlertSettings | None,
) -> AlertEvent:
    queue_name = rule.queue.name or rule.queue.wxcc_id
    return AlertEvent(
        organization_id=rule.organization_id,
        rule=rule,
        queue_name=queue_name,
        kind=rule.kind,
        outcome=outcome.value,
        threshold=rule.threshold,
        value=value,
        markdown=describe(outcome, rule.alert_kind, rule.threshold, value, queue_name=queue_name),
        at=now,
        delivery=Delivery.PENDING
        if alert_settings and alert_settings.posts_to_webex
        else Delivery.NOT_SENT,
    )


def _enqueue(event_ids: list[int]) -> None:
    from alerts.tasks import send_event

    for event_id in event_ids:
        send_event.delay(event_id)


# --- delivery (called by alerts.tasks.send_event) --------------------------------------------


def deliver_event(*, event_id: int, now: datetime | None = None) -> AlertEvent | None:
    """Post one announcement to the org's space. Returns the event (None if it is gone or
    has nothing to send). Raises WebexRateLimited / WebexUnavailable for the task to retry;
    a refusal is recorded as a failure at once."""
    now = now or timezone.now()
    event = AlertEvent.objects.filter(pk=event_id).first()
    if event is None or event.delivery != Delivery.PENDING:
        return event
    alert_settings = AlertSettings.objects.filter(organization_id=event.organization_id).first()
    if alert_settings is None or not alert_settings.posts_to_webex:
        event.delivery = Delivery.NOT_SENT
        event.save(update_fields=["delivery"])
        return event
    AlertEvent.objects.filter(pk=event.pk).update(attempts=event.attempts + 1)
    event.attempts += 1
    try:
        posted = webex.post_message(
            bot_token=alert_settings.webex_bot_token,
            room_id=alert_settings.webex_room_id,
            markdown=event.markdown,
        )
    except webex.WebexRefused as exc:
        record_delivery_failure(event_id=event.pk, reason=exc.reason, now=now)
        event.refresh_from_db()
        return event
    event.delivery = Delivery.SENT
    event.webex_message_id = posted.id
    event.sent_at = now
    event.delivery_error = ""
    event.save(update_fields=["delivery", "webex_message_id", "sent_at", "delivery_error"])
    logger.info("event=alert_sent org_id=%s event_id=%s", event.organization_id, event.pk)
    return event


def record_delivery_failure(*, event_id: int, reason: str, now: datetime | None = None) -> None:
    """Mark the announcement failed and show why on the org's alerts page."""
    now = now or timezone.now()
    event = AlertEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    reason = reason[:300]
    AlertEvent.objects.filter(pk=event_id).update(delivery=Delivery.FAILED, delivery_error=reason)
    AlertSettings.objects.filter(organization_id=event.organization_id).update(
        last_send_error=reason, last_send_error_at=now
    )
    logger.warning(
        "event=alert_send_failed org_id=%s event_id=%s reason=%r",
        event.organization_id,
        event_id,
        reason,
    )


# --- configuration ---------------------------------------------------------------------------


def rule_save(
    *,
    org: Organization,
    queue_id: int,
    kind: AlertKind,
    threshold: float | None,
    enabled: bool,
    created_by_id: int | None,
) -> AlertRule:
    """Create the queue's rule of this kind, or change its threshold. A changed rule starts
    afresh: its next evaluation decides against the new threshold."""
    rule, _created = AlertRule.objects.update_or_create(
        organization=org,
        queue_id=queue_id,
        kind=kind.value,
        defaults={
            "threshold": threshold if kind.needs_threshold else None,
            "enabled": enabled,
            # A running breach is forgotten (its next evaluation decides afresh); when the
            # rule last spoke is kept, so a re-save cannot bypass the repeat interval.
            "breach_started_at": None,
            "announced": False,
        },
        create_defaults={
            "threshold": threshold if kind.needs_threshold else None,
            "enabled": enabled,
            "created_by_id": created_by_id,
        },
    )
    return rule


def settings_for(org: Organization) -> AlertSettings:
    found, _created = AlertSettings.objects.get_or_create(organization=org)
    return found


def settings_save(
    *,
    org: Organization,
    repeat_after_min: int,
    webex_enabled: bool,
    webex_room_id: str,
    webex_bot_token: str | None,
) -> AlertSettings:
    """Store the org's alert settings; a blank token keeps the stored one."""
    alert_settings = settings_for(org)
    alert_settings.repeat_after_min = repeat_after_min
    alert_settings.webex_enabled = webex_enabled
    alert_settings.webex_room_id = webex_room_id
    fields = ["repeat_after_min", "webex_enabled", "webex_room_id"]
    if webex_bot_token:
        alert_settings.webex_bot_token = webex_bot_token
        alert_settings.last_send_error = ""
        alert_settings.last_send_error_at = None
        fields += ["webex_bot_token", "last_send_error", "last_send_error_at"]
    alert_settings.save(update_fields=fields)
    return alert_settings
