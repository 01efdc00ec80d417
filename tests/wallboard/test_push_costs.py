"""The push path costs the same number of queries and Redis round trips whatever the org's
size: a change in one queue reads only what changed, renders each listening board once."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio.connection
import redis.connection
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.wallboard_factories import BoardFactory, BoardPageFactory, TileFactory
from tests.fixtures.wxcc_factories import (
    AgentFactory,
    AgentSessionFactory,
    AgentStateChangeFactory,
    QueueFactory,
    TaskFactory,
    TeamFactory,
)
from wallboard import presence
from wallboard.live import PushReport, full_board_html, push_change
from wallboard.models import Board, Tile
from wallboard.specs import board_specs
from wxcc.models import Queue, TaskStatus
from wxcc.signals import LiveStateChange

# Budgets for one change, whatever the org's size (see the README's "Live push").
PUSH_QUERY_BUDGET = 16
PUSH_REDIS_ROUND_TRIPS = 7


class RoundTrips:
    """Counts commands (or pipelines) sent to Redis by this process's sync clients."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def redis_round_trips(monkeypatch: pytest.MonkeyPatch) -> RoundTrips:
    counter = RoundTrips()
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        counter.count += 1
        original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return counter


@pytest.fixture
def channel_layer_config(settings: Any) -> Iterator[Callable[..., None]]:
    """Give the channel layer other CONFIG values for one test (a fresh layer is built from
    them, and again from the real settings afterwards)."""
    from channels.layers import channel_layers

    def configure(**config: Any) -> None:
        layers = copy.deepcopy(settings.CHANNEL_LAYERS)
        layers["default"]["CONFIG"].update(config)
        settings.CHANNEL_LAYERS = layers
        channel_layers.backends.clear()

    yield configure
    channel_layers.backends.clear()


def grow(org: Organization, *, queues: int, agents_per_queue: int, tasks_per_queue: int) -> Queue:
    now = timezone.now()
    first = None
    for q in range(queues):
        queue = QueueFactory.create(organization=org)
        first = first or queue
        team = TeamFactory.create(organization=org)
        for _ in range(agents_per_queue):
            agent = AgentFactory.create(organization=org, team=team)
            session = AgentSessionFactory.create(
                organization=org, agent=agent, team=team, state_since=now - timedelta(minutes=q)
            )
            AgentStateChangeFactory.create(session=session, at=now - timedelta(minutes=q))
        for t in range(tasks_per_queue):
            arrived = now - timedelta(minutes=t + 1)
            TaskFactory.create(
                organization=org,
                queue=queue,
                status=TaskStatus.ENDED if t % 2 else TaskStatus.QUEUED,
                created_at=arrived,
                queued_at=arrived,
                ended_at=arrived + timedelta(seconds=30) if t % 2 else None,
                status_at=arrived,
            )
    assert first is not None
    return first


def listening_board(org: Organization, queue: Queue) -> Board:
    board = BoardFactory.create(organization=org)
    page = BoardPageFactory.create(board=board)
    TileFactory.create(page=page, metric="contacts_waiting")
    TileFactory.create(page=page, metric="offered", scope="queue", queue=queue)
    TileFactory.create(page=page, kind="agents_list", metric="")
    TileFactory.create(page=page, kind="queues_table", metric="")
    presence.touch(org.pk, presence.Connection(board.pk, None, "test-channel"))
    full_board_html(board_specs(org_id=org.pk, board_ids=[board.pk])[0])
    return board


def measure(
    org: Organization,
    queue: Queue,
    assert_queries: Callable[..., Any],
    round_trips: RoundTrips,
) -> tuple[PushReport, int]:
    now = timezone.now()
    TaskFactory.create(organization=org, queue=queue, created_at=now, queued_at=now)
    agent = AgentFactory.create(organization=org)
    AgentSessionFactory.create(organization=org, agent=agent, state_since=now)
    change = LiveStateChange.of(org.pk, queue_ids=[queue.pk], agent_ids=[agent.pk])
    round_trips.count = 0
    with assert_queries(PUSH_QUERY_BUDGET):
        report = push_change(change)
    return report, round_trips.count


