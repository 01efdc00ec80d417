"""Raw webhook events: accept a delivery durably (then it may be acknowledged). Applying
stored events to live state is `wxcc.processing`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from wxcc.models import RawEvent, RejectionReason
from wxcc.signing_keys import SigningKey, signing_keys
from wxcc.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Envelope,
    WebhookRejected,
    check_event_time,
    dropped,
    malformed,
    parse_envelope,
    signature_is_valid,
    subscription_ids_in,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    raw_event_id: int
    duplicate: bool
    organization_id: int | None = None


def _signer(body: bytes, signature: str | None) -> SigningKey:
    """The known subscription whose secret signed `body`, found from the raw bytes."""
    candidates = subscription_ids_in(body)
    if not candidates:
        raise malformed("body names no /com/cisco/wxcc/<subscriptionId> source")
    for fresh in (False, True):  # a cached secret may be out of date: check the database too
        keys = signing_keys(candidates, fresh=fresh)
        for key in keys:
            if signature_is_valid(key.secret, body, signature):
                return key
    if not keys:
        raise dropped(RejectionReason.UNKNOWN_SUBSCRIPTION, "missing or invalid signature")
    # Unknown subscription and bad signature answer alike: nothing to tell a forger.
    rejected = dropped(RejectionReason.BAD_SIGNATURE, "missing or invalid signature")
    rejected.subscription_id = keys[0].wxcc_subscription_id
    rejected.organization_id = keys[0].organization_id
    raise rejected


@dataclass(frozen=True)
class Delivery:
    """One POST as received: the raw bytes and the two headers that authenticate them."""

    body: bytes
    signature: str | None
    timestamp_header: str | None = None

    @classmethod
    def from_headers(cls, body: bytes, headers: Mapping[str, str]) -> Delivery:
        """`headers` should be case-insensitive (Django's request.headers), as HTTP's are."""
        return cls(body, headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER))


def verify_delivery(delivery: Delivery, now: datetime) -> tuple[SigningKey, Envelope]:
    """Check one delivery, or raise WebhookRejected with the answer to give.

    The signature is checked over the raw bytes before the body is parsed; then the envelope
    must fit our columns, name the subscription that signed it and its org, and (V2) be within
    the replay window. One subscription read, cached.
    """
    if len(delivery.body) > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRejected(413, "body too large", RejectionReason.BODY_TOO_LARGE)
    key = _signer(delivery.body, delivery.signature)
    try:
        envelope = parse_envelope(delivery.body)
        if envelope.subscription_id != key.wxcc_subscription_id:
            raise dropped(
                RejectionReason.BAD_SIGNATURE,
                "envelope 'source' does not name the subscription that signed it",
            )
        if (
            envelope.org_id
            and key.webex_org_id
            and envelope.org_id.lower() != key.webex_org_id.lower()
        ):
            raise dropped(
                RejectionReason.ORG_MISMATCH,
                "comciscoorgid does not match the subscription's org",
            )
        check_event_time(envelope, delivery.timestamp_header, now)
    except WebhookRejected as rejected:
        rejected.subscription_id = key.wxcc_subscription_id
        rejected.organization_id = key.organization_id
        raise
    return key, envelope


def accept_deliveries(
    deliveries: Sequence[Delivery], *, now: datetime | None = None
) -> list[Accepted | WebhookRejected]:
    """Verify and store a batch of deliveries: one answer per delivery, in order.

    The verified ones are stored by one multi-row INSERT in one transaction, so a burst costs
    one commit (one WAL flush) rather than one per event; each is durable when this returns.
    A redelivery (also within the batch) is answered as a duplicate of the stored row.
    """
    now = now or timezone.now()
    answers: list[Accepted | WebhookRejected | None] = [None] * len(deliveries)
    rows: list[tuple[int, SigningKey, Envelope]] = []
    for position, delivery in enumerate(deliveries):
        try:
            key, envelope = verify_delivery(delivery, now)
        except WebhookRejected as rejected:
            answers[position] = rejected
            continue
        rows.append((position, key, envelope))
    if rows:
        items = [(key.organization_id, envelope, deliveries[p].body) for p, key, envelope in rows]
        try:
            with transaction.atomic():
                stored = _insert_new(items, received_at=now)
        except IntegrityError:
            # A subscription's org deleted meanwhile fails the whole INSERT: store one by one.
            stored = {}
            for item in items:
                try:
                    with transaction.atomic():
                        stored.update(_insert_new([item], received_at=now))
                except IntegrityError:
                    continue
        for (position, _, _), answer in zip(rows, _answers(items, stored), strict=True):
            answers[position] = answer
    return [answer for answer in answers if answer is not None]


def accept_delivery(
    body: bytes, headers: Mapping[str, str], *, now: datetime | None = None
) -> Accepted:
    """Verify and store one delivery, or raise WebhookRejected with the answer to give."""
    (answer,) = accept_deliveries([Delivery.from_headers(body, headers)], now=now)
    if isinstance(answer, WebhookRejected):
        raise answer
    return answer


_StoreItem = tuple[int, Envelope, bytes]

_INSERT_SQL = (
    "INSERT INTO {table} (organization_id, event_id, event_type, event_time, body, received_at,"
    " attempts, error, gave_up) VALUES {values}"
    " ON CONFLICT (organization_id, event_id) DO NOTHING RETURNING id, organization_id, event_id"
)


def _insert_new(
    items: Sequence[_StoreItem], *, received_at: datetime
) -> dict[tuple[int, str], int]:
    """One INSERT of every item not stored yet; the pks of those it stored, by (org, id)."""
    params: list[Any] = []
    for org_id, envelope, body in items:
        params += [org_id, envelope.event_id, envelope.event_type, envelope.timestamp, body]
        params.append(received_at)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, 0, '', false)"] * len(items))
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL.format(table=RawEvent._meta.db_table, values=values), params)
        return {(org_id, event_id): pk for pk, org_id, event_id in cursor.fetchall()}


def _answers(
    items: Sequence[_StoreItem], stored: dict[tuple[int, str], int]
) -> list[Accepted | WebhookRejected]:
    """Accepted for the first delivery of each stored row; duplicate for a redelivery (of a
    row stored before, or earlier in this batch); dropped when the org vanished meanwhile."""
    unclaimed = dict(stored)
    existing: dict[tuple[int, str], int] = {}
    missing = {(org_id, env.event_id) for org_id, env, _ in items} - stored.keys()
    if missing:
        for pk, org_id, event_id in RawEvent.objects.filter(
            organization_id__in={org for org, _ in missing},
            event_id__in={event_id for _, event_id in missing},
        ).values_list("pk", "organization_id", "event_id"):
            existing[(org_id, event_id)] = pk
    answers: list[Accepted | WebhookRejected] = []
    for org_id, envelope, _ in items:
        ident = (org_id, envelope.event_id)
        if ident in unclaimed:
            answers.append(Accepted(unclaimed.pop(ident), duplicate=False, organization_id=org_id))
            logger.debug(
                "event=webhook_accepted org_id=%s event_id=%s type=%s",
                org_id,
                envelope.event_id,
                envelope.event_type,
            )
        elif ident in stored or ident in existing:
            logger.info("event=webhook_duplicate org_id=%s event_id=%s", org_id, envelope.event_id)
            pk = stored.get(ident) or existing[ident]
            answers.append(Accepted(pk, duplicate=True, organization_id=org_id))
        else:  # not a duplicate: the subscription's org was deleted meanwhile
            answers.append(
                dropped(RejectionReason.UNKNOWN_SUBSCRIPTION, "missing or invalid signature")
            )
    return answers
