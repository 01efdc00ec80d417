"""The one boundary between ingestion and the boards: `wxcc.signals.live_state_changed`
arrives here (connected in WallboardConfig.ready()), and so does the beat tick.

Per change, per org, under the org's lock: read only what changed, bring each of the org's
snapshots up to date (one computation per profile, shared by every board and client), then
for each board with listeners render the tiles whose inputs changed, keep those whose HTML
differs from what was last sent (fingerprints in Redis), and send them as one message to the
board's group. A push failure is logged and never reaches ingestion.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone
from redis.exceptions import LockError

from wallboard import keys, presence, selectors, snapshots
from wallboard.channel_layer import BoardChannelLayer, run_send
from wallboard.keys import board_group, screen_group
from wallboard.metrics import CenterSnapshot, MetricsConfig
from wallboard.redis_client import get_redis
from wallboard.rendering import (
    SharedRenders,
    agent_ids_to_name,
    fingerprint,
    render_fragments,
)
from wallboard.sent import COMPARE_AND_SET_LUA, changed_ids
from wallboard.snapshots import EVERYTHING, NOTHING, ChangeInputs, Dirty, SnapshotOutdated
from wallboard.spec_cache import cached_board_specs
from wallboard.specs import BoardSpec, MetricsProfile, org_names
from wallboard.supervisor import push as supervisor_push
from wxcc.signals import LiveStateChange

logger = logging.getLogger(__name__)

__all__ = [
    "PushReport",
    "board_group",
    "full_board_html",
    "on_live_state_changed",
    "push_change",
    "refresh_org",
    "screen_group",
    "send_board_html",
    "tick",
]


class OrgBusy(Exception):
    """The org's lock could not be taken in time."""


@dataclass
class PushReport:
    """What one push did, for logs and tests."""

    org_id: int
    rebuilt: list[str] = field(default_factory=list)
    boards_rendered: int = 0
    fragments_sent: dict[int, list[str]] = field(default_factory=dict)
    supervisor_sent: list[str] = field(default_factory=list)
    # Milliseconds spent bringing snapshots up to date, rendering, and sending.
    update_ms: float = 0.0
    render_ms: float = 0.0
    send_ms: float = 0.0


@contextmanager
def org_lock(org_id: int) -> Iterator[None]:
    lock = get_redis().lock(
        keys.org_lock(org_id),
        timeout=float(settings.WALLBOARD_LOCK_TIMEOUT_S),
        blocking_timeout=float(settings.WALLBOARD_LOCK_WAIT_S),
        sleep=0.02,
    )
    if not lock.acquire():
        raise OrgBusy(org_id)
    try:
        yield
    finally:
        try:
            lock.release()
        except LockError:
            # It expired under a very slow update; another process may hold it now.
            logger.warning("event=board_lock_expired org_id=%s", org_id)


def on_live_state_changed(sender: object, change: LiveStateChange, **kwargs: object) -> None:
    """Receiver of `live_state_changed`: push, and never let a failure reach ingestion."""
    try:
        push_change(change)
    except OrgBusy:
        snapshots.count_change(change.org_id)
        logger.error("event=board_push_skipped org_id=%s reason=lock_busy", change.org_id)
    except Exception:
        # The edge that decides: ingestion must go on; the next change or tick catches up.
        logger.exception("event=board_push_failed org_id=%s", change.org_id)


def _configs(
    org_id: int, profiles: Collection[MetricsProfile]
) -> tuple[MetricsConfig, dict[MetricsProfile, MetricsConfig]]:
    base = selectors.metrics_config(org_id=org_id, short_abandon_threshold_s=0.0)
    return base, {p: snapshots.profile_config(base, p) for p in profiles}


