"""The board's websocket: one consumer per connection, authorized in `connect()`, joined to
the board's group (and its screen's, so revoking the link closes it), sent the full board at
once, then every update the push path renders for the board.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from wallboard import board_fanout, listeners, presence
from wallboard.access import BoardAccessDenied, Viewer, authorize
from wallboard.keys import board_group, screen_group
from wallboard.live import full_board_html
from wallboard.specs import board_specs

logger = logging.getLogger(__name__)

# Close codes the browser sees (4000-4999 are the application's). htmx's websocket extension
# reconnects only after abnormal closes (1006, 1011-1013), so a refused or revoked screen
# stays closed.
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_SERVER_ERROR = 1011


def _close_code(denied: BoardAccessDenied) -> int:
    return {401: CLOSE_UNAUTHORIZED, 404: CLOSE_NOT_FOUND}.get(denied.status, CLOSE_FORBIDDEN)


class PushedSocketConsumer(AsyncWebsocketConsumer):
    """A websocket consumer whose pushed messages (`pushed_types`) are handled without the
    database.

    Channels closes stale database connections before handling any message, on the one
    thread the process keeps for synchronous code. A push to a hundred boards then queued a
    hundred hops on that thread, each board's update behind the others', and all of them
    behind whatever page the thread was serving (a PDF report: seconds). The consumers here
    reach the database only through `database_sync_to_async`, which closes stale connections
    itself, so pushed messages skip the hop."""

    pushed_types: ClassVar[frozenset[str]] = frozenset()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] in self.pushed_types:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)


class ListeningSocketConsumer(PushedSocketConsumer):
    """A connection that listens to an org's pushes: it joins its groups, is counted in the
    org's presence (so the push renders for it) and renewed by its process's beat
    (`wallboard.listeners`) while open, and undoes both when it closes."""

    # The word for this kind of connection in log events (`<kind>_presence_failed`).
    kind: ClassVar[str] = "socket"
    org_id: int | None = None
    connection: presence.Connection | None = None
    groups_joined: list[str] | None = None
    left: bool = False

    async def join_groups(self, groups: list[str]) -> None:
        self.groups_joined = []
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    def seen(self) -> None:
        """Presence: this connection listens now (called once it is open; the process's
        beat renews it after that)."""
        assert self.org_id is not None
        assert self.connection is not None
        presence.touch(self.org_id, self.connection)

    def memberships(self) -> tuple[tuple[str, str], ...]:
        """The (group, channel) memberships the process's beat renews for this socket."""
        return tuple((group, self.channel_name) for group in self.groups_joined or ())

    def start_listening(self) -> None:
        assert self.org_id is not None
        assert self.connection is not None
        listeners.listen(self, listeners.Listener(self.org_id, self.connection, self.memberships()))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """The socket leaves however it ends. Channels calls `disconnect` only when the
        client goes; a consumer whose own channel read failed (Redis restarted) ends without
        it, and its process would otherwise keep it: renewed as listening by the beat, and
        sent every update by the board fan-out."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.disconnect(CLOSE_SERVER_ERROR)

    async def disconnect(self, code: int) -> None:
        """Each step is tried whatever became of the one before: a Redis error at that moment
        costs only its own step (memberships and presence also expire by themselves). Once
        only (`__call__` calls it again when the consumer ends)."""
        if self.left:
            return
        self.left = True
        async with await listeners.leaving(self):
            await self.leave_groups()
            if self.org_id is not None and self.connection is not None:
                try:
                    await database_sync_to_async(presence.leave)(self.org_id, self.connection)
                except Exception:
                    logger.warning("event=%s_presence_leave_failed", self.kind, exc_info=True)

    async def leave_groups(self) -> None:
        for group in self.groups_joined or ():
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("event=%s_group_discard_failed", self.kind, exc_info=True)


class BoardConsumer(ListeningSocketConsumer):
    """A TV's socket. Its board's updates come through the process's fan-out
    (`wallboard.board_fanout`), which sends them on this socket; its own channel is in its
    screen's group only (revocation)."""

    kind = "board"
    viewer: Viewer | None = None
    # Set once the full board is sent: updates pushed before wait for it, so none is lost
    # between rendering the board and joining its group, and none arrives before it.
    board_sent: asyncio.Event | None = None

    async def connect(self) -> None:
        slug = str(self.scope["url_route"]["kwargs"]["slug"])
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = query["token"][0] if "token" in query else None
        try:
            self.viewer = await database_sync_to_async(authorize)(
                slug, token=token, user=self.scope.get("user")
            )
        except BoardAccessDenied as denied:
            logger.info(
                "event=board_socket_refused status=%s reason=%s", denied.status, denied.reason
            )
            # Accepted then closed, so the browser sees why (a refused handshake is an
            # abnormal close, which htmx would keep retrying).
            await self.accept()
            await self.close(code=_close_code(denied))
            return
        viewer = self.viewer
        self.org_id = viewer.org_id
        self.board_sent = asyncio.Event()
        # Should anything below raise, `__call__` still leaves the fan-out and the groups.
        await board_fanout.join(board_group(viewer.board.pk), self)
        if viewer.screen is not None:
            await self.join_groups([screen_group(viewer.screen.pk)])
        await self.accept()
        self.connection = presence.Connection(
            viewer.board.pk, viewer.screen.pk if viewer.screen else None, self.channel_name
        )
        try:
            await database_sync_to_async(self.seen)()
            html = await database_sync_to_async(self._full_board)()
        except Exception:
            # 1011: the browser's htmx retries with back-off; nothing half-drawn is sent.
            logger.exception("event=board_socket_failed board_id=%s", viewer.board.pk)
            await self.close(code=CLOSE_SERVER_ERROR)
            self.board_sent.set()
            return
        await self.send(text_data=html)
        self.board_sent.set()
        self.start_listening()

    def _full_board(self) -> str:
        assert self.viewer is not None
        spec = board_specs(org_id=self.viewer.org_id, board_ids=[self.viewer.board.pk])[0]
        return full_board_html(spec)

    def seen(self) -> None:
        super().seen()
        assert self.viewer is not None
        if self.viewer.screen is not None:
            presence.record_seen(self.viewer.screen.pk, now=timezone.now())

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Boards are read-only: whatever a client sends is ignored."""

    async def pushed(self, html: str) -> None:
        """An update of this board (`wallboard.board_fanout`)."""
        if self.board_sent is not None and not self.board_sent.is_set():
            await self.board_sent.wait()
        await self.send(text_data=html)

    async def leave_groups(self) -> None:
        if self.viewer is not None:
            try:
                await board_fanout.leave(board_group(self.viewer.board.pk), self)
            except Exception:
                logger.warning("event=board_fanout_leave_failed", exc_info=True)
        await super().leave_groups()

    async def screen_revoked(self, event: dict[str, Any]) -> None:
        await self.revoked()

    async def revoked(self) -> None:
        """The link was revoked or the board deleted: the TV says so and stays closed."""
        await self.close(code=CLOSE_FORBIDDEN)
