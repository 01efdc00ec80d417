"""`{% wxcc_connection_health organization connection as health %}`: what an admin must know
on the connection page about reading from WxCC: the last poll's problem (a missing scope is
named), scopes the connection lacks, and whether Webex would accept the webhook address
PUBLIC_BASE_URL gives (wxcc.subscriptions, wxcc.scopes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import template

from oauth.models import Organization, WebexConnection
from wxcc import scopes
from wxcc.models import SyncStatus
from wxcc.subscriptions import default_destination_url, destination_url_problems, loopback_allowed

register = template.Library()


@dataclass(frozen=True)
class MissingScope:
    scope: str
    needed_for: str


@dataclass(frozen=True)
class ConnectionHealth:
    last_poll_ok_at: datetime | None
    last_poll_error: str
    missing_scopes: tuple[MissingScope, ...]
    destination_url: str
    # Why Webex would refuse destination_url; empty when it would accept it.
    destination_problems: tuple[str, ...]
    # The demo/test opt-in (a loopback address) lets register_webhooks use it anyway.
    registrable_here: bool


@register.simple_tag
def wxcc_connection_health(
    organization: Organization, connection: WebexConnection | None
) -> ConnectionHealth:
    sync = SyncStatus.objects.filter(organization=organization).first()
    missing: tuple[MissingScope, ...] = ()
    if connection is not None and connection.access_token:
        missing = tuple(
            MissingScope(scope, scopes.SCOPES_USED[scope])
            for scope in scopes.missing_scopes(connection.scopes)
        )
    url = default_destination_url()
    return ConnectionHealth(
        last_poll_ok_at=sync.last_poll_ok_at if sync else None,
        last_poll_error=sync.last_error if sync else "",
        missing_scopes=missing,
        destination_url=url,
        destination_problems=destination_url_problems(url),
        registrable_here=not destination_url_problems(url, allow_loopback=loopback_allowed()),
    )
