"""Template context for every signed-in page: the org's active alerts, for the banner under
the top bar (one query, only for members, and only when a template reads it: htmx
fragments do not include the banner, so they do not pay for it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alerts.selectors import active_alerts
from oauth.permissions import current_org


def active(request: HttpRequest) -> dict[str, Any]:
    org = current_org(request)
    if org is None:
        return {"active_alerts": []}
    org_id = org.pk
    return {"active_alerts": SimpleLazyObject(lambda: active_alerts(org_id=org_id))}
