"""Alert reads for pages and the beat: active alerts, history and rules of one org."""

from __future__ import annotations

from django.db.models import QuerySet

from alerts.models import AlertEvent, AlertRule

HISTORY_LENGTH = 50


def org_ids_with_rules() -> list[int]:
    return list(
        AlertRule.objects.filter(enabled=True)
        .values_list("organization_id", flat=True)
        .distinct()
        .order_by("organization_id")
    )


def rules(*, org_id: int) -> QuerySet[AlertRule]:
    return AlertRule.objects.filter(organization_id=org_id).select_related("queue")


def active_alerts(*, org_id: int) -> list[AlertRule]:
    """Rules in an announced breach, longest first. One query."""
    return list(
        AlertRule.objects.filter(
            organization_id=org_id,
            enabled=True,
            announced=True,
            breach_started_at__isnull=False,
        )
        .select_related("queue")
        .order_by("breach_started_at", "pk")
    )


def history(*, org_id: int, limit: int = HISTORY_LENGTH) -> list[AlertEvent]:
    return list(AlertEvent.objects.filter(organization_id=org_id)[:limit])
