"""`{% webhook_deliveries organization %}`: the "Webhook deliveries" line of an org's
connection page, so an admin sees when WxCC last got through and what was refused and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from oauth.models import Organization
from wxcc.rejections import delivery_health

register = template.Library()

# How far back the connection page lists refused deliveries.
RECENT_REJECTIONS = timedelta(hours=24)


@register.inclusion_tag("wxcc/_webhook_deliveries.html")
def webhook_deliveries(organization: Organization) -> dict[str, Any]:
    health = delivery_health(
        organization_id=organization.pk, since=timezone.now() - RECENT_REJECTIONS
    )
    return {"health": health, "window_hours": int(RECENT_REJECTIONS.total_seconds() // 3600)}
