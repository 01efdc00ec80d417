"""Boards and tiles validate in `clean()`, so the admin now and the board editor later refuse
the same mistakes; threshold levels follow the pure rules in `wallboard.tiles`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wallboard_factories import BoardFactory, BoardPageFactory, ScreenFactory
from tests.fixtures.wxcc_factories import QueueFactory, TeamFactory
from wallboard.models import Board, Screen, Tile
from wallboard.services import demo_board_ensure
from wallboard.tiles import (
    Colour,
    Direction,
    ThresholdError,
    ThresholdLevel,
    level_for,
    parse_thresholds,
)
from wallboard.tokens import token_digest


def tile_errors(org: Organization, **fields: Any) -> dict[str, list[str]]:
    page = BoardPageFactory.create(board=BoardFactory.create(organization=org))
    tile = Tile(page=page, **fields)
    with pytest.raises(ValidationError) as raised:
        tile.full_clean()
    return raised.value.message_dict


def test_a_metric_tile_needs_a_metric(org: Organization) -> None:
    assert "metric" in tile_errors(org, kind="metric", metric="")


def test_contacts_waiting_cannot_be_scoped_to_a_team(org: Organization) -> None:
    team = TeamFactory.create(organization=org)
    assert "scope" in tile_errors(org, metric="contacts_waiting", scope="team", team=team)


def test_a_queue_scope_names_a_queue_of_the_boards_org(org: Organization) -> None:
    assert "queue" in tile_errors(org, metric="offered", scope="queue")
    foreign = QueueFactory.create(organization=OrganizationFactory.create())
    assert "queue" in tile_errors(org, metric="offered", scope="queue", queue=foreign)


@pytest.mark.parametrize(
    "thresholds",
    [
        [{"value": 1, "colour": "red"}] * 4,
        [{"value": 10, "colour": "red"}, {"value": 5, "colour": "amber"}],
        [{"value": 10, "colour": "pink"}],
        [{"value": "10", "colour": "red"}],
        [{"value": 10, "colour": "red", "flash": "yes"}],
        {"value": 10},
    ],
)
def test_unusable_threshold_levels_are_refused(org: Organization, thresholds: Any) -> None:
    assert "thresholds" in tile_errors(org, metric="contacts_waiting", thresholds=thresholds)


def test_service_level_levels_fall_because_lower_is_worse(org: Organization) -> None:
    page = BoardPageFactory.create(board=BoardFactory.create(organization=org))
    tile = Tile(
        page=page,
        metric="service_level",
        thresholds=[
            {"value": 80, "colour": "amber"},
            {"value": 60, "colour": "red", "flash": True},
        ],
    )
    tile.full_clean()
    assert tile.direction is Direction.BELOW
    assert level_for(55.0, tile.levels(), direction=tile.direction) == ThresholdLevel(
        60.0, Colour.RED, True
    )
    assert level_for(90.0, tile.levels(), direction=tile.direction) is None
    assert level_for(None, tile.levels(), direction=tile.direction) is None


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=3, unique=True))
def test_the_level_reached_is_the_most_severe_one_at_or_below_the_value(
    values: list[float],
) -> None:
    levels = parse_thresholds(
        [{"value": v, "colour": "red"} for v in sorted(values)], direction=Direction.ABOVE
    )
    top = max(values)
    assert level_for(top, levels, direction=Direction.ABOVE) == levels[-1]
    below_all = min(values) - 1
    assert level_for(below_all, levels, direction=Direction.ABOVE) is None


def test_too_many_levels_name_the_limit() -> None:
    with pytest.raises(ThresholdError, match="at most 3"):
        parse_thresholds(
            [{"value": i, "colour": "red"} for i in range(4)], direction=Direction.ABOVE
        )


def test_a_board_rotating_faster_than_five_seconds_is_refused(org: Organization) -> None:
    board = Board(organization=org, name="Fast", slug="fast", rotation_s=2)
    with pytest.raises(ValidationError) as raised:
        board.full_clean()
    assert "rotation_s" in raised.value.message_dict


def test_an_unknown_time_zone_is_refused(org: Organization) -> None:
    board = Board(organization=org, name="Z", slug="z", time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as raised:
        board.full_clean()
    assert "time_zone" in raised.value.message_dict


def test_a_display_token_is_stored_encrypted_and_found_by_its_digest(org: Organization) -> None:
    screen = ScreenFactory.create(board=BoardFactory.create(organization=org))
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM wallboard_screen WHERE id = %s", [screen.pk])
        (ciphertext,) = cursor.fetchone()
    assert screen.token not in ciphertext
    assert Screen.objects.get(token_digest=token_digest(screen.token)).pk == screen.pk


def test_the_demo_board_is_created_once_and_keeps_its_tv_link(org: Organization) -> None:
    board, token = demo_board_ensure(org=org)
    again, same_token = demo_board_ensure(org=org)
    assert again.pk == board.pk
    assert same_token == token
    assert board.pages.count() == 3
    assert Screen.objects.filter(board=board).count() == 1
