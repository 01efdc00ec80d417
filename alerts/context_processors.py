"""Template context for every signed-in page: the org's active alerts, for the banner under
the top bar (one query, only for members)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from alerts.selectors import active_alerts
from oauth.permissions import current_org


def active(request: HttpRequest) -> dict[str, Any]:
    org = current_org(request)
    return {"active_alerts": active_alerts(org_id=org.pk) if org is not None else []}