def push_change(change: LiveStateChange, *, now: datetime | None = None) -> PushReport:
    """Bring the org's snapshots up to date with `change` and push what changed."""
    now = now or timezone.now()
    org_id = change.org_id
    report = PushReport(org_id)
    boards = cached_board_specs(org_id=org_id)
    listening = presence.listening_boards(org_id)
    supervising = _supervisor_profile(org_id, listening)
    if not boards and supervising is None:
        # Any snapshot kept from an earlier visit has now missed this change.
        snapshots.count_change(org_id)
        return report
    watched = {b.profile for b in boards if b.id in listening} | _just(supervising)
    profiles = {b.profile for b in boards} | _just(supervising)
    with org_lock(org_id):
        started = time.perf_counter()
        stored, count = snapshots.load(org_id, profiles, counting_a_change=True)
        base, configs = _configs(org_id, profiles)
        inputs = ChangeInputs(
            org_id=org_id,
            since=snapshots.earliest_since(profiles, now),
            queue_ids=change.queue_ids,
            agent_ids=change.agent_ids,
            now=now,
        )
        updated: dict[MetricsProfile, CenterSnapshot] = {}
        dirty: dict[MetricsProfile, Dirty] = {}
        for profile in profiles:
            previous = stored.get(profile)
            if previous is not None and previous.config == configs[profile]:
                try:
                    updated[profile], dirty[profile] = snapshots.apply_change(
                        previous, inputs, team_ids=change.team_ids
                    )
                    continue
                except SnapshotOutdated:
                    pass
            if profile not in watched:
                # Nobody looks: its stored snapshot, now behind the change count, is rebuilt
                # from the database when someone does.
                continue
            updated[profile] = snapshots.build(org_id, profile, base_config=base, now=now)
            dirty[profile] = EVERYTHING
            report.rebuilt.append(profile.key)
        report.update_ms = (time.perf_counter() - started) * 1000.0
        # Screens first, then Redis: storing pickles the snapshots (15 ms for a 5,000-agent
        # center) and nothing on screen waits for it. Still under the lock, so the next push
        # loads what this one stored, whether sending worked or not.
        try:
            if listening:
                _send_updates(
                    [b for b in boards if b.id in listening],
                    updated,
                    dirty,
                    now=now,
                    report=report,
                )
            if supervising is not None and supervising in updated:
                report.supervisor_sent = supervisor_push.push(
                    org_id,
                    updated[supervising],
                    agent_ids=change.agent_ids,
                    queue_ids=change.queue_ids,
                    now=now,
                )
        finally:
            stored_at = time.perf_counter()
            snapshots.store(org_id, updated, count=count)
            report.update_ms += (time.perf_counter() - stored_at) * 1000.0
    logger.info(
        "event=board_push org_id=%s queues=%d agents=%d boards=%d fragments=%d rebuilt=%s "
        "update_ms=%.1f render_ms=%.1f send_ms=%.1f",
        org_id,
        len(change.queue_ids),
        len(change.agent_ids),
        report.boards_rendered,
        sum(len(ids) for ids in report.fragments_sent.values()),
        ",".join(report.rebuilt) or "-",
        report.update_ms,
        report.render_ms,
        report.send_ms,
    )
    return report


