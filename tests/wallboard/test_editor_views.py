"""The board editor's pages: admins only (supervisors 403, another org's board 404), saving
keeps tiles by id, the preview renders without saving, htmx rows, delete, query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oauth.models import Membership, Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wallboard_factories import BoardFactory, BoardPageFactory, TileFactory
from tests.fixtures.wxcc_factories import QueueFactory, TaskFactory, TeamFactory
from tests.wallboard.editor_data import editor_post
from wallboard.models import Board, BoardPage, QueueSettings, Tile
from wxcc.models import TaskStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(org: Organization) -> Board:
    board = BoardFactory.create(organization=org, slug="lobby", name="Lobby")
    page = BoardPageFactory.create(board=board, position=0, title="Overview")
    TileFactory.create(
        page=page,
        metric="longest_wait",
        thresholds=[{"value": 30, "colour": "amber"}, {"value": 60, "colour": "red"}],
    )
    return board


def edit_post(board: Board, **kwargs: Any) -> dict[str, Any]:
    """The edit form as the page renders it for `board` (one page, its tiles), changed."""
    tiles = list(Tile.objects.filter(page__board=board).order_by("position"))
    rows = kwargs.pop("tiles", None) or [
        {"tile_id": str(t.pk), "metric": t.metric, **_levels(t)} for t in tiles
    ]
    return editor_post(
        name=board.name,
        slug=None,
        tiles=rows,
        initial_pages=kwargs.pop("initial_pages", 1),
        initial_tiles=len(tiles),
        **kwargs,
    )


def _levels(tile: Tile) -> dict[str, Any]:
    levels: dict[str, Any] = {}
    for n, level in enumerate(tile.thresholds, start=1):
        levels[f"level{n}_value"] = str(level["value"])
        levels[f"level{n}_colour"] = level["colour"]
    return levels


def test_an_admin_creates_a_board_with_pages_tiles_and_queues(
    admin_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org, name="Sales")
    team = TeamFactory.create(organization=org)
    data = editor_post(
        name="Sales floor",
        slug="",
        pages=["Overview", "Sales"],
        tiles=[
            {"metric": "service_level", "level1_value": "80", "level1_colour": "amber"},
            {"page_number": "2", "scope": "queue", "queue": str(queue.pk), "width": "2"},
        ],
        queues=[str(queue.pk)],
        teams=[str(team.pk)],
        time_zone="Europe/Paris",
    )
    response = admin_client.post(reverse("wallboard:board_new"), data)

    assert response.status_code == 302
    board = Board.objects.get(organization=org, slug="sales-floor")
    assert response["Location"] == reverse("wallboard:board_edit", args=["sales-floor"])
    assert list(board.queues.all()) == [queue]
    assert list(board.teams.all()) == [team]
    assert board.time_zone == "Europe/Paris"
    assert [p.title for p in board.pages.all()] == ["Overview", "Sales"]
    tiles = list(Tile.objects.filter(page__board=board).order_by("position"))
    assert [(t.page.title, t.metric, t.queue_id, t.width) for t in tiles] == [
        ("Overview", "service_level", None, 1),
        ("Sales", "contacts_waiting", queue.pk, 2),
    ]
    assert tiles[0].thresholds == [{"value": 80.0, "colour": "amber"}]


def test_a_bad_post_shows_the_error_beside_the_field_with_a_400(
    admin_client: Client, org: Organization
) -> None:
    data = editor_post(time_zone="Nowhere/Special", tiles=[{"level1_value": "5"}])
    response = admin_client.post(reverse("wallboard:board_new"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved: fix the fields marked in red below." in html
    assert 'aria-describedby="id_time_zone-error"' in html
    time_zone_error = html[html.index('id="id_time_zone-error"') :].split("</span></span>")[0]
    assert "is not a known time zone" in time_zone_error
    assert 'id="id_tiles-0-level1_colour-error"' in html
    assert not Board.objects.filter(organization=org).exists()


def test_saving_an_edit_keeps_the_tile_and_changes_its_threshold(
    admin_client: Client, board: Board
) -> None:
    tile = Tile.objects.get(page__board=board)
    data = edit_post(
        board,
        tiles=[
            {
                "tile_id": str(tile.pk),
                "metric": "longest_wait",
                "level1_value": "10",
                "level1_colour": "amber",
                "level2_value": "20",
                "level2_colour": "red",
                "level2_flash": "on",
            },
            {"metric": "offered", "period": "15m"},
        ],
    )
    response = admin_client.post(reverse("wallboard:board_edit", args=["lobby"]), data)

    assert response.status_code == 302
    kept = Tile.objects.get(pk=tile.pk)
    assert kept.thresholds == [
        {"value": 10.0, "colour": "amber"},
        {"value": 20.0, "colour": "red", "flash": True},
    ]
    assert Tile.objects.filter(page__board=board).count() == 2


def test_removing_a_tile_and_a_page_deletes_them(admin_client: Client, board: Board) -> None:
    tile = Tile.objects.get(page__board=board)
    BoardPageFactory.create(board=board, position=1, title="Spare")
    data = edit_post(board, pages=["Overview", "Spare"], initial_pages=2)
    data["tiles-0-DELETE"] = "on"
    data["pages-1-DELETE"] = "on"
    response = admin_client.post(reverse("wallboard:board_edit", args=["lobby"]), data)

    assert response.status_code == 302
    assert not Tile.objects.filter(pk=tile.pk).exists()
    assert [p.title for p in BoardPage.objects.filter(board=board)] == ["Overview"]


def test_a_tile_id_of_another_board_is_not_taken_over(
    admin_client: Client, board: Board, org: Organization
) -> None:
    other = TileFactory.create(page=BoardPageFactory.create(board=BoardFactory.create()))
    data = edit_post(board, tiles=[{"tile_id": str(other.pk), "metric": "handled"}])
    response = admin_client.post(reverse("wallboard:board_edit", args=["lobby"]), data)

    assert response.status_code == 302
    assert Tile.objects.get(pk=other.pk).metric == "contacts_waiting"
    assert list(Tile.objects.filter(page__board=board).values_list("metric", flat=True)) == [
        "handled"
    ]


def test_the_edit_page_shows_the_saved_levels(admin_client: Client, board: Board) -> None:
    response = admin_client.get(reverse("wallboard:board_edit", args=["lobby"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="tiles-0-level2_value" value="60.0"' in html or (
        'name="tiles-0-level2_value" value="60"' in html
    )
    assert 'id="board-preview"' in html


def test_the_preview_renders_the_posted_board_without_saving(
    admin_client: Client, board: Board
) -> None:
    tile = Tile.objects.get(page__board=board)
    data = edit_post(
        board,
        tiles=[
            {
                "tile_id": str(tile.pk),
                "metric": "contacts_waiting",
                "level1_value": "0",
                "level1_colour": "red",
                "level1_flash": "on",
                "label": "Waiting now",
            }
        ],
    )
    response = admin_client.post(reverse("wallboard:board_preview", args=["lobby"]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Waiting now" in html
    assert "level-red flash" in html
    assert Tile.objects.get(pk=tile.pk).metric == "longest_wait"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_an_invalid_preview_lists_what_to_fix(admin_client: Client, board: Board) -> None:
    data = edit_post(board, columns="12")
    response = admin_client.post(reverse("wallboard:board_preview", args=["lobby"]), data)
    assert response.status_code == 400
    assert "Fix these to see the preview" in response.content.decode()


def test_a_new_boards_preview_needs_no_saved_board(admin_client: Client, org: Organization) -> None:
    response = admin_client.post(
        reverse("wallboard:board_new_preview"), editor_post(name="Draft", slug="draft")
    )
    assert response.status_code == 200
    assert "Draft" in response.content.decode()
    assert not Board.objects.exists()


def test_add_tile_returns_the_next_row_and_the_new_form_count(admin_client: Client) -> None:
    response = admin_client.get(reverse("wallboard:editor_tile_row"), {"tiles-TOTAL_FORMS": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="tiles-2-metric"' in html
    assert 'name="tiles-TOTAL_FORMS" value="3"' in html
    assert 'hx-swap-oob="true"' in html


@pytest.mark.parametrize("count", ["", "abc", "-1", "48", "99999999999999999999"])
def test_add_tile_past_the_limit_or_with_a_bad_count_is_a_400(
    admin_client: Client, count: str
) -> None:
    response = admin_client.get(reverse("wallboard:editor_tile_row"), {"tiles-TOTAL_FORMS": count})
    assert response.status_code == 400


def test_add_page_returns_the_next_row(admin_client: Client) -> None:
    response = admin_client.get(reverse("wallboard:editor_page_row"), {"pages-TOTAL_FORMS": "1"})
    assert 'name="pages-1-title"' in response.content.decode()


def test_deleting_a_board_asks_first_then_deletes(admin_client: Client, board: Board) -> None:
    url = reverse("wallboard:board_delete", args=["lobby"])
    assert "cannot be undone" in admin_client.get(url).content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Board.objects.filter(pk=board.pk).exists()


def test_only_admins_see_the_edit_links(
    admin_client: Client, supervisor_client: Client, board: Board
) -> None:
    edit = reverse("wallboard:board_edit", args=["lobby"])
    assert edit in admin_client.get(reverse("wallboard:board_list")).content.decode()
    assert edit not in supervisor_client.get(reverse("wallboard:board_list")).content.decode()


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "wallboard:board_new", []),
        ("get", "wallboard:board_edit", ["lobby"]),
        ("post", "wallboard:board_edit", ["lobby"]),
        ("post", "wallboard:board_preview", ["lobby"]),
        ("get", "wallboard:board_delete", ["lobby"]),
        ("post", "wallboard:board_delete", ["lobby"]),
        ("get", "wallboard:editor_tile_row", []),
    ],
)
def test_a_supervisor_may_view_but_not_edit(
    supervisor_client: Client, board: Board, method: str, name: str, args: list[str]
) -> None:
    response = getattr(supervisor_client, method)(reverse(name, args=args))
    assert response.status_code == 403
    assert (
        supervisor_client.get(reverse("wallboard:board_detail", args=["lobby"])).status_code == 200
    )
    assert Board.objects.filter(pk=board.pk).exists()


@pytest.fixture
def other_admin() -> Client:
    membership: Membership = MembershipFactory.create(
        organization=OrganizationFactory.create(), admin=True
    )
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "wallboard:board_edit"),
        ("post", "wallboard:board_edit"),
        ("post", "wallboard:board_preview"),
        ("get", "wallboard:board_delete"),
        ("post", "wallboard:board_delete"),
    ],
)
def test_another_orgs_admin_gets_404_on_this_orgs_board(
    other_admin: Client, board: Board, method: str, name: str
) -> None:
    response = getattr(other_admin, method)(reverse(name, args=["lobby"]), edit_post(board))
    assert response.status_code == 404
    assert Board.objects.filter(pk=board.pk).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, board: Board) -> None:
    response = client.get(reverse("wallboard:board_edit", args=["lobby"]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def _add_tiles(board: Board, count: int, org: Organization) -> None:
    page = board.pages.get()
    queue = QueueFactory.create(organization=org)
    for _ in range(count):
        TileFactory.create(page=page, metric="offered", scope="queue", queue=queue)


def test_the_edit_page_costs_the_same_queries_for_1_or_20_tiles(
    admin_client: Client,
    board: Board,
    org: Organization,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    url = reverse("wallboard:board_edit", args=["lobby"])
    _add_tiles(board, 1, org)
    with django_assert_max_num_queries(20) as few:
        assert admin_client.get(url).status_code == 200
    _add_tiles(board, 19, org)
    with django_assert_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200


def test_saving_costs_the_same_queries_for_1_or_20_unchanged_tiles_plus_one_write_each(
    admin_client: Client, board: Board, org: Organization, django_assert_max_num_queries: Any
) -> None:
    url = reverse("wallboard:board_edit", args=["lobby"])
    with django_assert_max_num_queries(40) as one:
        assert admin_client.post(url, edit_post(board)).status_code == 302
    _add_tiles(board, 19, org)
    data = edit_post(
        board,
        tiles=[
            {"tile_id": str(t.pk), "metric": t.metric, "scope": t.scope, "queue": t.queue_id or ""}
            for t in Tile.objects.filter(page__board=board).order_by("position")
        ],
    )
    # One UPDATE per tile; reading the board, its pages, tiles, queues and teams stays flat.
    with django_assert_max_num_queries(len(one.captured_queries) + 19):
        assert admin_client.post(url, data).status_code == 302


def test_saving_a_queues_t_overrides_wxccs_and_blank_removes_it(
    admin_client: Client, board: Board, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org, service_level_threshold_s=20)
    url = reverse("wallboard:board_edit", args=["lobby"])

    admin_client.post(url, edit_post(board, **{f"sl-t_{queue.pk}": "45"}))
    assert QueueSettings.objects.get(queue=queue).service_level_threshold_s == 45
    admin_client.post(url, edit_post(board, **{f"sl-t_{queue.pk}": ""}))
    assert QueueSettings.objects.get(queue=queue).service_level_threshold_s is None


def test_the_preview_counts_service_level_with_the_unsaved_t(
    admin_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org, name="Sales", service_level_threshold_s=20)
    now = timezone.now()
    # Answered after 30 s: outside T = 20 s, inside T = 60 s.
    TaskFactory.create(
        organization=org,
        queue=queue,
        created_at=now - timedelta(seconds=60),
        queue_at=now - timedelta(seconds=60),
        queued_at=now - timedelta(seconds=60),
        connected_at=now - timedelta(seconds=30),
        status=TaskStatus.CONNECTED,
        status_at=now - timedelta(seconds=30),
    )
    tile = {"metric": "service_level", "scope": "queue", "queue": str(queue.pk)}
    url = reverse("wallboard:board_new_preview")

    def service_level(t_s: str) -> str:
        data = {**editor_post(tiles=[tile]), f"sl-t_{queue.pk}": t_s}
        html = admin_client.post(url, data).content.decode()
        found = re.search(r'<div class="tile-value">([^<]*)</div>', html)
        assert found is not None, html
        return found.group(1)

    assert service_level("") == "0 %"
    assert service_level("60") == "100 %"
    assert not QueueSettings.objects.filter(queue=queue).exists()


NASTY_VALUES = ["\x00", "9" * 40, "-1e308"]


@pytest.mark.parametrize("value", NASTY_VALUES)
def test_no_field_of_the_editor_can_cause_a_500(
    admin_client: Client, board: Board, org: Organization, value: str
) -> None:
    """Every posted field, one at a time, set to a hostile value: a clear 4xx or a save."""
    queue = QueueFactory.create(organization=org)
    base = edit_post(board)
    fields = [*base, f"sl-t_{queue.pk}", "tiles-0-tile_id", "pages-0-DELETE", "tiles-0-DELETE"]
    statuses = set()
    for field in fields:
        data = {**base, field: value}
        for name in ("wallboard:board_edit", "wallboard:board_preview"):
            response = admin_client.post(reverse(name, args=["lobby"]), data)
            statuses.add(response.status_code)
            assert response.status_code < 500, (field, name)
    assert 400 in statuses


def test_the_preview_costs_the_same_queries_for_1_or_20_tiles(
    admin_client: Client,
    org: Organization,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    queue = QueueFactory.create(organization=org)
    url = reverse("wallboard:board_new_preview")
    tile = {"metric": "offered", "scope": "queue", "queue": str(queue.pk)}
    admin_client.post(url, editor_post(tiles=[tile]))  # builds and stores the snapshot once

    with django_assert_max_num_queries(25) as one:
        assert admin_client.post(url, editor_post(tiles=[tile])).status_code == 200
    with django_assert_num_queries(len(one.captured_queries)):
        assert admin_client.post(url, editor_post(tiles=[tile] * 20)).status_code == 200
