"""Supervisor fragments and their push: agent rows (`agent-<id>`), queue rows
(`queue-<id>`), a queue's waiting list (`queue-<id>-waiting`) and the status line, rendered
by the same partials as the pages, compared with what the org's supervisor group was last
sent (fingerprints in Redis) and sent as one message. Called by `wallboard.live` with the
snapshot it already brought up to date, so each change is computed once per org."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string

from oauth.models import Organization
from wallboard import keys
from wallboard import selectors as board_selectors
from wallboard.channel_layer import run_send
from wallboard.metrics import CenterSnapshot
from wallboard.redis_client import get_redis
from wallboard.rendering import epoch_ms, fingerprint
from wallboard.sent import COMPARE_AND_SET_LUA, changed_ids
from wallboard.specs import MetricsProfile, Names, org_names
from wallboard.supervisor import rows, selectors
from wallboard.supervisor.rows import AgentRow, QueueRow

TEMPLATE = "supervisor/_rows.html"
# Text the browser ticks itself (time in state, waits) from its data-tick-since timestamp:
# left out of fingerprints, so a row is not re-sent only because a second passed.
_TICKING_TEXT = re.compile(r'(data-tick-since="\d*">)[^<]*')
STATUS_FRAGMENT_ID = "supervisor-status"


def org_profile(org_id: int) -> MetricsProfile:
    """The org's supervisor profile. One query."""
    zone = Organization.objects.filter(pk=org_id).values_list("timezone", flat=True).first()
    return selectors.supervisor_profile(zone or "UTC")


