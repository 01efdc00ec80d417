"""Boards as the renderer and the push path see them: frozen specs read in a constant number
of queries, plus the names of queues, teams and agents a board shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from wallboard.metrics import Period, ServiceLevelDefinition
from wallboard.models import Board, BoardPage, Tile
from wallboard.tiles import Direction, Metric, Scope, ThresholdError, ThresholdLevel, TileKind
from wxcc.models import Agent, Queue, Team


@dataclass(frozen=True, slots=True)
class MetricsProfile:
    """What makes two boards' figures differ: the zone of "today" and the short-abandon
    threshold. Boards of one org sharing a profile share one snapshot."""

    zone_name: str
    short_abandon_threshold_s: float

    @property
    def key(self) -> str:
        return f"{self.zone_name}|{self.short_abandon_threshold_s:g}"


@dataclass(frozen=True, slots=True)
class TileSpec:
    id: int
    kind: TileKind
    metric: Metric | None
    scope: Scope
    scope_id: str | None  # the queue's or team's pk as a string
    period: Period
    label: str
    width: int
    direction: Direction
    levels: tuple[ThresholdLevel, ...]

    @property
    def fragment_id(self) -> str:
        return f"tile-{self.id}"


@dataclass(frozen=True, slots=True)
class PageSpec:
    id: int
    title: str
    tiles: tuple[TileSpec, ...]


@dataclass(frozen=True, slots=True)
class BoardSpec:
    id: int
    org_id: int
    slug: str
    name: str
    zone_name: str
    theme: str
    columns: int
    rotation_s: int
    service_level_definition: ServiceLevelDefinition
    short_abandon_threshold_s: float
    stale_after_s: int
    # The board's chosen queues and teams (pks); empty means all of the org's.
    queue_ids: tuple[int, ...]
    team_ids: tuple[int, ...]
    pages: tuple[PageSpec, ...] = ()

    @property
    def profile(self) -> MetricsProfile:
        return MetricsProfile(self.zone_name, self.short_abandon_threshold_s)

    @property
    def tiles(self) -> tuple[TileSpec, ...]:
        return tuple(tile for page in self.pages for tile in page.tiles)


@dataclass(frozen=True, slots=True)
class Names:
    """Display names by pk (as strings, the engine's ids)."""

    queues: Mapping[str, str] = field(default_factory=dict)
    teams: Mapping[str, str] = field(default_factory=dict)
    agents: Mapping[str, str] = field(default_factory=dict)


def _tile_spec(tile: Tile) -> TileSpec:
    scope = Scope(tile.scope)
    scope_pk = (
        tile.queue_id if scope is Scope.QUEUE else tile.team_id if scope is Scope.TEAM else None
    )
    try:
        levels = tile.levels()
    except ThresholdError:
        levels = ()  # saved around validation (e.g. by a script): show the tile unalarmed
    return TileSpec(
        id=tile.pk,
        kind=TileKind(tile.kind),
        metric=Metric(tile.metric) if tile.metric else None,
        scope=scope,
        scope_id=None if scope_pk is None else str(scope_pk),
        period=Period(tile.period),
        label=tile.label,
        width=tile.width,
        direction=tile.direction,
        levels=levels,
    )


def board_specs(*, org_id: int, board_ids: Collection[int] | None = None) -> list[BoardSpec]:
    """The org's boards (or the named ones) with their pages and tiles. Five queries."""
    boards = Board.objects.filter(organization_id=org_id).select_related("organization")
    if board_ids is not None:
        boards = boards.filter(pk__in=list(board_ids))
    board_rows = list(boards)
    ids = [board.pk for board in board_rows]
    pages: dict[int, list[BoardPage]] = defaultdict(list)
    for page in BoardPage.objects.filter(board_id__in=ids):
        pages[page.board_id].append(page)
    tiles: dict[int, list[TileSpec]] = defaultdict(list)
    for tile in Tile.objects.filter(page__board_id__in=ids):
        tiles[tile.page_id].append(_tile_spec(tile))
    chosen_queues: dict[int, list[int]] = defaultdict(list)
    for board_id, queue_id in Board.queues.through.objects.filter(board_id__in=ids).values_list(
        "board_id", "queue_id"
    ):
        chosen_queues[board_id].append(queue_id)
    chosen_teams: dict[int, list[int]] = defaultdict(list)
    for board_id, team_id in Board.teams.through.objects.filter(board_id__in=ids).values_list(
        "board_id", "team_id"
    ):
        chosen_teams[board_id].append(team_id)
    return [
        board_spec(
            board,
            queue_ids=chosen_queues[board.pk],
            team_ids=chosen_teams[board.pk],
            pages=tuple(
                PageSpec(id=page.pk, title=str(page), tiles=tuple(tiles[page.pk]))
                for page in pages[board.pk]
            ),
        )
        for board in board_rows
    ]


def org_names(*, org_id: int, agent_ids: Collection[str] = ()) -> Names:
    """Names of the org's queues and teams, and of the given agents. Three queries."""
    agents = (
        {
            str(pk): name or wxcc_id
            for pk, name, wxcc_id in Agent.objects.filter(
                organization_id=org_id, pk__in=[int(a) for a in agent_ids]
            ).values_list("pk", "name", "wxcc_id")
        }
        if agent_ids
        else {}
    )
    return Names(
        queues={
            str(pk): name or wxcc_id
            for pk, name, wxcc_id in Queue.objects.filter(organization_id=org_id).values_list(
                "pk", "name", "wxcc_id"
            )
        },
        teams={
            str(pk): name or wxcc_id
            for pk, name, wxcc_id in Team.objects.filter(organization_id=org_id).values_list(
                "pk", "name", "wxcc_id"
            )
        },
        agents=agents,
    )


def board_spec(
    board: Board,
    *,
    queue_ids: Iterable[int],
    team_ids: Iterable[int],
    pages: tuple[PageSpec, ...],
) -> BoardSpec:
    """A board's settings as a spec, with its chosen queues and teams and its pages (stored
    or, in the editor's preview, not saved yet)."""
    return BoardSpec(
        id=board.pk or 0,
        org_id=int(board.organization_id),
        slug=board.slug,
        name=board.name,
        zone_name=board.zone_name(),
        theme=board.theme,
        columns=board.columns,
        rotation_s=board.rotation_s,
        service_level_definition=ServiceLevelDefinition(board.service_level_definition),
        short_abandon_threshold_s=board.short_abandon_threshold_s,
        stale_after_s=board.stale_after_s,
        queue_ids=tuple(sorted(queue_ids)),
        team_ids=tuple(sorted(team_ids)),
        pages=pages,
    )
