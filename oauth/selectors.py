"""Reads about organizations and their Webex connections (no token material leaves here)."""

from __future__ import annotations

from django.db.models import QuerySet

from oauth.models import ConnectionStatus, Organization, WebexConnection


def connected_organizations() -> QuerySet[Organization]:
    """Orgs with a working connection: the ones the wxcc poller should poll."""
    return Organization.objects.filter(connection__status=ConnectionStatus.CONNECTED)


def organizations_needing_reconsent() -> QuerySet[Organization]:
    return Organization.objects.filter(connection__status=ConnectionStatus.NEEDS_RECONSENT)


def connection_for(org: Organization) -> WebexConnection | None:
    return WebexConnection.objects.filter(organization=org).first()