@pytest.mark.parametrize(("queues", "agents", "tasks"), [(2, 2, 4), (12, 6, 20)])
def test_one_change_costs_a_fixed_number_of_queries_and_round_trips(
    org: Organization,
    django_assert_max_num_queries: Callable[..., Any],
    redis_round_trips: RoundTrips,
    queues: int,
    agents: int,
    tasks: int,
) -> None:
    queue = grow(org, queues=queues, agents_per_queue=agents, tasks_per_queue=tasks)
    board = listening_board(org, queue)

    report, trips = measure(org, queue, django_assert_max_num_queries, redis_round_trips)

    assert report.rebuilt == []  # incremental: the stored snapshot was brought up to date
    assert report.boards_rendered == 1
    assert (
        f"tile-{board.pages.get().tiles.get(scope='queue').pk}" in report.fragments_sent[board.pk]
    )
    assert trips <= PUSH_REDIS_ROUND_TRIPS


def test_an_org_without_boards_costs_one_query(
    org: Organization, django_assert_num_queries: Callable[..., Any]
) -> None:
    """Its board specs (none). The change is counted in Redis, so a snapshot kept from an
    earlier visit reads as out of date (wallboard.snapshots.count_change)."""
    queue = QueueFactory.create(organization=org)
    with django_assert_num_queries(1):
        report = push_change(LiveStateChange.of(org.pk, queue_ids=[queue.pk]))
    assert report.boards_rendered == 0


def test_boards_showing_the_same_tiles_share_renders_and_each_gets_its_own_ids(
    org: Organization,
) -> None:
    from wallboard import selectors
    from wallboard.live import current_snapshot
    from wallboard.rendering import SharedRenders, agent_ids_to_name, render_fragments
    from wallboard.snapshots import EVERYTHING
    from wallboard.specs import org_names

    queue = grow(org, queues=2, agents_per_queue=2, tasks_per_queue=4)
    first, second = listening_board(org, queue), listening_board(org, queue)
    third = BoardFactory.create(organization=org, stale_after_s=300)  # another status
    TileFactory.create(page=BoardPageFactory.create(board=third), metric="contacts_waiting")
    specs = board_specs(org_id=org.pk, board_ids=[first.pk, second.pk, third.pk])
    now = timezone.now()
    snapshot = current_snapshot(org.pk, specs[0].profile, now=now)
    names = org_names(org_id=org.pk, agent_ids=agent_ids_to_name(specs, snapshot))
    freshness = selectors.freshness(org_id=org.pk)

    def render(spec: Any, shared: SharedRenders | None) -> dict[str, str]:
        return render_fragments(
            spec, snapshot, names, freshness=freshness, dirty=EVERYTHING, now=now, shared=shared
        )

    shared = SharedRenders()
    together = {spec.id: render(spec, shared) for spec in specs}
    alone = {spec.id: render(spec, None) for spec in specs}

    assert together == alone
    for spec in specs:
        for tile in spec.tiles:
            assert f'id="{tile.fragment_id}"' in together[spec.id][tile.fragment_id]
    assert together[first.pk]["board-status"] != together[third.pk]["board-status"]


def test_a_long_agents_list_goes_side_by_side_only_on_a_tile_wide_enough_for_two(
    org: Organization,
) -> None:
    grow(org, queues=2, agents_per_queue=10, tasks_per_queue=0)  # 20 agents logged in
    board = BoardFactory.create(organization=org, columns=4)
    page = BoardPageFactory.create(board=board)
    half = TileFactory.create(page=page, kind="agents_list", metric="", width=2)
    wide = TileFactory.create(page=page, kind="agents_list", metric="", width=3)
    (spec,) = board_specs(org_id=org.pk, board_ids=[board.pk])
    articles = full_board_html(spec).split("<article ")

    def tile_html(tile: Tile) -> str:
        (found,) = [a for a in articles if a.startswith(f'id="tile-{tile.pk}"')]
        return found

    # Half the board: one column, every agent in it.
    assert tile_html(half).count('<table class="tile-table agents') == 1
    assert tile_html(half).count("-agent-") == 20
    # Three quarters or more: two columns of ten.
    assert tile_html(wide).count('<table class="tile-table agents') == 2