def refresh_org(org_id: int, *, now: datetime | None = None) -> PushReport:
    """The timer's work for one org with listeners: move rolling periods and live waits on
    once they are WALLBOARD_REFRESH_INTERVAL_S old, and push data-freshness changes."""
    now = now or timezone.now()
    report = PushReport(org_id)
    listening = presence.listening_boards(org_id)
    supervising = _supervisor_profile(org_id, listening)
    if not listening and supervising is None:
        return report
    boards = cached_board_specs(org_id=org_id, board_ids=list(listening)) if listening else []
    profiles = {b.profile for b in boards} | _just(supervising)
    with org_lock(org_id):
        stored, count = snapshots.load(org_id, profiles)
        base, configs = _configs(org_id, profiles)
        updated: dict[MetricsProfile, CenterSnapshot] = {}
        dirty: dict[MetricsProfile, Dirty] = {}
        for profile in profiles:
            previous = stored.get(profile)
            if previous is not None and previous.config == configs[profile]:
                if not snapshots.is_due_for_refresh(previous, now):
                    updated[profile], dirty[profile] = previous, NOTHING
                    continue
                try:
                    updated[profile] = snapshots.refreshed(previous, org_id, now=now)
                    dirty[profile] = EVERYTHING
                    continue
                except SnapshotOutdated:
                    pass
            updated[profile] = snapshots.build(org_id, profile, base_config=base, now=now)
            dirty[profile] = EVERYTHING
            report.rebuilt.append(profile.key)
        snapshots.store(
            org_id, {p: s for p, s in updated.items() if dirty[p] is not NOTHING}, count=count
        )
        _send_updates(boards, updated, dirty, now=now, report=report)
        if supervising is not None and dirty[supervising] is not NOTHING:
            report.supervisor_sent = supervisor_push.push(
                org_id, updated[supervising], agent_ids=(), queue_ids=None, now=now
            )
    return report


def _supervisor_profile(org_id: int, listening: Counter[int]) -> MetricsProfile | None:
    """The supervisor pages' profile when any is open (their connections count as board
    `presence.SUPERVISOR`, taken out of `listening` here), else None."""
    if listening.pop(presence.SUPERVISOR, 0) <= 0:
        return None
    return supervisor_push.org_profile(org_id)


def _just(profile: MetricsProfile | None) -> set[MetricsProfile]:
    return set() if profile is None else {profile}


def tick(*, now: datetime | None = None) -> int:
    """Refresh every org with open board connections; returns how many were refreshed."""
    done = 0
    for org_id in presence.active_org_ids():
        try:
            refresh_org(org_id, now=now)
            done += 1
        except OrgBusy:
            logger.warning("event=board_refresh_skipped org_id=%s reason=lock_busy", org_id)
        except Exception:
            logger.exception("event=board_refresh_failed org_id=%s", org_id)
    return done


def _send_updates(
    boards: list[BoardSpec],
    updated: Mapping[MetricsProfile, CenterSnapshot],
    dirty: Mapping[MetricsProfile, Dirty],
    *,
    now: datetime,
    report: PushReport,
) -> None:
    """Render each board once, keep what differs from what was last sent, send it."""
    boards = [b for b in boards if b.profile in updated]
    if not boards:
        return
    org_id = boards[0].org_id
    freshness = selectors.freshness(org_id=org_id)
    wanted_agents: set[str] = set()
    for board in boards:
        wanted_agents |= agent_ids_to_name([board], updated[board.profile])
    started = time.perf_counter()
    names = org_names(org_id=org_id, agent_ids=wanted_agents)
    shared = SharedRenders()
    rendered = {
        board.id: render_fragments(
            board,
            updated[board.profile],
            names,
            freshness=freshness,
            dirty=dirty[board.profile],
            now=now,
            shared=shared,
        )
        for board in boards
    }
    report.boards_rendered = len(rendered)
    report.render_ms += (time.perf_counter() - started) * 1000.0
    started = time.perf_counter()
    changed = _compare_and_set(rendered)
    messages = {
        board_id: "".join(rendered[board_id][fragment_id] for fragment_id in ids)
        for board_id, ids in changed.items()
        if ids
    }
    report.fragments_sent = {board_id: ids for board_id, ids in changed.items() if ids}
    send_board_html(messages)
    report.send_ms += (time.perf_counter() - started) * 1000.0


def _compare_and_set(rendered: Mapping[int, Mapping[str, str]]) -> dict[int, list[str]]:
    """Per board, the fragment ids whose HTML differs from what was last sent. One round
    trip for every board."""
    ttl_s = int(settings.WALLBOARD_SNAPSHOT_TTL_S)
    pipe = get_redis().pipeline(transaction=False)
    order = [board_id for board_id, fragments in rendered.items() if fragments]
    for board_id in order:
        args: list[Any] = [ttl_s]
        for fragment_id, html in rendered[board_id].items():
            args.extend((fragment_id, fingerprint(html)))
        pipe.eval(COMPARE_AND_SET_LUA, 1, keys.sent(board_id), *args)
    results = pipe.execute() if order else []
    return {board_id: changed_ids(ids) for board_id, ids in zip(order, results, strict=True)}


