"""Writes for boards: display links (create, revoke) and the demo's board."""

from __future__ import annotations

import logging
from datetime import datetime

from channels.layers import get_channel_layer
from django.db import transaction

from oauth.models import Organization
from wallboard.board_fanout import REVOKED_TYPE
from wallboard.channel_layer import run_send
from wallboard.keys import screen_group
from wallboard.models import Board, BoardPage, Screen, Tile
from wallboard.tiles import TileKind
from wallboard.tokens import new_token, token_digest

logger = logging.getLogger(__name__)


def screen_create(*, board: Board, name: str) -> tuple[Screen, str]:
    """A new display link for `board`; returns it with its token (also kept encrypted)."""
    token = new_token()
    screen = Screen.objects.create(
        board=board, name=name, token=token, token_digest=token_digest(token)
    )
    logger.info(
        "event=screen_created org_id=%s board_id=%s screen_id=%s",
        board.organization_id,
        board.pk,
        screen.pk,
    )
    return screen, token


def screen_revoke(*, screen: Screen, now: datetime) -> bool:
    """Revoke a display link and close its open sockets (once the revocation commits).
    Returns whether it was still active."""
    updated = Screen.objects.filter(pk=screen.pk, revoked_at__isnull=True).update(revoked_at=now)
    screen.revoked_at = screen.revoked_at or now
    transaction.on_commit(lambda: close_group_sockets(screen_group(screen.pk)))
    logger.info("event=screen_revoked screen_id=%s board_id=%s", screen.pk, screen.board_id)
    return updated > 0


def close_group_sockets(group: str) -> None:
    """Close every open socket of a screen's or a board's group. The consumer's handler for
    a revoked link closes with 4403: the TV shows that its link no longer works and does
    not reconnect. A board's group has the web processes' fan-out channels as members
    (`wallboard.board_fanout`), which close their sockets of the group it names."""
    layer = get_channel_layer()
    assert layer is not None
    run_send(lambda: layer.group_send(group, {"type": REVOKED_TYPE, "group": group}))


DEMO_BOARD_SLUG = "demo"
DEMO_SCREEN_NAME = "Demo TV"

# (metric, period, thresholds): the demo's overview page.
_DEMO_TILES: tuple[tuple[str, str, list[dict[str, object]]], ...] = (
    (
        "contacts_waiting",
        "today",
        [{"value": 3, "colour": "amber"}, {"value": 6, "colour": "red", "flash": True}],
    ),
    (
        "longest_wait",
        "today",
        [{"value": 30, "colour": "amber"}, {"value": 60, "colour": "red", "flash": True}],
    ),
    ("service_level", "today", [{"value": 80, "colour": "amber"}, {"value": 60, "colour": "red"}]),
    ("abandon_rate", "today", [{"value": 5, "colour": "amber"}, {"value": 10, "colour": "red"}]),
    ("offered", "today", []),
    ("answered", "today", []),
    ("asa", "today", [{"value": 20, "colour": "amber"}, {"value": 40, "colour": "red"}]),
    ("aht", "today", []),
    ("agents_logged_in", "today", []),
    ("agents_available", "today", [{"value": 1, "colour": "amber"}, {"value": 0, "colour": "red"}]),
    ("agents_connected", "today", []),
    ("occupancy", "60m", []),
)


@transaction.atomic
def demo_board_ensure(*, org: Organization) -> tuple[Board, str]:
    """The demo's board and its TV link, created once: a second run returns the same board
    and the same (still valid) token."""
    board, created = Board.objects.get_or_create(
        organization=org, slug=DEMO_BOARD_SLUG, defaults={"name": "Contact center overview"}
    )
    if created:
        overview = BoardPage.objects.create(board=board, position=0, title="Overview")
        for position, (metric, period, thresholds) in enumerate(_DEMO_TILES):
            tile = Tile(
                page=overview,
                position=position,
                metric=metric,
                period=period,
                thresholds=thresholds,
            )
            tile.full_clean()
            tile.save()
        queues = BoardPage.objects.create(board=board, position=1, title="Queues")
        Tile.objects.create(page=queues, kind=TileKind.QUEUES_TABLE.value, width=4)
        agents = BoardPage.objects.create(board=board, position=2, title="Agents")
        Tile.objects.create(page=agents, kind=TileKind.AGENTS_LIST.value, width=4)
    screen = (
        Screen.objects.filter(board=board, name=DEMO_SCREEN_NAME, revoked_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if screen is not None:
        return board, screen.token
    _, token = screen_create(board=board, name=DEMO_SCREEN_NAME)
    return board, token
