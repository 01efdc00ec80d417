"""Board specs are kept per process between pushes and read again after any edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oauth.models import Organization
from tests.fixtures.wallboard_factories import BoardFactory, BoardPageFactory, TileFactory
from tests.fixtures.wxcc_factories import QueueFactory
from wallboard.models import Board, Tile
from wallboard.spec_cache import cached_board_specs


def labels(org: Organization) -> list[list[str]]:
    return [[t.label for t in spec.tiles] for spec in cached_board_specs(org_id=org.pk)]


def test_a_second_read_costs_no_query_and_any_edit_is_read_again(
    org: Organization, django_assert_num_queries: Callable[..., Any]
) -> None:
    board = BoardFactory.create(organization=org, time_zone="")  # the org's zone
    tile = TileFactory.create(
        page=BoardPageFactory.create(board=board), label="Waiting", position=0
    )
    assert labels(org) == [["Waiting"]]
    with django_assert_num_queries(0):
        assert labels(org) == [["Waiting"]]

    tile.label = "In queue"
    tile.save()
    assert labels(org) == [["In queue"]]

    TileFactory.create(page=tile.page, label="Longest", position=9)
    assert labels(org) == [["In queue", "Longest"]]

    Tile.objects.filter(pk=tile.pk).delete()  # a queryset delete sends the signals too
    assert labels(org) == [["Longest"]]

    queue = QueueFactory.create(organization=org)
    cached_board_specs(org_id=org.pk)
    board.queues.add(queue)
    assert [spec.queue_ids for spec in cached_board_specs(org_id=org.pk)] == [(queue.pk,)]

    org.timezone = "Europe/Paris"
    org.save(update_fields=["timezone"])
    assert [spec.zone_name for spec in cached_board_specs(org_id=org.pk)] == ["Europe/Paris"]

    Board.objects.filter(pk=board.pk).delete()
    assert cached_board_specs(org_id=org.pk) == []


@pytest.mark.django_db(transaction=True)
def test_specs_read_elsewhere_before_an_edit_commits_are_not_kept(org: Organization) -> None:
    """The token is dropped again once the edit commits, so what another connection read
    before the commit (under a token set meanwhile) is read again."""
    import threading

    from django.db import connection, transaction

    board = BoardFactory.create(organization=org)
    tile = TileFactory.create(page=BoardPageFactory.create(board=board), label="Waiting")
    seen_elsewhere: list[list[list[str]]] = []

    def another_connection() -> None:
        try:
            seen_elsewhere.append(labels(org))
        finally:
            connection.close()

    with transaction.atomic():
        tile.label = "In queue"
        tile.save()  # drops the token now
        reader = threading.Thread(target=another_connection)
        reader.start()
        reader.join(timeout=10)
    assert seen_elsewhere == [[["Waiting"]]]  # committed data, cached under a new token
    assert labels(org) == [["In queue"]]