def render_partial(name: str, context: Mapping[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#{name}", dict(context))


def agent_row_html(row: AgentRow, *, oob: bool) -> str:
    return render_partial("agent-row", {"agent": row, "oob": oob})


def queue_row_html(row: QueueRow, *, oob: bool, center: bool = False) -> str:
    return render_partial("queue-row", {"queue": row, "oob": oob, "center": center})


def build_agent_rows(
    org_id: int, snapshot: CenterSnapshot, names: Names, agent_ids: Collection[str] | None
) -> list[AgentRow]:
    """Rows of the given agents (None: every logged-in agent). Two queries."""
    ids = rows.logged_in_agent_ids(snapshot) if agent_ids is None else list(agent_ids)
    return rows.agent_rows(
        snapshot,
        names,
        agent_ids=ids,
        contacts=selectors.current_contacts(org_id=org_id, agent_ids=agent_ids),
        performance=selectors.performance_today(
            org_id=org_id, snapshot=snapshot, agent_ids=agent_ids
        ),
    )


def status_html(org_id: int, *, now: datetime, oob: bool) -> str:
    """When the org's data last arrived, ticked into "N s ago" by the browser. One query."""
    data_at = board_selectors.freshness(org_id=org_id).data_at
    return render_partial(
        "status",
        {"data_at_ms": epoch_ms(data_at), "server_now_ms": epoch_ms(now), "oob": oob},
    )


def fragments(
    org_id: int,
    snapshot: CenterSnapshot,
    *,
    agent_ids: Collection[str] | None,
    queue_ids: Collection[str] | None,
    now: datetime,
) -> dict[str, str]:
    """Fragment id -> HTML: the named agents' rows (None: every logged-in agent; a row that
    logged out is deleted), the named queues' rows and waiting lists with the center's row
    when any is named (None: every queue's row), and the status line. A constant number of
    queries."""
    agent_list = None if agent_ids is None else sorted(agent_ids)
    names = org_names(
        org_id=org_id,
        agent_ids=rows.logged_in_agent_ids(snapshot) if agent_list is None else agent_list,
    )
    out: dict[str, str] = {}
    if agent_list is None or agent_list:
        built = {r.id: r for r in build_agent_rows(org_id, snapshot, names, agent_list)}
        for agent_id in agent_list if agent_list is not None else built:
            row = built.get(agent_id)
            out[f"agent-{agent_id}"] = (
                agent_row_html(row, oob=True)
                if row is not None
                else render_partial("agent-gone", {"agent_id": agent_id})
            )
    wanted = None if queue_ids is None else set(queue_ids)
    if wanted is None or wanted:
        for queue in rows.queue_rows(snapshot, names):
            if wanted is None or queue.id in wanted:
                out[queue.fragment_id] = queue_row_html(queue, oob=True)
        out["queue-center"] = queue_row_html(
            rows.queue_row("", "All queues", snapshot), oob=True, center=True
        )
    for queue_id in sorted(wanted or ()):
        if queue_id.isdigit():
            waiting = selectors.waiting_contacts(org_id=org_id, queue_id=int(queue_id), now=now)
            out[f"queue-{queue_id}-waiting"] = render_partial(
                "waiting", {"queue_id": queue_id, "waiting": waiting, "oob": True}
            )
    out[STATUS_FRAGMENT_ID] = status_html(org_id, now=now, oob=True)
    return out


def push(
    org_id: int,
    snapshot: CenterSnapshot,
    *,
    agent_ids: Collection[int],
    queue_ids: Collection[int] | None,
    now: datetime,
) -> list[str]:
    """Render what a change touched (`queue_ids` None: every queue's row, as the timer's
    rolling windows move), send what differs from what was last sent; returns the fragment
    ids sent."""
    rendered = fragments(
        org_id,
        snapshot,
        agent_ids=[str(a) for a in agent_ids],
        queue_ids=None if queue_ids is None else [str(q) for q in queue_ids],
        now=now,
    )
    changed = compare_and_set(org_id, rendered)
    if changed:
        sent = messages({i: rendered[i] for i in changed})
        try:
            run_send(lambda: _group_send(org_id, sent))
        except Exception:
            # Nobody got it: the next push compares with nothing and sends it all again.
            get_redis().delete(keys.supervisor_sent(org_id))
            raise
    return changed


def messages(rendered: Mapping[str, str]) -> list[str]:
    """The fragments as websocket messages: table rows in one, everything else in another.
    A browser parses a message as one fragment, and rows beside a <div> would be parsed in
    table context (the <div>'s contents spilled out of it)."""
    table_rows = "".join(html for html in rendered.values() if html.lstrip().startswith("<tr"))
    others = "".join(html for html in rendered.values() if not html.lstrip().startswith("<tr"))
    return [message for message in (table_rows, others) if message]


def row_fingerprint(html: str) -> str:
    return fingerprint(_TICKING_TEXT.sub(r"\1", html))


def compare_and_set(org_id: int, rendered: Mapping[str, str]) -> list[str]:
    """The fragment ids whose HTML differs from what the group was last sent. One round trip."""
    args: list[Any] = [int(settings.WALLBOARD_SNAPSHOT_TTL_S)]
    for fragment_id, html in rendered.items():
        args.extend((fragment_id, row_fingerprint(html)))
    ids = get_redis().eval(COMPARE_AND_SET_LUA, 1, keys.supervisor_sent(org_id), *args)
    return changed_ids(ids)


def remember_sent(org_id: int, rendered: Mapping[str, str]) -> None:
    """What a new connection was sent is what the next push compares with, where nothing
    was recorded yet (older viewers have what was)."""
    pipe = get_redis().pipeline(transaction=False)
    for fragment_id, html in rendered.items():
        pipe.hsetnx(keys.supervisor_sent(org_id), fragment_id, row_fingerprint(html))
    pipe.expire(keys.supervisor_sent(org_id), int(settings.WALLBOARD_SNAPSHOT_TTL_S))
    pipe.execute()


async def _group_send(org_id: int, htmls: list[str]) -> None:
    layer = get_channel_layer()
    assert layer is not None
    for html in htmls:
        await layer.group_send(
            keys.supervisor_group(org_id), {"type": "supervisor.update", "html": html}
        )
