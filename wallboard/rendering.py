"""Board HTML: what each tile shows (view models from a snapshot), which tiles an update
touches, and the fragments themselves. The page and every websocket update render the same
partials of templates/wallboard/board.html, so they cannot drift.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string

from wallboard.metrics import NO_DATA, AgentState, CenterSnapshot, Period, display_pct, display_s
from wallboard.selectors import Freshness
from wallboard.snapshots import Dirty
from wallboard.specs import BoardSpec, Names, TileSpec
from wallboard.tiles import METRICS, PERIOD_LABELS, Direction, Scope, TileKind, tile_value

TEMPLATE = "wallboard/_board.html"
STATUS_FRAGMENT_ID = "board-status"

STATE_LABELS: Mapping[AgentState, str] = {
    AgentState.AVAILABLE: "Available",
    AgentState.IDLE: "Idle",
    AgentState.RESERVED: "Ringing",
    AgentState.CONNECTED: "Connected",
    AgentState.WRAPUP: "Wrap-up",
    AgentState.LOGGED_OUT: "Logged out",
}


def epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: str
    name: str
    team: str
    state: str
    state_label: str
    idle_code: str
    since_ms: int
    time_in_state: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    name: str
    waiting: int
    longest_wait: str
    oldest_ms: int | None
    offered: int
    answered: int
    abandoned: int
    service_level: str
    asa: str


# Past this many agents, the agents list splits into two columns, when the tile spans at
# least this share of the board's width (narrower, the second column was cut off: names,
# teams, states and times side by side twice need most of a TV's width).
AGENT_ROWS_PER_COLUMN = 16
AGENT_COLUMNS_MIN_WIDTH_SHARE = 0.75
# A table tile lists at most this many rows, which the TV pages through (board.js), a page
# every 10 s: past it, a full cycle would take minutes and every push would carry thousands
# of rows. Its caption then says how many are left out.
TABLE_MAX_ROWS = 240


@dataclass(frozen=True, slots=True)
class TileView:
    id: int
    fragment_id: str
    kind: str
    label: str
    caption: str
    width: int
    text: str = NO_DATA
    level_class: str = ""
    # The reached level's name ("Warning", "Alert"): the state in words, never colour alone.
    level_name: str = ""
    flash: bool = False
    tick_since_ms: int | None = None
    # JSON for the browser's ticker, which moves a ticking tile across its levels itself.
    levels_json: str = ""
    direction: str = Direction.ABOVE.value
    agents: tuple[AgentRow, ...] = ()
    agents_side_by_side: bool = False  # the tile is wide enough for two columns of agents
    queues: tuple[QueueRow, ...] = ()

    def agent_columns(self) -> tuple[tuple[AgentRow, ...], ...]:
        """The agents list as one column, or two side by side when it is long and the tile
        is wide, so a TV shows every agent at a readable size."""
        if not self.agents_side_by_side or len(self.agents) <= AGENT_ROWS_PER_COLUMN:
            return (self.agents,)
        half = (len(self.agents) + 1) // 2
        return (self.agents[:half], self.agents[half:])


# Names of a tile's threshold levels, most severe last, by how many levels it has.
_LEVEL_NAMES: Mapping[int, tuple[str, ...]] = {
    1: ("Alert",),
    2: ("Warning", "Alert"),
    3: ("Watch", "Warning", "Alert"),
}


def level_names(count: int) -> tuple[str, ...]:
    return _LEVEL_NAMES.get(count, ("Alert",) * count)


def _scope_name(tile: TileSpec, names: Names) -> str:
    if tile.scope is Scope.QUEUE and tile.scope_id:
        return names.queues.get(tile.scope_id, "queue")
    if tile.scope is Scope.TEAM and tile.scope_id:
        return names.teams.get(tile.scope_id, "team")
    return "All queues"


def board_queue_ids(board: BoardSpec, names: Names) -> list[str]:
    ids = [str(q) for q in board.queue_ids] if board.queue_ids else list(names.queues)
    return sorted(ids, key=lambda q: (names.queues.get(q, "").lower(), q))


def board_agent_ids(board: BoardSpec, snapshot: CenterSnapshot, tile: TileSpec | None) -> list[str]:
    """Logged-in agents a board (or an agents-list tile's scope) shows, in the order it lists
    them (`AgentTable.logged_in_ids`)."""
    teams = {str(t) for t in board.team_ids}
    if tile is not None and tile.scope is Scope.TEAM and tile.scope_id:
        teams = {tile.scope_id}
    elif tile is not None and tile.scope is Scope.QUEUE and tile.scope_id:
        teams = set(snapshot.config.queue_team_ids.get(tile.scope_id, frozenset()))
        if not teams:
            return []
    return snapshot.agents.logged_in_ids(teams or None)


def _agent_rows(
    board: BoardSpec, tile: TileSpec, snapshot: CenterSnapshot, names: Names
) -> tuple[tuple[AgentRow, ...], int]:
    """The rows of the first TABLE_MAX_ROWS agents the tile lists, and how many it lists in
    all (figures and names are needed only for those shown)."""
    listed = board_agent_ids(board, snapshot, tile)
    rows = []
    for agent_id in listed[:TABLE_MAX_ROWS]:
        agent = snapshot.agents[agent_id]
        rows.append(
            AgentRow(
                id=agent_id,
                name=names.agents.get(agent_id, agent_id),
                team=names.teams.get(agent.team_id or "", ""),
                state=agent.state.value,
                state_label=STATE_LABELS.get(agent.state, agent.state.value),
                idle_code=agent.idle_code or "",
                since_ms=epoch_ms(agent.state_since) or 0,
                time_in_state=display_s(agent.time_in_state_s(snapshot.now)),
            )
        )
    return tuple(rows), len(listed)


def _queue_rows(board: BoardSpec, snapshot: CenterSnapshot, names: Names) -> tuple[QueueRow, ...]:
    rows = []
    for queue_id in board_queue_ids(board, names):
        group = snapshot.queue(queue_id)
        today = group.periods[Period.TODAY]
        rows.append(
            QueueRow(
                id=queue_id,
                name=names.queues.get(queue_id, queue_id),
                waiting=group.contacts_waiting,
                longest_wait=display_s(group.longest_wait_s),
                oldest_ms=epoch_ms(group.oldest_waiting_since),
                offered=today.offered,
                answered=today.answered,
                abandoned=today.abandoned,
                service_level=display_pct(today.service_level(board.service_level_definition)),
                asa=display_s(today.asa_s),
            )
        )
    return tuple(rows)


def tile_view(board: BoardSpec, tile: TileSpec, snapshot: CenterSnapshot, names: Names) -> TileView:
    scope_name = _scope_name(tile, names)
    base: dict[str, Any] = {
        "id": tile.id,
        "fragment_id": tile.fragment_id,
        "kind": tile.kind.value,
        "width": tile.width,
    }
    if tile.kind is TileKind.AGENTS_LIST:
        agents, listed = _agent_rows(board, tile, snapshot, names)
        return TileView(
            **base,
            label=tile.label or "Agents",
            caption=_listed_caption(scope_name, listed, "agents"),
            agents=agents,
            agents_side_by_side=tile.width >= AGENT_COLUMNS_MIN_WIDTH_SHARE * board.columns,
        )
    if tile.kind is TileKind.QUEUES_TABLE:
        queues = _queue_rows(board, snapshot, names)
        return TileView(
            **base,
            label=tile.label or "Queues",
            caption=_listed_caption("today", len(queues), "queues"),
            queues=queues[:TABLE_MAX_ROWS],
        )
    assert tile.metric is not None
    spec = METRICS[tile.metric]
    value = tile_value(
        snapshot,
        metric=tile.metric,
        scope=tile.scope,
        scope_id=tile.scope_id,
        period=tile.period,
        service_level_definition=board.service_level_definition,
        levels=tile.levels,
        direction=tile.direction,
    )
    caption = scope_name if spec.live else f"{scope_name} · {PERIOD_LABELS[tile.period]}"
    level_labels = level_names(len(tile.levels))
    return TileView(
        **base,
        label=tile.label or spec.label,
        caption=caption,
        text=value.text,
        level_class=f"level-{value.level.colour.value}" if value.level else "",
        level_name=level_labels[tile.levels.index(value.level)] if value.level else "",
        flash=bool(value.level and value.level.flash),
        tick_since_ms=epoch_ms(value.tick_since),
        levels_json=json.dumps(
            [
                {"value": lv.value, "colour": lv.colour.value, "flash": lv.flash, "name": name}
                for lv, name in zip(tile.levels, level_labels, strict=True)
            ]
        )
        if spec.ticks
        else "",
        direction=tile.direction.value,
    )


def _listed_caption(caption: str, total: int, what: str) -> str:
    if total <= TABLE_MAX_ROWS:
        return caption
    return f"{caption} · first {TABLE_MAX_ROWS:,} of {total:,} {what}"


def tile_depends_on(tile: TileSpec, dirty: Dirty) -> bool:
    """Whether an update with these changes can alter the tile."""
    if dirty.everything:
        return True
    if tile.kind is TileKind.QUEUES_TABLE:
        return bool(dirty.queue_ids)
    if tile.kind is TileKind.AGENTS_LIST and tile.scope is Scope.CENTER:
        return dirty.agents or bool(dirty.team_ids)
    if tile.scope is Scope.QUEUE:
        return tile.scope_id in dirty.queue_ids
    if tile.scope is Scope.TEAM:
        return tile.scope_id in dirty.team_ids
    return not dirty.is_empty


@dataclass(frozen=True, slots=True)
class StatusView:
    fragment_id: str
    data_at_ms: int | None
    # The server's clock when rendered: the browser ticks "N s ago" against it (no skew), and
    # a status in every message tells it the socket is alive.
    server_now_ms: int
    stale_after_s: int
    stale: bool
    needs_reconsent: bool
    rate_limited: bool
    # The last poll failed (WxCC down or refusing): said as the reason when stale.
    poll_failing: bool
    # Changes when the board's pages or tiles are edited: an open page reloads itself.
    layout: str


def layout_version(board: BoardSpec) -> str:
    """A digest of the board's whole definition (not the figures): any edit in the board
    editor (name, zone, queues, pages, tiles...) makes an open page reload itself."""
    return fingerprint(repr(board))


def is_stale(freshness: Freshness, *, stale_after_s: float, now: datetime) -> bool:
    if freshness.needs_reconsent or freshness.data_at is None:
        return True
    return (now - freshness.data_at).total_seconds() > stale_after_s


def status_view(board: BoardSpec, freshness: Freshness, *, now: datetime) -> StatusView:
    return StatusView(
        fragment_id=STATUS_FRAGMENT_ID,
        data_at_ms=epoch_ms(freshness.data_at),
        server_now_ms=epoch_ms(now) or 0,
        stale_after_s=board.stale_after_s,
        layout=layout_version(board),
        stale=is_stale(freshness, stale_after_s=board.stale_after_s, now=now),
        needs_reconsent=freshness.needs_reconsent,
        rate_limited=freshness.rate_limited_until is not None
        and freshness.rate_limited_until > now,
        poll_failing=bool(freshness.last_error),
    )


def render_partial(name: str, context: Mapping[str, Any]) -> str:
    return render_to_string(f"{TEMPLATE}#{name}", dict(context))


class SharedRenders:
    """One push's renders, shared between boards: a tile whose view equals another board's
    tile but for its element id (the same figure on many boards), or a status equal but for
    the board's layout digest, is rendered once and the board's own id or digest put in.
    The stand-in is random per process, so no label a user types can collide with it."""

    _STAND_IN = f"wb{secrets.token_hex(8)}"

    def __init__(self) -> None:
        self._html: dict[TileView | StatusView, str] = {}

    def tile(self, view: TileView) -> str:
        key = replace(view, id=0, fragment_id=self._STAND_IN)
        html = self._html.get(key)
        if html is None:
            html = self._html[key] = render_partial("tile", {"tile": key, "oob": True})
        return html.replace(self._STAND_IN, view.fragment_id)

    def status(self, view: StatusView) -> str:
        key = replace(view, layout=self._STAND_IN)
        html = self._html.get(key)
        if html is None:
            html = self._html[key] = render_partial("status", {"status": key, "oob": True})
        return html.replace(self._STAND_IN, view.layout)


def render_fragments(
    board: BoardSpec,
    snapshot: CenterSnapshot,
    names: Names,
    *,
    freshness: Freshness | None,
    dirty: Dirty,
    now: datetime,
    shared: SharedRenders | None = None,
) -> dict[str, str]:
    """The board's fragments an update with `dirty` changes can alter, by element id, ready
    to swap out of band. Boards rendered for one push pass one `shared`."""
    shared = shared or SharedRenders()
    fragments: dict[str, str] = {}
    if freshness is not None:
        fragments[STATUS_FRAGMENT_ID] = shared.status(status_view(board, freshness, now=now))
    for tile in board.tiles:
        if tile_depends_on(tile, dirty):
            fragments[tile.fragment_id] = shared.tile(tile_view(board, tile, snapshot, names))
    return fragments


def fingerprint(html: str) -> str:
    return hashlib.blake2b(html.encode(), digest_size=12).hexdigest()


def agent_ids_to_name(boards: Iterable[BoardSpec], snapshot: CenterSnapshot) -> set[str]:
    """Agents whose names an agents-list tile of these boards needs."""
    wanted: set[str] = set()
    for board in boards:
        for tile in board.tiles:
            if tile.kind is TileKind.AGENTS_LIST:
                wanted.update(board_agent_ids(board, snapshot, tile)[:TABLE_MAX_ROWS])
    return wanted


def page_context(
    board: BoardSpec,
    snapshot: CenterSnapshot,
    names: Names,
    *,
    freshness: Freshness,
    now: datetime,
) -> dict[str, Any]:
    """What the full page (and the full board sent on connect) renders."""
    return {
        "board": board,
        "status": status_view(board, freshness, now=now),
        "pages": [
            {
                "id": page.id,
                "title": page.title,
                "tiles": [tile_view(board, tile, snapshot, names) for tile in page.tiles],
            }
            for page in board.pages
        ],
    }
