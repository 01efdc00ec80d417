"""`manage.py report <kind> --from YYYY-MM-DD --to YYYY-MM-DD --format csv|pdf --output FILE
[--org ID]`: one report to a file, from the command line (cron, scripts, checks)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oauth.models import Organization
from reporting.builders import ReportSpec
from reporting.cache import ReportDataUnavailable
from reporting.models import ReportFormat, ReportKind
from reporting.ranges import DayRange, ReportRangeError
from reporting.services import generate_report

INTERVAL_CHOICES = (15, 30, 60)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Write one report (CSV or PDF) for a range of local days of the org's time zone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ReportKind])
        parser.add_argument("--from", dest="first_day", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last_day", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "pdf"], default="csv")
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument(
            "--org", type=int, help="organization id (needed when there is more than one)"
        )
        parser.add_argument("--interval", type=int, choices=INTERVAL_CHOICES, default=30)

    def handle(self, *args: Any, **opts: Any) -> None:
        org = self._org(opts["org"])
        try:
            days = DayRange(_day(opts["first_day"]), _day(opts["last_day"]))
            spec = ReportSpec(
                kind=ReportKind(opts["kind"]), days=days, interval_minutes=opts["interval"]
            )
            result = generate_report(
                org=org,
                spec=spec,
                fmt=ReportFormat(opts["format"]),
                output=Path(opts["output"]),
            )
        except (ReportRangeError, ReportDataUnavailable) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Wrote {opts['output']} ({result.size_bytes} bytes; {result.requests} WxCC "
            f"requests; {result.duration_ms} ms)"
        )

    def _org(self, org_id: int | None) -> Organization:
        if org_id is not None:
            org = Organization.objects.filter(pk=org_id).first()
            if org is None:
                raise CommandError(f"no organization with id {org_id}")
            return org
        orgs = list(Organization.objects.all()[:2])
        if len(orgs) != 1:
            listed = ", ".join(f"{o.pk} ({o.name})" for o in Organization.objects.all()[:20])
            raise CommandError(f"choose an organization with --org: {listed or 'none exist'}")
        return orgs[0]
