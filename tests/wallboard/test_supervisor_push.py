"""The supervisor pages' websocket over the real Redis channel layer: what a page shows on
connect, then only the rows a change alters, computed once per change per org; a member of
another org is refused a queue's socket; signed-out sockets are closed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import ClientConnection

from oauth.models import Organization
from tests.fixtures.factories import MembershipFactory
from tests.wallboard.supervisor_floor import Floor, add_task, build_floor
from wallboard import presence
from wallboard.live import push_change, refresh_org
from wxcc.models import AgentSession, AgentState, TaskStatus
from wxcc.signals import LiveStateChange

pytestmark = pytest.mark.django_db(transaction=True)
OOB_ID = re.compile(r'<(?:tr|div|p) id="([a-z0-9-]+)"[^>]*hx-swap-oob="(?:true|delete)"')


def oob_ids(html: str) -> set[str]:
    return set(OOB_ID.findall(html))


def session_cookie(org: Organization) -> tuple[str, str]:
    membership = MembershipFactory.create(organization=org)
    client = Client()
    client.force_login(membership.user)
    return ("cookie", f"sessionid={client.cookies['sessionid'].value}")


async def socket(base_url: str, path: str, *headers: tuple[str, str]) -> ClientConnection:
    url = base_url.replace("http://", "ws://") + path
    return await websockets.connect(url, origin="http://127.0.0.1", additional_headers=headers)  # type: ignore[arg-type]


async def receive(ws: ClientConnection, timeout_s: float = 10) -> str:
    return str(await asyncio.wait_for(ws.recv(), timeout_s))


async def receive_all(ws: ClientConnection) -> str:
    """Every message that arrives together (rows and other fragments come as two)."""
    html = await receive(ws)
    while True:
        try:
            html += await receive(ws, timeout_s=0.5)
        except TimeoutError:
            return html


async def close_code(ws: ClientConnection, timeout_s: float = 5) -> int:
    await asyncio.wait_for(ws.wait_closed(), timeout_s)
    return int(ws.close_code or 0)


@pytest.fixture
async def floor() -> Floor:
    return await database_sync_to_async(build_floor)(agents=6, now=timezone.now())


@pytest.fixture
async def agents_socket(floor: Floor, live_asgi: str) -> AsyncIterator[ClientConnection]:
    cookie = await database_sync_to_async(session_cookie)(floor.org)
    ws = await socket(live_asgi, "/ws/supervisor/?view=agents", cookie)
    yield ws
    await ws.close()


async def test_the_agents_page_socket_sends_every_agent_row_on_connect(
    agents_socket: ClientConnection, floor: Floor
) -> None:
    html = await receive_all(agents_socket)

    assert oob_ids(html) == {f"agent-{a.pk}" for a in floor.agents} | {"supervisor-status"}
    presence_rows = await database_sync_to_async(presence.listening_boards)(floor.org.pk)
    assert presence_rows[presence.SUPERVISOR] == 1


async def test_an_agent_state_change_pushes_only_that_agents_row(
    agents_socket: ClientConnection, floor: Floor
) -> None:
    await receive_all(agents_socket)
    agent = floor.agents[0]

    def goes_to_lunch() -> Any:
        AgentSession.objects.filter(agent=agent).update(
            state=AgentState.IDLE, idle_code="Lunch", state_since=timezone.now()
        )
        return push_change(LiveStateChange.of(floor.org.pk, agent_ids=[agent.pk]))

    report = await database_sync_to_async(goes_to_lunch)()
    html = await receive_all(agents_socket)

    assert f"agent-{agent.pk}" in report.supervisor_sent
    assert {f for f in oob_ids(html) if f.startswith("agent-")} == {f"agent-{agent.pk}"}
    assert '<span class="state state-idle">Idle</span> <span class="idle-code">Lunch</span>' in html


async def test_an_agent_logging_out_deletes_the_row(
    agents_socket: ClientConnection, floor: Floor
) -> None:
    await receive_all(agents_socket)
    agent = floor.agents[1]

    def logs_out() -> Any:
        AgentSession.objects.filter(agent=agent).update(
            logout_at=timezone.now(), state=AgentState.LOGGED_OUT
        )
        return push_change(LiveStateChange.of(floor.org.pk, agent_ids=[agent.pk]))

    await database_sync_to_async(logs_out)()
    html = await receive_all(agents_socket)

    assert f'<tr id="agent-{agent.pk}" hx-swap-oob="delete"></tr>' in html


async def test_a_change_that_alters_nothing_shown_sends_only_the_status(
    agents_socket: ClientConnection, floor: Floor
) -> None:
    await receive_all(agents_socket)
    report = await database_sync_to_async(push_change)(
        LiveStateChange.of(floor.org.pk, agent_ids=[floor.agents[2].pk])
    )
    # The row re-rendered identically; the status line carries the server's clock.
    assert report.supervisor_sent == ["supervisor-status"]


async def test_a_contact_arriving_updates_the_queue_row_and_its_waiting_list(
    floor: Floor, live_asgi: str
) -> None:
    queue = floor.queues[0]
    cookie = await database_sync_to_async(session_cookie)(floor.org)
    ws = await socket(live_asgi, f"/ws/supervisor/queues/{queue.pk}/", cookie)
    first = await receive_all(ws)
    assert {f"queue-{queue.pk}", f"queue-{queue.pk}-waiting", "queue-center"} <= oob_ids(first)

    def a_contact_arrives() -> Any:
        add_task(floor, queue=queue, now=timezone.now(), status=TaskStatus.QUEUED, arrived_s_ago=5)
        return push_change(LiveStateChange.of(floor.org.pk, queue_ids=[queue.pk]))

    report = await database_sync_to_async(a_contact_arrives)()
    html = await receive_all(ws)
    await ws.close()

    assert report.boards_rendered == 0  # no board: the supervisor page alone was computed for
    assert {f"queue-{queue.pk}", f"queue-{queue.pk}-waiting", "queue-center"} <= oob_ids(html)
    assert f"queue-{floor.queues[1].pk}" not in oob_ids(html)
    assert html.count('<tr id="waiting-') == 1


async def test_the_timer_moves_rolling_queue_figures_for_open_supervisor_pages(
    agents_socket: ClientConnection, floor: Floor
) -> None:
    await receive_all(agents_socket)
    queue = floor.queues[0]

    def an_hour_later() -> Any:
        now = timezone.now()
        add_task(floor, queue=queue, now=now, status=TaskStatus.QUEUED, arrived_s_ago=5)
        push_change(LiveStateChange.of(floor.org.pk, queue_ids=[queue.pk]), now=now)
        return refresh_org(floor.org.pk, now=now + timedelta(minutes=20))

    report = await database_sync_to_async(an_hour_later)()

    # The 15-minute window no longer holds the contact: the queue's row changed.
    assert f"queue-{queue.pk}" in report.supervisor_sent


async def test_another_orgs_member_cannot_open_a_queues_socket(
    floor: Floor, live_asgi: str
) -> None:
    other = await database_sync_to_async(build_floor)(agents=1, now=timezone.now())
    stranger = await database_sync_to_async(session_cookie)(other.org)

    ws = await socket(live_asgi, f"/ws/supervisor/queues/{floor.queues[0].pk}/", stranger)
    assert await close_code(ws) == 4404


async def test_pushes_reach_only_the_changed_orgs_supervisors(floor: Floor, live_asgi: str) -> None:
    other = await database_sync_to_async(build_floor)(agents=1, now=timezone.now())
    theirs = await socket(
        live_asgi,
        "/ws/supervisor/?view=agents",
        await database_sync_to_async(session_cookie)(other.org),
    )
    ours = await socket(
        live_asgi,
        "/ws/supervisor/?view=agents",
        await database_sync_to_async(session_cookie)(floor.org),
    )
    await receive_all(theirs)
    await receive_all(ours)

    def state_changes() -> Any:
        AgentSession.objects.filter(agent=floor.agents[0]).update(
            state=AgentState.WRAPUP, state_since=timezone.now()
        )
        return push_change(LiveStateChange.of(floor.org.pk, agent_ids=[floor.agents[0].pk]))

    await database_sync_to_async(state_changes)()
    assert f"agent-{floor.agents[0].pk}" in oob_ids(await receive_all(ours))
    with pytest.raises(TimeoutError):
        await receive(theirs, timeout_s=1)
    await theirs.close()
    await ours.close()


async def test_a_signed_out_socket_is_closed(live_asgi: str) -> None:
    ws = await socket(live_asgi, "/ws/supervisor/?view=agents")
    assert await close_code(ws) == 4401


def waiting_in_row(html: str, queue_id: int | str) -> int:
    row = re.search(rf'<tr id="queue-{queue_id}".*?<td class="num[^"]*">(\d+)</td>', html, re.S)
    assert row is not None, f"no row of queue {queue_id}"
    return int(row.group(1))


async def test_a_change_while_no_supervisor_page_is_open_shows_when_one_opens(
    floor: Floor, live_asgi: str
) -> None:
    """The supervisor figures are kept up to date only while a supervisor page listens: one
    kept from before must not be reused after changes nobody applied to it (the queues page
    showed a queue's row from before, beside a centre row that a later push had corrected)."""
    queue = floor.queues[0]
    cookie = await database_sync_to_async(session_cookie)(floor.org)
    first_page = await socket(live_asgi, "/ws/supervisor/?view=queues", cookie)
    assert waiting_in_row(await receive_all(first_page), queue.pk) == 0
    await first_page.close()
    for _ in range(100):
        listening = await database_sync_to_async(presence.listening_boards)(floor.org.pk)
        if not listening[presence.SUPERVISOR]:
            break
        await asyncio.sleep(0.05)

    def a_contact_arrives_while_nobody_watches() -> None:
        add_task(floor, queue=queue, now=timezone.now(), status=TaskStatus.QUEUED, arrived_s_ago=5)
        push_change(LiveStateChange.of(floor.org.pk, queue_ids=[queue.pk]))

    await database_sync_to_async(a_contact_arrives_while_nobody_watches)()
    second_page = await socket(live_asgi, "/ws/supervisor/?view=queues", cookie)
    html = await receive_all(second_page)
    await second_page.close()

    assert waiting_in_row(html, queue.pk) == 1
    assert waiting_in_row(html, "center") == 1
