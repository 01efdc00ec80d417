"""Refused webhook deliveries, where an admin can see them: counted per subscription, reason
and minute (wxcc.models.WebhookRejection), and summarised for the org's connection page.

Recording is bounded whatever a sender does: one row per (known subscription or none,
reason, minute), and rows older than settings.WXCC_WEBHOOK_REJECTION_RETENTION_DAYS are
deleted when a new minute's row is made. It never raises: a refused delivery must get its
answer even when the database cannot count it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Max, Sum

from wxcc.models import RawEvent, RejectionReason, WebhookRejection

logger = logging.getLogger(__name__)

DETAIL_MAX_CHARS = WebhookRejection._meta.get_field("detail").max_length or 200


def record_rejection(
    *,
    reason: RejectionReason,
    status_code: int,
    detail: str,
    now: datetime,
    subscription_id: str = "",
    organization_id: int | None = None,
) -> None:
    """Count one refused delivery. `subscription_id` only for a subscription we know."""
    minute = now.replace(second=0, microsecond=0)
    bucket = {"wxcc_subscription_id": subscription_id, "reason": reason, "minute": minute}
    detail = detail[:DETAIL_MAX_CHARS]
    changes = {"count": F("count") + 1, "last_at": now, "detail": detail}
    try:
        if WebhookRejection.objects.filter(**bucket).update(**changes, status_code=status_code):
            return
        try:
            with transaction.atomic():
                WebhookRejection.objects.create(
                    **bucket,
                    organization_id=organization_id,
                    status_code=status_code,
                    last_at=now,
                    detail=detail,
                )
        except IntegrityError:  # another request made this minute's row first
            WebhookRejection.objects.filter(**bucket).update(**changes, status_code=status_code)
            return
        cutoff = now - timedelta(days=settings.WXCC_WEBHOOK_REJECTION_RETENTION_DAYS)
        WebhookRejection.objects.filter(minute__lt=cutoff).delete()
    except DatabaseError as exc:
        logger.warning(
            "event=webhook_rejection_not_recorded org_id=%s reason=%s error=%s",
            organization_id,
            reason,
            exc.__class__.__name__,
        )


@dataclass(frozen=True)
class RejectionSummary:
    """Deliveries refused for one reason since a time, for the connection page."""

    reason: RejectionReason
    deliveries: int
    last_at: datetime
    last_detail: str

    @property
    def label(self) -> str:
        return RejectionReason(self.reason).label


@dataclass(frozen=True)
class DeliveryHealth:
    last_accepted_at: datetime | None
    rejections: list[RejectionSummary]


def delivery_health(*, organization_id: int, since: datetime) -> DeliveryHealth:
    """The org's newest accepted delivery and what was refused since `since`, by reason."""
    last_accepted_at = (
        RawEvent.objects.filter(organization_id=organization_id)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    rows = (
        WebhookRejection.objects.filter(organization_id=organization_id, minute__gte=since)
        .values("reason")
        .annotate(deliveries=Sum("count"), last_at=Max("last_at"))
        .order_by("-last_at")
    )
    summaries = []
    for row in rows:
        latest = (
            WebhookRejection.objects.filter(
                organization_id=organization_id, reason=row["reason"], minute__gte=since
            )
            .order_by("-last_at")
            .values_list("detail", flat=True)
            .first()
        )
        summaries.append(
            RejectionSummary(
                reason=RejectionReason(row["reason"]),
                deliveries=row["deliveries"],
                last_at=row["last_at"],
                last_detail=latest or "",
            )
        )
    return DeliveryHealth(last_accepted_at=last_accepted_at, rejections=summaries)
