"""Writes of the board editor (save a board with its pages and tiles, delete a board) and the
unsaved board the live preview renders.

After a save commits, the board's open screens get the whole board at once through the same
push as every update (`wallboard.live.full_board_html` to `board_group`): its status carries a
new layout digest, so a TV whose pages or tiles changed reloads itself. Deleting a board closes
its sockets as revoking a display link does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import transaction

from wallboard import keys, selectors, snapshots
from wallboard.live import current_snapshot, full_board_html, send_board_html
from wallboard.metrics import CenterSnapshot, MetricsConfig
from wallboard.models import Board, BoardPage, QueueSettings, Tile
from wallboard.redis_client import get_redis
from wallboard.services import close_group_sockets
from wallboard.specs import BoardSpec, PageSpec, _tile_spec, board_spec, board_specs
from wxcc.models import Queue, Team

logger = logging.getLogger(__name__)

__all__ = [
    "PageDraft",
    "TileDraft",
    "board_delete",
    "board_edited",
    "board_save",
    "preview_config",
    "preview_snapshot",
    "preview_spec",
    "queue_targets_save",
]


@dataclass(frozen=True, slots=True)
class PageDraft:
    title: str


@dataclass(frozen=True, slots=True)
class TileDraft:
    """A tile as the editor posted it; `tile_id` is the saved tile it edits, if any."""

    tile_id: int | None
    page_number: int  # 1-based, in the order of the pages
    kind: str
    metric: str
    scope: str
    queue: Queue | None
    team: Team | None
    period: str
    label: str
    width: int
    threshold_direction: str
    thresholds: list[dict[str, object]]

    def to_tile(self) -> Tile:
        """An unsaved tile with these values (no page yet)."""
        return Tile(
            kind=self.kind,
            metric=self.metric,
            scope=self.scope,
            queue=self.queue,
            team=self.team,
            period=self.period,
            label=self.label,
            width=self.width,
            threshold_direction=self.threshold_direction,
            thresholds=self.thresholds,
        )


@transaction.atomic
def board_save(
    *,
    board: Board,
    queues: Sequence[Queue],
    teams: Sequence[Team],
    pages: Sequence[PageDraft],
    tiles: Sequence[TileDraft],
    queue_targets_s: Mapping[int, int | None] | None = None,
) -> Board:
    """Save `board` (its fields already set) with exactly these pages and tiles, and the
    org's per-queue T overrides. Existing pages are kept by position and tiles by id, so a
    TV's unchanged tiles keep their ids."""
    created = board.pk is None
    board.save()
    if queue_targets_s:
        queue_targets_save(org_id=int(board.organization_id), targets_s=queue_targets_s)
    board.queues.set(queues)
    board.teams.set(teams)
    saved_pages = list(BoardPage.objects.filter(board=board).order_by("position", "id"))
    kept_pages: list[BoardPage] = []
    for position, draft in enumerate(pages):
        page = saved_pages[position] if position < len(saved_pages) else BoardPage(board=board)
        if page.pk is None or (page.position, page.title) != (position, draft.title):
            page.position, page.title = position, draft.title
            page.save()
        kept_pages.append(page)
    saved_tiles = {tile.pk: tile for tile in Tile.objects.filter(page__board=board)}
    kept_tiles: list[int] = []
    for position, tile_draft in enumerate(tiles):
        tile = tile_draft.to_tile()
        tile_id = tile_draft.tile_id
        previous = saved_tiles.get(tile_id) if tile_id is not None else None
        if previous is not None:
            tile.pk = previous.pk
        tile.page = kept_pages[tile_draft.page_number - 1]
        tile.position = position
        tile.save()
        kept_tiles.append(tile.pk)
    Tile.objects.filter(page__board=board).exclude(pk__in=kept_tiles).delete()
    BoardPage.objects.filter(board=board).exclude(pk__in=[p.pk for p in kept_pages]).delete()
    logger.info(
        "event=board_saved org_id=%s board_id=%s created=%s pages=%d tiles=%d",
        board.organization_id,
        board.pk,
        created,
        len(kept_pages),
        len(kept_tiles),
    )
    board_id, org_id = board.pk, int(board.organization_id)
    transaction.on_commit(lambda: _announce_edit(board_id=board_id, org_id=org_id))
    return board


