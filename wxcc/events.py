"""Raw webhook events: accept a delivery durably (then it may be acknowledged). Applying
stored events to live state is `wxcc.processing`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxcc.models import RawEvent, RejectionReason
from wxcc.signing_keys import SigningKey, signing_keys
from wxcc.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
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


def accept_delivery(
    body: bytes, headers: Mapping[str, str], *, now: datetime | None = None
) -> Accepted:
    """Verify and store one delivery, or raise WebhookRejected with the answer to give.

    The signature is checked over the raw bytes before the body is parsed; then the envelope
    must fit our columns, name the subscription that signed it and its org, and (V2) be within
    the replay window. One subscription read (cached) and one INSERT.
    `headers` should be case-insensitive (Django's request.headers), as HTTP headers are.
    """
    if len(body) > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRejected(413, "body too large", RejectionReason.BODY_TOO_LARGE)
    key = _signer(body, headers.get(SIGNATURE_HEADER))
    try:
        envelope = parse_envelope(body)
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
        check_event_time(envelope, headers.get(TIMESTAMP_HEADER), now or timezone.now())
    except WebhookRejected as rejected:
        rejected.subscription_id = key.wxcc_subscription_id
        rejected.organization_id = key.organization_id
        raise
    org_id = key.organization_id
    try:
        with transaction.atomic():
            raw = RawEvent.objects.create(
                organization_id=org_id,
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                event_time=envelope.timestamp,
                body=body,
            )
    except IntegrityError:
        existing = RawEvent.objects.filter(
            organization_id=org_id, event_id=envelope.event_id
        ).values_list("pk", flat=True)
        if not existing:  # not a duplicate: the subscription's org was deleted meanwhile
            raise dropped(
                RejectionReason.UNKNOWN_SUBSCRIPTION, "missing or invalid signature"
            ) from None
        logger.info("event=webhook_duplicate org_id=%s event_id=%s", org_id, envelope.event_id)
        return Accepted(raw_event_id=existing[0], duplicate=True, organization_id=org_id)
    logger.info(
        "event=webhook_accepted org_id=%s event_id=%s type=%s",
        org_id,
        envelope.event_id,
        envelope.event_type,
    )
    return Accepted(raw_event_id=raw.pk, duplicate=False, organization_id=org_id)
