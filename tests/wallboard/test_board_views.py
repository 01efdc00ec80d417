"""The TV page, the supervisor's pages and the snapshot API: who may see what, and what they
see (no data is null, never 0)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import (
    AgentFactory,
    AgentSessionFactory,
    QueueFactory,
    TaskFactory,
    TeamFactory,
)
from wallboard.models import Board, Screen
from wxcc.models import TaskStatus


@pytest.fixture
def board(org: Organization) -> Board:
    board = BoardFactory.create(organization=org, name="Front line", slug="front")
    page = BoardPageFactory.create(board=board, title="Overview")
    TileFactory.create(page=page, metric="contacts_waiting")
    TileFactory.create(page=page, metric="service_level")
    TileFactory.create(page=page, kind="agents_list", metric="", width=2)
    TileFactory.create(page=page, kind="queues_table", metric="", width=2)
    return board


@pytest.fixture
def screen(board: Board) -> Screen:
    return ScreenFactory.create(board=board, name="Lobby TV")


def test_the_tv_page_renders_the_board_for_its_token(
    client: Client, board: Board, screen: Screen
) -> None:
    queue = QueueFactory.create(organization=board.organization, name="Sales")
    now = timezone.now()
    TaskFactory.create(organization=board.organization, queue=queue, queued_at=now, created_at=now)
    response = client.get(f"/tv/front/?token={screen.token}")
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'hx-ext="ws"' in html
    assert f'ws-connect="/ws/tv/front/?token={screen.token}"' in html
    for tile in board.pages.get().tiles.all():
        assert f'id="tile-{tile.pk}"' in html
    assert "Sales" in html  # the queues table lists the org's queues
    assert "<script>" not in html  # no inline scripts (a CSP without unsafe-inline comes)


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 401), ("?token=", 401), ("?token=not-a-token", 401)],
)
def test_the_tv_page_without_a_valid_token_is_refused(
    client: Client, board: Board, query: str, status: int
) -> None:
    assert client.get(f"/tv/front/{query}").status_code == status


def test_a_revoked_token_is_forbidden(client: Client, screen: Screen) -> None:
    Screen.objects.filter(pk=screen.pk).update(revoked_at=timezone.now())
    assert client.get(f"/tv/front/?token={screen.token}").status_code == 403
    assert client.get(f"/api/boards/front/snapshot?token={screen.token}").status_code == 403


def test_a_token_cannot_open_another_board_of_its_org(
    client: Client, board: Board, screen: Screen
) -> None:
    BoardFactory.create(organization=board.organization, slug="back")
    assert client.get(f"/tv/back/?token={screen.token}").status_code == 403
    assert client.get(f"/api/boards/back/snapshot?token={screen.token}").status_code == 403


def test_another_orgs_board_is_not_found(client: Client, screen: Screen) -> None:
    other = BoardFactory.create(organization=OrganizationFactory.create(), slug="theirs")
    ScreenFactory.create(board=other)
    assert client.get(f"/tv/theirs/?token={screen.token}").status_code == 404
    assert client.get(f"/api/boards/theirs/snapshot?token={screen.token}").status_code == 404


def test_a_display_token_opens_no_supervisor_page(client: Client, screen: Screen) -> None:
    for path in ("/boards/", "/boards/front/", "/", "/oauth/connection/", "/admin/"):
        response = client.get(f"{path}?token={screen.token}")
        assert response.status_code == 302, path
        assert "login" in response["Location"], path


def test_supervisors_list_and_open_their_orgs_boards(
    supervisor_client: Client, board: Board
) -> None:
    BoardFactory.create(organization=OrganizationFactory.create(), slug="theirs", name="Theirs")
    listing = supervisor_client.get("/boards/")
    assert listing.status_code == 200
    assert b"Front line" in listing.content
    assert b"Theirs" not in listing.content
    page = supervisor_client.get("/boards/front/")
    assert page.status_code == 200
    assert b'ws-connect="/ws/boards/front/"' in page.content
    assert supervisor_client.get("/boards/theirs/").status_code == 404


def test_the_snapshot_api_with_no_credentials_is_unauthorized(client: Client, board: Board) -> None:
    response = client.get("/api/boards/front/snapshot")
    assert response.status_code == 401
    assert response.json() == {"error": "sign in to see boards"}


def test_the_snapshot_api_reports_queues_agents_and_totals(
    client: Client, board: Board, screen: Screen
) -> None:
    org = board.organization
    now = timezone.now()
    queue = QueueFactory.create(organization=org, name="Sales")
    quiet = QueueFactory.create(organization=org, name="Quiet")
    TaskFactory.create(
        organization=org,
        queue=queue,
        status=TaskStatus.QUEUED,
        created_at=now - timedelta(seconds=30),
        queued_at=now - timedelta(seconds=30),
        status_at=now - timedelta(seconds=30),
    )
    team = TeamFactory.create(organization=org, name="Blue")
    ann = AgentFactory.create(organization=org, name="Ann", team=team)
    AgentSessionFactory.create(
        organization=org, agent=ann, team=team, state_since=now - timedelta(minutes=2)
    )

    response = client.get(f"/api/boards/front/snapshot?token={screen.token}")

    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert set(body) >= {"generated_at", "stale", "queues", "agents", "totals"}
    assert body["stale"] is True  # no poll or webhook has ever arrived
    by_name = {q["name"]: q for q in body["queues"]}
    assert by_name["Sales"]["contacts_waiting"] == 1
    assert by_name["Sales"]["offered"] == 1
    assert by_name["Sales"]["longest_wait_s"] >= 30
    # Nothing answered or abandoned yet: ratios are no data (null), never 0.
    assert by_name["Sales"]["service_level_pct"] is None
    assert by_name["Sales"]["asa_s"] is None
    assert by_name["Sales"]["aht_s"] is None
    assert by_name["Quiet"]["id"] == quiet.pk
    assert by_name["Quiet"]["longest_wait_s"] is None
    assert by_name["Quiet"]["contacts_waiting"] == 0
    assert body["agents"] == [
        {
            "id": ann.pk,
            "name": "Ann",
            "team": "Blue",
            "team_id": team.pk,
            "state": "available",
            "idle_code": None,
            "state_since": body["agents"][0]["state_since"],
            "time_in_state_s": body["agents"][0]["time_in_state_s"],
        }
    ]
    assert body["agents"][0]["time_in_state_s"] >= 120
    assert body["totals"]["agents_logged_in"] == 1
    assert body["totals"]["agents_available"] == 1
    assert body["totals"]["agents_busy"] == 0
    assert body["totals"]["contacts_waiting"] == 1
    assert body["totals"]["service_level_pct"] is None


def test_a_signed_in_member_reads_the_snapshot_api_without_a_token(
    supervisor_client: Client, board: Board
) -> None:
    assert supervisor_client.get("/api/boards/front/snapshot").status_code == 200
    other = BoardFactory.create(organization=OrganizationFactory.create(), slug="theirs")
    assert other.pk
    assert supervisor_client.get("/api/boards/theirs/snapshot").status_code == 404


def test_editing_a_board_changes_the_layout_an_open_page_reloads_for(
    client: Client, board: Board, screen: Screen
) -> None:
    def layout() -> str:
        html = client.get(f"/tv/front/?token={screen.token}").content.decode()
        found = re.search(r'data-layout="([0-9a-f]+)"', html)
        assert found is not None
        return found.group(1)

    before = layout()
    assert layout() == before  # figures may move; the layout does not
    TileFactory.create(page=board.pages.get(), metric="offered")
    assert layout() != before


def test_agents_on_hold_is_no_data_while_ingestion_stores_no_hold_state(
    client: Client, board: Board, screen: Screen
) -> None:
    tile = TileFactory.create(page=board.pages.get(), metric="agents_on_hold")
    html = client.get(f"/tv/front/?token={screen.token}").content.decode()
    found = re.search(rf'id="tile-{tile.pk}".*?<div class="tile-value">(.*?)</div>', html, re.S)
    assert found is not None
    assert found.group(1) == "\u2014"