def _announce_edit(*, board_id: int, org_id: int) -> None:
    """The edit is saved whatever happens here: a push that fails (Redis down) is logged, and
    open screens take the new layout on their next update or reconnect."""
    try:
        board_edited(board_id=board_id, org_id=org_id)
    except Exception:
        logger.exception("event=board_edit_push_failed org_id=%s board_id=%s", org_id, board_id)


def queue_targets_save(*, org_id: int, targets_s: Mapping[int, int | None]) -> list[int]:
    """Write the org's queues' T overrides that changed (None: WxCC's); returns their ids.
    Boards notice the new configuration and rebuild their figures (wallboard.live)."""
    current = dict(
        QueueSettings.objects.filter(
            queue__organization_id=org_id, queue_id__in=list(targets_s)
        ).values_list("queue_id", "service_level_threshold_s")
    )
    changed = [queue_id for queue_id, t_s in targets_s.items() if current.get(queue_id) != t_s]
    for queue_id in changed:
        QueueSettings.objects.update_or_create(
            queue_id=queue_id, defaults={"service_level_threshold_s": targets_s[queue_id]}
        )
    if changed:
        logger.info("event=queue_targets_saved org_id=%s queues=%d", org_id, len(changed))
    return changed


def preview_config(*, org_id: int, targets_s: Mapping[int, int | None]) -> MetricsConfig | None:
    """The org's metrics configuration with these T overrides, or None when they are what
    is saved (the preview then uses the shared snapshot)."""
    base = selectors.metrics_config(org_id=org_id, short_abandon_threshold_s=0.0)
    wxcc_s = Queue.objects.filter(organization_id=org_id).values_list(
        "pk", "service_level_threshold_s"
    )
    thresholds: dict[str, float] = {}
    for queue_id, wxcc_t_s in wxcc_s:
        t_s = targets_s.get(queue_id) or wxcc_t_s
        if t_s is not None:
            thresholds[str(queue_id)] = float(t_s)
    if thresholds == dict(base.queue_service_level_threshold_s):
        return None
    return replace(base, queue_service_level_threshold_s=thresholds)


def preview_snapshot(
    spec: BoardSpec, *, config: MetricsConfig | None, now: datetime
) -> CenterSnapshot:
    """The figures the preview shows: the shared snapshot, or (with unsaved T overrides) one
    computed for the preview alone and never stored."""
    if config is None:
        return current_snapshot(spec.org_id, spec.profile, now=now)
    return snapshots.build(spec.org_id, spec.profile, base_config=config, now=now)


def board_edited(*, board_id: int, org_id: int) -> None:
    """Send the board's open screens the whole edited board (fingerprints of what was sent
    before no longer apply)."""
    get_redis().delete(keys.sent(board_id))
    specs = board_specs(org_id=org_id, board_ids=[board_id])
    if not specs:
        return
    send_board_html({board_id: full_board_html(specs[0])})


def board_delete(*, board: Board, now: datetime) -> None:
    """Delete the board (its pages, tiles and display links go with it) and close its open
    sockets once that commits."""
    board_id = board.pk
    logger.info(
        "event=board_deleted org_id=%s board_id=%s at=%s",
        board.organization_id,
        board_id,
        now.isoformat(),
    )
    board.delete()

    def close_sockets() -> None:
        get_redis().delete(keys.sent(board_id))
        close_group_sockets(keys.board_group(board_id))

    transaction.on_commit(close_sockets)


def preview_spec(
    *,
    board: Board,
    queue_ids: Sequence[int],
    team_ids: Sequence[int],
    pages: Sequence[PageDraft],
    tiles: Sequence[TileDraft],
) -> BoardSpec:
    """The spec of an unsaved board, as `board_specs` would read it once saved. Tiles get
    ids by position (the preview has no socket, so they only need to be distinct)."""
    page_tiles: list[list[Tile]] = [[] for _ in pages]
    for number, draft in enumerate(tiles, start=1):
        tile = draft.to_tile()
        tile.pk = number
        page_tiles[draft.page_number - 1].append(tile)
    page_specs = tuple(
        PageSpec(
            id=number,
            title=page.title or f"Page {number}",
            tiles=tuple(_tile_spec(tile) for tile in page_tiles[number - 1]),
        )
        for number, page in enumerate(pages, start=1)
    )
    return board_spec(board, queue_ids=queue_ids, team_ids=team_ids, pages=page_specs)
