"""Template context for every page: the signed-in user's organization (for the re-consent
banner in the page header)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oauth.permissions import current_org, is_org_admin


def organization(request: HttpRequest) -> dict[str, Any]:
    return {"current_org": current_org(request), "is_org_admin": is_org_admin(request)}