def send_board_html(html_by_board: Mapping[int, str]) -> None:
    """Send each board's viewers its HTML (fragments, or the whole board after an edit): one
    channel-layer message per web process (`BoardChannelLayer.send_each_group`), whose
    fan-out writes each board's part to its sockets (`wallboard.board_fanout`). When a
    process's inbox was full the message was dropped, and when the send failed nobody got
    it: either way those boards' fingerprints are forgotten, so the next push or refresh
    sends them every fragment again (a figure that does not change again would otherwise
    stay wrong)."""
    if not html_by_board:
        return
    layer = get_channel_layer()
    assert isinstance(layer, BoardChannelLayer), "CHANNEL_LAYERS must use BoardChannelLayer"
    payloads = {board_group(board_id): html for board_id, html in html_by_board.items()}
    try:
        dropped = run_send(lambda: layer.send_each_group("board.updates", payloads))
    except Exception:
        _forget_sent(html_by_board)
        raise
    if dropped:
        logger.warning("event=board_push_dropped boards=%d", len(html_by_board))
        _forget_sent(html_by_board)


def _forget_sent(board_ids: Iterable[int]) -> None:
    get_redis().delete(*[keys.sent(board_id) for board_id in board_ids])


def current_snapshot(org_id: int, profile: MetricsProfile, *, now: datetime) -> CenterSnapshot:
    """The profile's snapshot brought to `now` for a page or a new connection: as stored
    when fresh, else refreshed or rebuilt (under the org's lock) and stored."""
    stored, _ = snapshots.load(org_id, [profile])
    base, configs = _configs(org_id, [profile])
    found = stored.get(profile)
    if (
        found is not None
        and found.config == configs[profile]
        and not snapshots.is_due_for_refresh(found, now)
    ):
        return found
    with org_lock(org_id):
        stored, count = snapshots.load(org_id, [profile])
        found = stored.get(profile)
        snapshot: CenterSnapshot | None = None
        if found is not None and found.config == configs[profile]:
            if not snapshots.is_due_for_refresh(found, now):
                return found
            try:
                snapshot = snapshots.refreshed(found, org_id, now=now)
            except SnapshotOutdated:
                snapshot = None
        if snapshot is None:
            snapshot = snapshots.build(org_id, profile, base_config=base, now=now)
        snapshots.store(org_id, {profile: snapshot}, count=count)
        return snapshot


def full_board_html(board: BoardSpec, *, now: datetime | None = None) -> str:
    """Every fragment of the board, as sent to a connection when it opens (so a reload or a
    reconnect never shows empty tiles)."""
    now = now or timezone.now()
    snapshot = current_snapshot(board.org_id, board.profile, now=now)
    names = org_names(org_id=board.org_id, agent_ids=agent_ids_to_name([board], snapshot))
    fragments = render_fragments(
        board,
        snapshot,
        names,
        freshness=selectors.freshness(org_id=board.org_id),
        dirty=EVERYTHING,
        now=now,
    )
    _remember_first_sent(board.id, fragments)
    return "".join(fragments.values())


def _remember_first_sent(board_id: int, fragments: Mapping[str, str]) -> None:
    """Fragments the board's group was never sent are now what its first viewer has, so the
    next push compares with them. Ones already recorded stay: older viewers have those."""
    pipe = get_redis().pipeline(transaction=False)
    for fragment_id, html in fragments.items():
        pipe.hsetnx(keys.sent(board_id), fragment_id, fingerprint(html))
    pipe.expire(keys.sent(board_id), int(settings.WALLBOARD_SNAPSHOT_TTL_S))
    pipe.execute()