def test_the_send_costs_the_same_round_trips_for_one_board_or_many(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every board's HTML goes out as one channel-layer message per web process
    (`BoardChannelLayer.send_each_group`), not one send per board, over a connection kept
    from one push to the next (`run_send`), not opened for each."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from wallboard.keys import board_group

    sends = RoundTrips()
    connects = RoundTrips()
    connection_class = redis.asyncio.connection.AbstractConnection
    original_send = connection_class.send_packed_command
    original_connect = connection_class.connect

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sends.count += 1
        await original_send(self, command, check_health)

    async def counting_connects(self: Any) -> None:
        if not self.is_connected:
            connects.count += 1
        await original_connect(self)

    monkeypatch.setattr(connection_class, "send_packed_command", counting)
    monkeypatch.setattr(connection_class, "connect", counting_connects)
    queue = grow(org, queues=2, agents_per_queue=1, tasks_per_queue=2)
    layer = get_channel_layer()
    process = f"specific.{uuid.uuid4().hex}"  # a web process of its own
    trips: list[int] = []
    for board_count in (1, 1, 6):  # the first push may connect; the others must not
        for n in range(board_count - len(Board.objects.filter(organization=org))):
            board = listening_board(org, queue)
            async_to_sync(layer.group_add)(board_group(board.pk), f"{process}!{board.pk}-{n}")
        TaskFactory.create(organization=org, queue=queue, created_at=timezone.now())
        sends.count = connects.count = 0
        report = push_change(LiveStateChange.of(org.pk, queue_ids=[queue.pk]))
        assert len(report.fragments_sent) == board_count
        trips.append(sends.count)

    assert trips[1] == trips[2]
    assert connects.count == 0


def test_a_push_dropped_by_a_full_inbox_is_sent_again(
    org: Organization, channel_layer_config: Callable[..., None]
) -> None:
    """A web process whose inbox is full loses that push; the fingerprints must not claim
    its viewers have it, or a figure that does not change again would stay wrong."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from wallboard import keys
    from wallboard.channel_layer import run_send
    from wallboard.keys import board_group
    from wallboard.redis_client import get_redis

    channel_layer_config(capacity=1, prefix=f"wb:test-{uuid.uuid4().hex}")  # groups of its own
    queue = grow(org, queues=1, agents_per_queue=1, tasks_per_queue=2)
    board = listening_board(org, queue)
    layer = get_channel_layer()
    viewer = f"specific.{uuid.uuid4().hex}!viewer"  # an inbox of its own, empty
    async_to_sync(layer.group_add)(board_group(board.pk), viewer)
    change = LiveStateChange.of(org.pk, queue_ids=[queue.pk])

    def push_new_contact() -> PushReport:
        TaskFactory.create(organization=org, queue=queue, created_at=timezone.now())
        return push_change(change)

    push_new_contact()  # fills the viewer's inbox (nobody reads it)
    assert get_redis().exists(keys.sent(board.pk))
    dropped = push_new_contact()
    assert dropped.fragments_sent[board.pk]
    assert not get_redis().exists(keys.sent(board.pk))

    run_send(layer.flush)  # the viewer reads again (on the loop the push sends from)
    now = timezone.now()
    # Nothing changed since the dropped push, and yet what it carried is sent again...
    assert push_change(change, now=now).fragments_sent.get(board.pk)
    # ...once: the fingerprints are back.
    assert push_change(change, now=now).fragments_sent.get(board.pk) is None


def test_a_push_whose_send_failed_is_sent_again(
    org: Organization, channel_layer_config: Callable[..., None]
) -> None:
    """Redis for the channel layer is unreachable when the push sends: nobody got it, so the
    fingerprints must not claim its viewers have it."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from tests.fixtures.servers import free_port
    from wallboard import keys
    from wallboard.redis_client import get_redis

    queue = grow(org, queues=1, agents_per_queue=1, tasks_per_queue=2)
    board = listening_board(org, queue)
    channel_layer_config(hosts=[f"redis://127.0.0.1:{free_port()}/0"])  # nobody listens
    TaskFactory.create(organization=org, queue=queue, created_at=timezone.now())
    with pytest.raises(RedisConnectionError):
        push_change(LiveStateChange.of(org.pk, queue_ids=[queue.pk]))
    assert not get_redis().exists(keys.sent(board.pk))
