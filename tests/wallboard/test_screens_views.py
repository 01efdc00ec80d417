"""The screens page: admins create a display link per screen, see which are connected and
when each was last seen, copy the TV address, and revoke a link; other orgs get 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oauth.models import Membership, Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wallboard_factories import BoardFactory, ScreenFactory
from wallboard import presence
from wallboard.models import Board, Screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(org: Organization) -> Board:
    return BoardFactory.create(organization=org, slug="lobby", name="Lobby")


def test_an_admin_creates_a_display_link_and_sees_its_tv_address(
    admin_client: Client, board: Board
) -> None:
    response = admin_client.post(
        reverse("wallboard:screens"), {"name": "Reception TV", "board": board.pk}
    )

    assert response.status_code == 302
    screen = Screen.objects.get(board=board, name="Reception TV")
    page = admin_client.get(reverse("wallboard:screens"))
    html = page.content.decode()
    assert f"http://testserver/tv/lobby/?token={screen.token}" in html
    assert "Not connected" in html
    assert page["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "data",
    [{"name": "", "board": "1"}, {"name": "TV", "board": "abc"}, {"name": "x" * 101, "board": "1"}],
)
def test_bad_input_is_a_400_with_the_error_beside_the_field(
    admin_client: Client, board: Board, data: dict[str, str]
) -> None:
    data = {**data, "board": str(board.pk) if data["board"] == "1" else data["board"]}
    response = admin_client.post(reverse("wallboard:screens"), data)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Screen.objects.exists()


def test_another_orgs_board_cannot_get_a_link(admin_client: Client) -> None:
    theirs = BoardFactory.create()
    response = admin_client.post(reverse("wallboard:screens"), {"name": "TV", "board": theirs.pk})
    assert response.status_code == 400
    assert not Screen.objects.exists()


def test_connected_screens_and_last_seen_are_shown(admin_client: Client, board: Board) -> None:
    live = ScreenFactory.create(board=board, name="Live TV", last_seen_at=timezone.now())
    ScreenFactory.create(
        board=board, name="Old TV", last_seen_at=timezone.now() - timedelta(hours=3)
    )
    presence.touch(board.organization_id, presence.Connection(board.pk, live.pk, "chan-1"))

    html = admin_client.get(reverse("wallboard:screens")).content.decode()

    live_row = html[html.index(f'id="screen-{live.pk}"') :].split("</tr>")[0]
    assert "Connected" in live_row
    old_row = html[html.index("Old TV") :].split("</tr>")[0]
    assert "Not connected" in old_row
    assert "3\xa0hours ago" in old_row


def test_revoking_a_link_marks_it_revoked_and_hides_its_address(
    admin_client: Client, board: Board
) -> None:
    screen = ScreenFactory.create(board=board)
    response = admin_client.post(reverse("wallboard:screen_revoke", args=[screen.pk]))

    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.revoked_at is not None
    html = admin_client.get(reverse("wallboard:screens")).content.decode()
    assert "Revoked" in html
    assert screen.token not in html


def test_supervisors_get_403_on_screens(supervisor_client: Client, board: Board) -> None:
    screen = ScreenFactory.create(board=board)
    assert supervisor_client.get(reverse("wallboard:screens")).status_code == 403
    response = supervisor_client.post(reverse("wallboard:screen_revoke", args=[screen.pk]))
    assert response.status_code == 403
    assert Screen.objects.get(pk=screen.pk).revoked_at is None


def test_another_orgs_admin_sees_none_of_our_screens_and_cannot_revoke(board: Board) -> None:
    screen = ScreenFactory.create(board=board, name="Our TV")
    membership: Membership = MembershipFactory.create(
        organization=OrganizationFactory.create(), admin=True
    )
    other = Client()
    other.force_login(membership.user)

    assert "Our TV" not in other.get(reverse("wallboard:screens")).content.decode()
    assert other.post(reverse("wallboard:screen_revoke", args=[screen.pk])).status_code == 404
    assert Screen.objects.get(pk=screen.pk).revoked_at is None


def test_the_screens_page_costs_the_same_queries_for_1_or_30_screens(
    admin_client: Client,
    board: Board,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    ScreenFactory.create(board=board)
    url = reverse("wallboard:screens")
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    for _ in range(29):
        ScreenFactory.create(board=BoardFactory.create(organization=board.organization))
    with django_assert_num_queries(len(few.captured_queries)):
        admin_client.get(url)
