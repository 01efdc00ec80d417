"""A scheduled run renders in Celery, emails the file once with its attachment, keeps a run
history, and on WxCC errors retries, then tells the admins why and sends nothing partial."""

from __future__ import annotations

from datetime import date, time
from email.mime.base import MIMEBase
from typing import Any

import pytest
from django.core import mail

from reporting import schedules
from reporting.models import ReportSchedule, RunStatus
from reporting.services import report_path
from reporting.tasks import run_schedule_run
from tests.fixtures.factories import MembershipFactory
from tests.reporting.conftest import Scenario


def _schedule(scenario: Scenario, **overrides: Any) -> ReportSchedule:
    fields: dict[str, Any] = {
        "org": scenario.org,
        "name": "Morning queues",
        "kind": "queue-summary",
        "range_kind": "yesterday",
        "fmt": "pdf",
        "recipients": ["manager@example.com", "ops@example.com"],
        "time_of_day": time(6),  # the scenario's "now" is 06:00 UTC on the 11th
        "weekdays": range(1, 8),
    }
    fields.update(overrides)
    return schedules.schedule_save(**fields)


@pytest.mark.django_db
def test_a_run_emails_yesterday_s_report_once_with_its_file_attached(scenario: Scenario) -> None:
    schedule = _schedule(scenario)
    run = schedules.fire_schedule(schedule, now=scenario.now)
    assert run is not None

    run_schedule_run.apply(args=(run.pk,))
    run_schedule_run.apply(args=(run.pk,))  # a redelivered task sends nothing more

    run.refresh_from_db()
    assert run.status == RunStatus.SENT
    assert (run.first_day, run.last_day) == (date(2026, 3, 10), date(2026, 3, 10))
    assert run.attempts == 1
    assert run.size_bytes
    assert run.size_bytes > 1000
    assert run.duration_ms is not None
    assert run.sent_at is not None
    assert report_path(run.file_path).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["manager@example.com", "ops@example.com"]
    assert message.subject == "Queue summary · 2026-03-10 · Acme Contact Center"
    assert "2026-03-10 (UTC)" in message.body
    [part] = message.attachments
    assert isinstance(part, MIMEBase)
    assert part.get_filename() == "queue-summary_2026-03-10.pdf"
    assert part.get_content_type() == "application/pdf"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.startswith(b"%PDF")


@pytest.mark.django_db
def test_a_csv_schedule_attaches_the_csv(scenario: Scenario) -> None:
    schedule = _schedule(scenario, fmt="csv", kind="abandoned")
    run = schedules.fire_schedule(schedule, now=scenario.now)
    assert run is not None

    run_schedule_run.apply(args=(run.pk,))

    [part] = mail.outbox[0].attachments
    assert isinstance(part, MIMEBase)
    assert part.get_filename() == "abandoned_2026-03-10.csv"
    assert part.get_content_type() == "text/csv"
    content = part.get_payload(decode=True)
    assert isinstance(content, bytes)
    # Byte for byte as written: the BOM and CRLF line ends Excel needs survive the mail.
    assert content.startswith(b"\xef\xbb\xbfArrived,Ended,Queue")
    assert b"\r\n" in content


@pytest.mark.django_db
def test_a_run_that_wxcc_keeps_failing_is_retried_then_reported_to_admins_and_never_sent(
    scenario: Scenario, report_settings: Any
) -> None:
    MembershipFactory.create(
        organization=scenario.org, admin=True, user__username="ada", user__email="ada@example.com"
    )
    MembershipFactory.create(organization=scenario.org, user__email="sup@example.com")
    schedule = _schedule(scenario)
    run = schedules.fire_schedule(schedule, now=scenario.now)
    assert run is not None
    scenario.sim.set_fault("5xx", status_code=503)

    run_schedule_run.apply(args=(run.pk,))

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.attempts == report_settings.REPORTING_RUN_MAX_RETRIES + 1
    assert "WxCC could not be read" in run.error
    assert "503" in run.error
    assert run.sent_at is None
    assert not run.file_path
    [notice] = mail.outbox
    assert notice.to == ["ada@example.com"]
    assert notice.subject == "Scheduled report failed: Morning queues"
    assert "503" in notice.body
    assert not notice.attachments
