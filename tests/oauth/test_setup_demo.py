"""`manage.py setup_demo` builds the demo org, its two users and a live connection to the
simulator, and can run again without changing anything."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from oauth.models import ConnectionStatus, Organization, Role, WebexConnection

pytestmark = pytest.mark.django_db


def test_setup_demo_creates_the_org_users_and_a_working_connection(webex: Any, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True

    call_command("setup_demo", stdout=io.StringIO())

    org = Organization.objects.get(name="Demo Contact Center")
    assert org.webex_org_id == webex.sim.org_id
    assert WebexConnection.objects.get(organization=org).status == ConnectionStatus.CONNECTED
    users = get_user_model().objects.in_bulk(["admin", "supervisor"], field_name="username")
    assert users["admin"].check_password("admin")
    assert users["admin"].membership.role == Role.ADMIN
    assert users["supervisor"].check_password("supervisor")
    assert users["supervisor"].membership.role == Role.SUPERVISOR
    assert users["supervisor"].email == webex.sim.config.demo_user_email


def test_setup_demo_run_twice_changes_nothing(webex: Any, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    call_command("setup_demo", stdout=io.StringIO())
    generation = WebexConnection.objects.get().token_generation

    out = io.StringIO()
    call_command("setup_demo", stdout=out)

    assert "already connected" in out.getvalue()
    assert Organization.objects.filter(name="Demo Contact Center").count() == 1
    assert get_user_model().objects.filter(username__in=["admin", "supervisor"]).count() == 2
    assert WebexConnection.objects.get().token_generation == generation


def test_setup_demo_refuses_to_run_outside_debug(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", stdout=io.StringIO())
    assert not Organization.objects.exists()


def test_setup_demo_reports_an_unreachable_identity_provider(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.WEBEX_IDENTITY_URL = "http://127.0.0.1:9/v1"

    with pytest.raises(CommandError, match="unreachable"):
        call_command("setup_demo", stdout=io.StringIO())
