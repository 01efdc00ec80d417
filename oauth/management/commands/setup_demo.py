"""`manage.py setup_demo`: the demo's org, users and Webex connection, idempotently.

Only when settings.DEBUG. Creates org "Demo Contact Center", users admin/admin (admin) and
supervisor/supervisor (supervisor), and connects the org to the identity provider at
settings.WEBEX_IDENTITY_URL (the simulator, which approves without a browser): GET authorize
without following the redirect, read the code from Location, exchange it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from oauth import identity, services
from oauth.exceptions import ConnectFlowError
from oauth.identity import Pkce
from oauth.models import Membership, Organization, Role

DEMO_ORG_NAME = "Demo Contact Center"
DEMO_USERS = (("admin", Role.ADMIN), ("supervisor", Role.SUPERVISOR))


class Command(BaseCommand):
    help = "Create the demo org and users and connect the org to the (simulated) Webex."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=0.0,
            help="Seconds to keep retrying while the identity provider is not up yet.",
        )
        parser.add_argument(
            "--reconnect", action="store_true", help="Connect again even if already connected."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("setup_demo only runs with DEBUG=true (it creates admin/admin).")
        org, _ = Organization.objects.get_or_create(name=DEMO_ORG_NAME)
        users = {username: self._user(username, role, org) for username, role in DEMO_USERS}
        if org.is_connected and not opts["reconnect"]:
            self.stdout.write(f"{org.name} is already connected (webex org {org.webex_org_id}).")
            return
        deadline = time.monotonic() + opts["wait"]
        while True:
            try:
                person = self._connect(org, users["admin"])
                break
            except httpx.TransportError as exc:
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"Identity provider unreachable at {settings.WEBEX_IDENTITY_URL}: "
                        f"{type(exc).__name__}"
                    ) from None
                time.sleep(0.5)
            except ConnectFlowError as exc:
                raise CommandError(f"Could not connect the demo org: {exc.message}") from None
        supervisor = users["supervisor"]
        # The simulator's one Webex user is the demo supervisor: link it by email so
        # "Login with Webex" works in the demo.
        if person.emails and not supervisor.email:
            supervisor.email = person.emails[0]
            supervisor.save(update_fields=["email"])
        org.refresh_from_db()
        self.stdout.write(f"{org.name} connected (webex org {org.webex_org_id}).")

    def _user(self, username: str, role: str, org: Organization) -> Any:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(username)
            user.email = f"{username}@demo.invalid" if role == Role.ADMIN else ""
            user.save()
        Membership.objects.update_or_create(user=user, defaults={"organization": org, "role": role})
        return user

    def _connect(self, org: Organization, admin: Any) -> identity.WebexPerson:
        state = "setup-demo"
        pkce = Pkce.generate()
        url = identity.authorize_url(
            state=state, code_challenge=pkce.challenge, scopes=list(settings.WEBEX_SCOPES)
        )
        response = httpx.get(url, follow_redirects=False, timeout=identity.IDENTITY_TIMEOUT)
        location = response.headers.get("location", "")
        query = parse_qs(urlsplit(location).query)
        if response.status_code not in (302, 303, 307) or query.get("state") != [state]:
            raise CommandError(
                f"The identity provider did not redirect back with a code "
                f"(HTTP {response.status_code})."
            )
        if "code" not in query:
            raise CommandError(f"Authorization refused: {query.get('error', ['unknown'])[0]}")
        now = timezone.now()
        grant = identity.exchange_code(query["code"][0], pkce.verifier, now=now)
        person = identity.people_me(grant.access_token)
        services.store_connection(org, grant, person, region=org.region, user=admin, now=now)
        return person
