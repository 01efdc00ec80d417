"""The supervisor pages' websocket: a signed-in member of an org joins the org's supervisor
group, is sent what the page shows at once (so nothing changed between page load and
connect is missed), then every fragment the push renders. A queue drill-down's socket names
its queue, which must be the member's org's (else closed 4404, like a page's 404)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from wallboard import presence
from wallboard.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_SERVER_ERROR,
    CLOSE_UNAUTHORIZED,
    ListeningSocketConsumer,
)
from wallboard.keys import supervisor_group
from wallboard.live import current_snapshot
from wallboard.supervisor import push, selectors
from wxcc.models import Queue

logger = logging.getLogger(__name__)


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def member_org(user: Any, queue_id: int | None) -> tuple[int, str]:
    """(org id, org time zone) of a signed-in member who may watch; `Refused` otherwise."""
    if user is None or not user.is_authenticated:
        raise Refused(CLOSE_UNAUTHORIZED, "sign in to see the supervisor pages")
    try:
        org = user.membership.organization
    except ObjectDoesNotExist:
        raise Refused(CLOSE_FORBIDDEN, "not a member of any contact center") from None
    if queue_id is not None and not Queue.objects.filter(organization=org, pk=queue_id).exists():
        raise Refused(CLOSE_NOT_FOUND, "no such queue")
    return org.pk, org.timezone


class SupervisorConsumer(ListeningSocketConsumer):
    pushed_types = frozenset({"supervisor.update"})
    kind = "supervisor"

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        queue_id = int(kwargs["queue_id"]) if "queue_id" in kwargs else None
        query = parse_qs(self.scope.get("query_string", b"").decode())
        view = query.get("view", ["queue" if queue_id is not None else "queues"])[0]
        try:
            org_id, zone = await database_sync_to_async(member_org)(
                self.scope.get("user"), queue_id
            )
        except Refused as refused:
            logger.info(
                "event=supervisor_socket_refused code=%s reason=%s", refused.code, refused.reason
            )
            # Accepted, then closed with a code, so htmx does not keep retrying.
            await self.accept()
            await self.close(code=refused.code)
            return
        self.org_id = org_id
        await self.join_groups([supervisor_group(org_id)])
        await self.accept()
        self.connection = presence.Connection(presence.SUPERVISOR, None, self.channel_name)
        try:
            await database_sync_to_async(self.seen)()
            htmls = await database_sync_to_async(self._initial)(zone, view, queue_id)
        except Exception:
            logger.exception("event=supervisor_socket_failed org_id=%s", org_id)
            await self.close(code=CLOSE_SERVER_ERROR)
            return
        for html in htmls:
            await self.send(text_data=html)
        self.start_listening()

    def _initial(self, zone: str, view: str, queue_id: int | None) -> list[str]:
        """What the page shows: every agent row (agents), the queue rows (queues), or the
        queue's row, waiting list and agents (a drill-down)."""
        assert self.org_id is not None
        now = timezone.now()
        snapshot = current_snapshot(self.org_id, selectors.supervisor_profile(zone), now=now)
        agent_ids: list[str] | None = []
        queue_ids: list[str] | None = []
        if queue_id is not None:
            agent_ids, _ = selectors.eligible_agent_ids(
                org_id=self.org_id, queue_id=queue_id, snapshot=snapshot
            )
            queue_ids = [str(queue_id)]
        elif view == "agents":
            agent_ids = None
        else:
            queue_ids = None
        rendered = push.fragments(
            self.org_id, snapshot, agent_ids=agent_ids, queue_ids=queue_ids, now=now
        )
        push.remember_sent(self.org_id, rendered)
        return push.messages(rendered)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Read-only: whatever a client sends is ignored."""

    async def supervisor_update(self, event: dict[str, Any]) -> None:
        await self.send(text_data=str(event["html"]))
