"""The report pages: a supervisor asks for a report, watches it being built and reads or
downloads it; admins manage schedules and read the demo's outbox; bad input is a 4xx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client

from config.celery import app as celery_app
from oauth.models import Organization
from reporting import schedules
from reporting.models import JobStatus, ReportJob, ReportSchedule
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.reporting.conftest import Scenario

Capture = Callable[..., Any]


@pytest.fixture
def eager_celery() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


def member_client(org: Organization, *, admin: bool = False) -> Client:
    membership = MembershipFactory.create(
        organization=org, admin=admin, user__email=f"{'admin' if admin else 'sup'}@example.com"
    )
    client = Client()
    client.force_login(membership.user)
    return client


def ask(client: Client, capture: Capture, **fields: str) -> Any:
    data = {"kind": "queue-summary", "range_kind": "custom", "first_day": "2026-03-10"}
    data |= {"last_day": "2026-03-10", "interval_minutes": "30", "format": "html", **fields}
    with capture(execute=True):
        return client.post("/reports/", data)


@pytest.mark.django_db
def test_a_supervisor_runs_a_report_and_reads_it_in_the_browser(
    scenario: Scenario, eager_celery: None, django_capture_on_commit_callbacks: Capture
) -> None:
    client = member_client(scenario.org)
    assert client.get("/reports/").status_code == 200

    response = ask(client, django_capture_on_commit_callbacks, kind="intervals")

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    assert "Interval report" in page
    assert 'id="report-chart-data"' in page
    assert "All queues" in page
    assert "hx-trigger" not in page  # finished: no more polling
    assert "<script>" not in page  # no inline scripts (a strict CSP comes later)


@pytest.mark.django_db
def test_the_page_polls_while_the_job_runs_and_the_status_fragment_alone_answers_htmx(
    scenario: Scenario,
) -> None:
    client = member_client(scenario.org)
    job = ReportJob.objects.create(
        organization=scenario.org,
        kind="agents",
        format="csv",
        first_day=scenario.now.date(),
        last_day=scenario.now.date(),
        status=JobStatus.RUNNING,
        progress_pct=40,
        progress_text="Reading 2026-03-10 from WxCC",
    )

    page = client.get(f"/reports/jobs/{job.pk}/").content.decode()
    fragment = client.get(f"/reports/jobs/{job.pk}/status/", HTTP_HX_REQUEST="true")

    assert f'hx-get="/reports/jobs/{job.pk}/status/"' in page
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="job-status"')
    assert "Reading 2026-03-10 from WxCC" in text
    assert 'value="40"' in text


@pytest.mark.django_db
def test_a_csv_report_downloads_as_an_attachment(
    scenario: Scenario, eager_celery: None, django_capture_on_commit_callbacks: Capture
) -> None:
    client = member_client(scenario.org)
    ask(client, django_capture_on_commit_callbacks, format="csv", kind="abandoned")
    job = ReportJob.objects.get()

    response = client.get(f"/reports/jobs/{job.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'attachment; filename="abandoned_2026-03-10_2026-03-10.csv"'
        in response["Content-Disposition"]
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert body.startswith("Arrived,Ended,Queue")


@pytest.mark.django_db
def test_bad_report_requests_get_a_400_with_the_reason(scenario: Scenario) -> None:
    client = member_client(scenario.org)

    no_days = client.post(
        "/reports/",
        {"kind": "agents", "range_kind": "custom", "format": "csv", "interval_minutes": "30"},
    )
    future = client.post(
        "/reports/",
        {"kind": "agents", "range_kind": "custom", "format": "csv", "interval_minutes": "30",
         "first_day": "2099-01-01", "last_day": "2099-01-02"},
    )  # fmt: skip
    unknown_kind = client.post("/reports/", {"kind": "everything", "range_kind": "today"})

    assert no_days.status_code == 400
    assert "a custom range needs a first and a last day" in no_days.content.decode()
    assert future.status_code == 400
    assert "ends after today" in future.content.decode()
    assert unknown_kind.status_code == 400
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_another_org_s_jobs_are_not_found(scenario: Scenario) -> None:
    job = ReportJob.objects.create(
        organization=scenario.org, kind="agents", format="csv",
        first_day=scenario.now.date(), last_day=scenario.now.date(),
    )  # fmt: skip
    stranger = member_client(OrganizationFactory.create())

    for path in ("", "status/", "download/"):
        assert stranger.get(f"/reports/jobs/{job.pk}/{path}").status_code == 404


@pytest.mark.django_db
def test_only_admins_manage_schedules(
    org: Organization, admin_client: Client, supervisor_client: Client
) -> None:
    form = {
        "name": "Morning", "kind": "queue-summary", "range_kind": "yesterday", "format": "pdf",
        "interval_minutes": "30", "recipients": "boss@example.com, ops@example.com",
        "time_of_day": "07:00", "weekdays": ["1", "2", "3", "4", "5"], "enabled": "on",
    }  # fmt: skip

    assert supervisor_client.get("/reports/schedules/").status_code == 403
    assert supervisor_client.post("/reports/schedules/", form).status_code == 403
    bad = admin_client.post("/reports/schedules/", form | {"recipients": "not an address"})
    created = admin_client.post("/reports/schedules/", form)

    assert bad.status_code == 400
    assert "is not an email address" in bad.content.decode()
    schedule = ReportSchedule.objects.get()
    assert created.status_code == 302
    assert schedule.recipients == ["boss@example.com", "ops@example.com"]
    assert schedule.weekdays == [1, 2, 3, 4, 5]
    detail = admin_client.get(f"/reports/schedules/{schedule.pk}/")
    assert detail.status_code == 200
    assert "Monday to Friday" in detail.content.decode()
    assert admin_client.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReportSchedule.objects.exists()


@pytest.mark.django_db
def test_the_outbox_shows_an_org_s_admins_the_email_sent_to_their_people(
    org: Organization, admin_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    schedules.schedule_save(
        org=org, name="Daily", kind="agents", range_kind="yesterday", fmt="csv",
        recipients=["boss@example.com"], time_of_day=time(7), weekdays=range(1, 8),
    )  # fmt: skip
    ours = EmailMessage("Agent performance · 2026-03-10", "Attached.", to=["boss@example.com"])
    ours.attach(schedules.file_attachment("agents.csv", b"Agent\r\nGrace\r\n", "text/csv"))
    ours.send()
    EmailMessage("Someone else's", "Not yours.", to=["other@example.org"]).send()

    page = admin_client.get("/reports/outbox/").content.decode()

    assert "Agent performance · 2026-03-10" in page
    assert "Someone else" not in page
    assert "agents.csv" in page
    name = next(p.name for p in (tmp_path / "outbox").iterdir() if "Agent" in p.read_text())
    attachment = admin_client.get(f"/reports/outbox/{name}:0/attachments/0/")
    assert attachment.status_code == 200
    assert attachment.content == b"Agent\r\nGrace\r\n"
    assert admin_client.get("/reports/outbox/..%2Fsecret.log:0/attachments/0/").status_code == 404
