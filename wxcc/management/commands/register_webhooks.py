"""`manage.py register_webhooks --org <id> [--url <public url>/webhooks/wxcc/]`: create or
update the org's WxCC webhook subscriptions (agent and task events)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oauth.exceptions import OAuthError
from oauth.models import Organization
from wxcc.exceptions import WxccError
from wxcc.subscriptions import default_destination_url, register_subscription


class Command(BaseCommand):
    help = "Register (or update) the org's WxCC webhook subscriptions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", type=int, required=True, help="Organization id (pk)")
        parser.add_argument(
            "--url",
            default="",
            help="Receiver URL WxCC delivers to (default: PUBLIC_BASE_URL + /webhooks/wxcc/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(pk=options["org"]).first()
        if org is None:
            raise CommandError(f"no organization with id {options['org']}")
        url = options["url"] or default_destination_url()
        try:
            rows = register_subscription(org, url)
        except (WxccError, OAuthError) as exc:
            raise CommandError(f"could not register webhooks for {org}: {exc}") from None
        for row in rows:
            self.stdout.write(
                f"{row.wxcc_subscription_id} {row.resource_version} {row.status} "
                f"{','.join(row.event_types)} -> {row.destination_url}"
            )
