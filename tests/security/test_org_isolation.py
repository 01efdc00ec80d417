"""Org isolation on every view, API, report download and websocket: a member (supervisor or
admin) of org A gets 404 for org B's board, snapshot, reports, schedules, connection and
board channel, while B's own members get them (so each 404 is about the org, not the row)."""

from __future__ import annotations

import asyncio
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import websockets
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from oauth.models import Membership, Organization, WebexConnection
from reporting.models import JobStatus, ReportJob, ReportSchedule, ScheduleRun
from tests.fixtures.factories import MembershipFactory, OrganizationFactory, WebexConnectionFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _org_b_rows(tmp_path: Path, settings: Any) -> dict[str, Any]:
    settings.REPORTING_DIR = str(tmp_path)
    org_b = OrganizationFactory.create(name="Org B")
    WebexConnectionFactory.create(organization=org_b)
    board = BoardFactory.create(organization=org_b, slug="b-board")
    TileFactory.create(page=BoardPageFactory.create(board=board), metric="contacts_waiting")
    (tmp_path / "b-job.csv").write_text("queue,offered\nB,1\n")
    (tmp_path / "b-run.csv").write_text("queue,offered\nB,2\n")
    job = ReportJob.objects.create(
        organization=org_b,
        kind="queue-summary",
        format="csv",
        status=JobStatus.SUCCEEDED,
        first_day=date(2026, 3, 10),
        last_day=date(2026, 3, 10),
        file_path="b-job.csv",
    )
    schedule = ReportSchedule.objects.create(
        organization=org_b,
        name="B daily",
        kind="queue-summary",
        range_kind="yesterday",
        format="csv",
        recipients=["b@example.com"],
        time_of_day=time(7),
        weekdays=[1, 2, 3],
    )
    run = ScheduleRun.objects.create(
        schedule=schedule,
        local_date=date(2026, 3, 11),
        status="succeeded",
        first_day=date(2026, 3, 10),
        last_day=date(2026, 3, 10),
        file_path="b-run.csv",
    )
    return {"org": org_b, "board": board, "job": job, "schedule": schedule, "run": run}


def _org_b_urls(b: dict[str, Any]) -> dict[str, str]:
    return {
        "board": "/boards/b-board/",
        "snapshot": "/api/boards/b-board/snapshot",
        "report job": f"/reports/jobs/{b['job'].pk}/",
        "report status": f"/reports/jobs/{b['job'].pk}/status/",
        "report download": f"/reports/jobs/{b['job'].pk}/download/",
        "schedule": f"/reports/schedules/{b['schedule'].pk}/",
        "scheduled report download": f"/reports/runs/{b['run'].pk}/download/",
        "connection": f"/oauth/orgs/{b['org'].pk}/connection/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("admin", [False, True], ids=["supervisor", "admin"])
def test_a_member_of_org_a_gets_404_for_every_page_of_org_b(
    tmp_path: Path, settings: Any, admin: bool
) -> None:
    b = _org_b_rows(tmp_path, settings)
    member_a = MembershipFactory.create(organization=OrganizationFactory.create(), admin=admin)
    admin_b = MembershipFactory.create(organization=b["org"], admin=True)
    urls = _org_b_urls(b)

    as_a = {name: _client(member_a).get(url).status_code for name, url in urls.items()}
    as_b = {name: _client(admin_b).get(url).status_code for name, url in urls.items()}

    assert as_b == dict.fromkeys(urls, 200)
    expected = dict.fromkeys(urls, 404)
    if not admin:  # pages for admins only are a 403 to any supervisor, of any org
        expected |= {"schedule": 403, "connection": 403}
    assert as_a == expected


@pytest.mark.django_db
def test_an_admin_of_org_a_cannot_change_org_b(tmp_path: Path, settings: Any) -> None:
    b = _org_b_rows(tmp_path, settings)
    admin_a = _client(
        MembershipFactory.create(organization=OrganizationFactory.create(), admin=True)
    )
    org_b: Organization = b["org"]

    answers = [
        admin_a.post(f"/reports/schedules/{b['schedule'].pk}/delete/").status_code,
        admin_a.post(f"/reports/schedules/{b['schedule'].pk}/", {"name": "hijacked"}).status_code,
        admin_a.post(f"/oauth/orgs/{org_b.pk}/disconnect/").status_code,
        admin_a.post(f"/oauth/orgs/{org_b.pk}/connect/", {"region": "us1"}).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert ReportSchedule.objects.get(pk=b["schedule"].pk).name == "B daily"
    assert WebexConnection.objects.get(organization=org_b).status == "connected"


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_of_org_a_cannot_join_org_b_s_board_channel(live_asgi: str) -> None:
    board_b = BoardFactory.create(slug="b-channel")
    TileFactory.create(page=BoardPageFactory.create(board=board_b), metric="contacts_waiting")
    supervisor_a = MembershipFactory.create(organization=OrganizationFactory.create())
    supervisor_b = MembershipFactory.create(organization=board_b.organization)
    screen_a = ScreenFactory.create(
        board=BoardFactory.create(organization=supervisor_a.organization)
    )

    def cookie(membership: Membership) -> str:
        return f"sessionid={_client(membership).cookies['sessionid'].value}"

    async def first_answer(path: str, session_cookie: str | None) -> str | int:
        url = live_asgi.replace("http://", "ws://") + path
        headers = {"Cookie": session_cookie} if session_cookie else None
        origin = Origin("http://127.0.0.1")
        async with websockets.connect(url, origin=origin, additional_headers=headers) as ws:
            try:
                return str(await asyncio.wait_for(ws.recv(), 10))
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else 0

    as_a = asyncio.run(first_answer("/ws/boards/b-channel/", cookie(supervisor_a)))
    a_token_on_b = asyncio.run(first_answer(f"/ws/tv/b-channel/?token={screen_a.token}", None))
    as_b = asyncio.run(first_answer("/ws/boards/b-channel/", cookie(supervisor_b)))

    assert as_a == 4404
    assert a_token_on_b in (4401, 4403, 4404)
    assert isinstance(as_b, str)
    assert "tile-" in as_b
