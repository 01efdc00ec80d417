"""The beat tick and presence: freshness changes reach open boards without a data change,
rolling figures move on a timer, last-seen writes are throttled, and ingestion's signal
reaches the push path (whose failures never reach ingestion)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import QueueFactory, SyncStatusFactory
from wallboard import presence
from wallboard.live import full_board_html, refresh_org, tick
from wallboard.models import Board, Screen
from wallboard.specs import board_specs
from wxcc.signals import LiveStateChange, live_state_changed, send_now


@pytest.fixture
def watched_board(org: Organization) -> Board:
    board = BoardFactory.create(organization=org)
    TileFactory.create(page=BoardPageFactory.create(board=board), metric="offered", period="15m")
    presence.touch(org.pk, presence.Connection(board.pk, None, "test-channel"))
    full_board_html(board_specs(org_id=org.pk, board_ids=[board.pk])[0])
    return board


def test_a_new_poll_reaches_open_boards_on_the_next_tick(
    org: Organization, watched_board: Board
) -> None:
    SyncStatusFactory.create(organization=org, last_poll_ok_at=timezone.now())
    report = refresh_org(org.pk)
    assert report.fragments_sent[watched_board.pk] == ["board-status"]
    assert report.rebuilt == []


def test_rolling_figures_are_recomputed_once_they_are_old_enough(
    org: Organization, watched_board: Board, settings: object
) -> None:
    later = timezone.now() + timedelta(minutes=1)
    report = refresh_org(org.pk, now=later)
    assert report.boards_rendered == 1
    assert report.rebuilt == []  # refreshed, not rebuilt


def test_the_tick_visits_only_orgs_with_open_boards(
    org: Organization, watched_board: Board
) -> None:
    assert org.pk in presence.active_org_ids()
    assert tick() >= 1
    presence.leave(org.pk, presence.Connection(watched_board.pk, None, "test-channel"))
    assert presence.listening_boards(org.pk) == {}
    assert refresh_org(org.pk).boards_rendered == 0


def test_last_seen_is_written_at_most_once_per_throttle_period(org: Organization) -> None:
    screen = ScreenFactory.create(board=BoardFactory.create(organization=org))
    first = timezone.now()
    assert presence.record_seen(screen.pk, now=first)
    assert not presence.record_seen(screen.pk, now=first + timedelta(seconds=1))
    assert Screen.objects.get(pk=screen.pk).last_seen_at == first


def test_the_wallboard_listens_to_ingestions_signal(
    org: Organization, watched_board: Board
) -> None:
    uids = {entry[0][0] for entry in live_state_changed.receivers}
    assert "wallboard.live.on_live_state_changed" in uids


def test_a_push_failure_never_reaches_ingestion(
    org: Organization, watched_board: Board, caplog: pytest.LogCaptureFixture
) -> None:
    queue = QueueFactory.create(organization=org)
    # A board whose time zone cannot be loaded breaks the computation, not the sender.
    Board.objects.filter(pk=watched_board.pk).update(time_zone="Not/AZone")
    send_now(LiveStateChange.of(org.pk, queue_ids=[queue.pk]))
    assert f"event=board_push_failed org_id={org.pk}" in caplog.text
