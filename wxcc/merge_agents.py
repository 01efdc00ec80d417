"""Merge rules for agents: how one observation changes an agent's sessions.

Pure, like `wxcc.merge` (whose convergence rules these follow): frozen views of the agent's
stored sessions and an observation in, the sessions after it, the history rows to record and
whether boards show something different out. `wxcc.agent_services` loads, locks and writes.

An agent has at most one open session. News older than the open session's login belongs to
an earlier session: recorded there when we know it, or, for a logout, remembered as a closed
session of its own (a finished session the backfill reads, a late logout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

from wxcc.models import AgentState, Source
from wxcc.observations import AgentObservation


@dataclass(frozen=True)
class SessionView:
    """A stored agent session's merged fields. `key` is the row's pk, or a negative number
    for a session the merge created (not stored yet)."""

    key: int
    state: AgentState
    state_since: datetime
    state_at: datetime
    login_at: datetime
    logout_at: datetime | None = None
    team_id: int | None = None
    wxcc_session_id: str = ""
    idle_code: str = ""
    source: Source = Source.WEBHOOK


SESSION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SessionView) if f.name != "key")


@dataclass(frozen=True)
class ChangeRow:
    """An AgentStateChange row of a session, stored (`seq` is its pk) or to record."""

    session_key: int
    state: AgentState
    at: datetime
    source: Source
    idle_code: str = ""
    event_id: str = ""
    seq: int = 0  # tie-break on equal times: the later row is the newer


@dataclass(frozen=True)
class AgentMerge:
    """An agent's sessions after one observation."""

    sessions: tuple[SessionView, ...]
    history: tuple[ChangeRow, ...]
    visible: bool  # whether boards show something different for the agent


def session_face(session: SessionView) -> tuple[object, ...]:
    """What boards show of a session: its state, since when, its team, whether it ended."""
    return (
        session.state,
        session.idle_code,
        session.state_since,
        session.team_id,
        session.logout_at,
    )


def state_since_from_history(
    rows: Sequence[ChangeRow], state: AgentState, idle_code: str, state_at: datetime
) -> datetime:
    """When the current state began: the start of the newest run of history rows in this
    state (rows after `state_at` are ignored)."""
    since = state_at
    ordered = sorted((r for r in rows if r.at <= state_at), key=lambda r: (r.at, r.seq))
    for row in reversed(ordered):
        if (row.state, row.idle_code) != (state, idle_code):
            break
        since = row.at
    return since


def _open_session(sessions: Sequence[SessionView]) -> SessionView | None:
    return next((s for s in sessions if s.logout_at is None), None)


def _closed_covering(sessions: Sequence[SessionView], at: datetime) -> list[SessionView]:
    return [s for s in sessions if s.logout_at is not None and s.logout_at >= at]


def history_needed(
    sessions: Sequence[SessionView], obs: AgentObservation, source: Source
) -> int | None:
    """The key of the session whose history `merge_agent` will need for `obs`, if any: only
    late webhook news of the open session can move when its state began."""
    if source != Source.WEBHOOK:
        return None
    current = _open_session(sessions)
    if current is None or obs.at >= current.state_at:
        return None
    if obs.at < current.login_at and (
        _closed_covering(sessions, obs.at) or obs.state == AgentState.LOGGED_OUT
    ):
        return None
    return current.key


def merge_agent(
    sessions: Sequence[SessionView],
    obs: AgentObservation,
    *,
    team_id: int | None,
    source: Source,
    event_id: str = "",
    history: Sequence[ChangeRow] = (),
) -> AgentMerge:
    """Merge one observation of an agent into their sessions.

    `sessions` must hold the agent's open session, if any, and every closed one that ended
    at or after `obs.at`; others are passed through untouched. `team_id` is the pk of the
    team `obs` names. `history` holds the rows of the session `history_needed` names.
    """
    sessions = tuple(sessions)
    current = _open_session(sessions)
    webhook = source == Source.WEBHOOK

    if current is None:
        covering = _closed_covering(sessions, obs.at)
        if not covering:
            return _new_session(sessions, obs, team_id=team_id, source=source, event_id=event_id)
        # A late event of a session that has already ended: history, and perhaps an
        # earlier login time than we knew.
        last = max(covering, key=lambda s: (s.logout_at, s.key))
        updated = replace(last, login_at=min(last.login_at, obs.at))
        if not webhook and updated == last:
            return AgentMerge(sessions, (), False)
        return AgentMerge(_swap(sessions, updated), (_row(last.key, obs, source, event_id),), False)

    if obs.at < current.login_at:
        earlier = _closed_covering(sessions, obs.at)
        if earlier:
            # News of a previous session, arriving late.
            target = min(earlier, key=lambda s: (s.logout_at, s.key))
            recorded = (_row(target.key, obs, source, event_id),) if webhook else ()
            return AgentMerge(sessions, recorded, False)
        if obs.state == AgentState.LOGGED_OUT:
            # A logout before the open session began ends an earlier session we never saw
            # open (the backfill of a finished session, or its late logout).
            return _new_session(sessions, obs, team_id=team_id, source=source, event_id=event_id)

    changes: dict[str, object] = {"login_at": min(current.login_at, obs.login_at or obs.at)}
    if obs.session_id and not current.wxcc_session_id:
        changes["wxcc_session_id"] = obs.session_id
    newest = obs.at >= current.state_at
    if newest:
        if team_id is not None:
            changes["team_id"] = team_id
        changes.update(state=obs.state, idle_code=obs.idle_code, state_at=obs.at, source=source)
        if obs.state == AgentState.LOGGED_OUT:
            changes["logout_at"] = obs.at
    # (An old logout cannot end a session we have newer news of: WxCC would not send a newer
    # state after a logout of the same session, so it is an earlier session's.)
    after = replace(current, **changes)  # type: ignore[arg-type]
    recorded = ()
    if webhook or current.state != after.state:
        recorded = (_row(current.key, obs, source, event_id),)
    if newest:
        if (after.state, after.idle_code) != (current.state, current.idle_code):
            after = replace(after, state_since=obs.at)
    elif recorded:
        # Late news inside the session: it may split or extend the current run of states.
        if not history:
            # Without its rows (never the case for rows we stored), the session's own view
            # stands for them: its state since `state_since`.
            history = (
                ChangeRow(
                    current.key, current.state, current.state_since, current.source,
                    current.idle_code,
                ),
            )  # fmt: skip
        rows = [*history, *_after(history, recorded)]
        since = state_since_from_history(rows, after.state, after.idle_code, after.state_at)
        after = replace(after, state_since=since)
    visible = session_face(current) != session_face(after)
    return AgentMerge(_swap(sessions, after), recorded, visible)


def _row(key: int, obs: AgentObservation, source: Source, event_id: str) -> ChangeRow:
    return ChangeRow(key, obs.state, obs.at, source, obs.idle_code, event_id)


def _after(history: Sequence[ChangeRow], rows: Sequence[ChangeRow]) -> list[ChangeRow]:
    """`rows` numbered after every row of `history` (they are newer on equal times)."""
    top = max((r.seq for r in history), default=0)
    return [replace(r, seq=top + i + 1) for i, r in enumerate(rows)]


def _new_session(
    sessions: tuple[SessionView, ...],
    obs: AgentObservation,
    *,
    team_id: int | None,
    source: Source,
    event_id: str,
) -> AgentMerge:
    """Open a session, or remember a closed one when `obs` is a logout: a logout for a
    session we never saw open keeps late events of that session from passing for a new
    login. Boards show only the open kind."""
    logged_out = obs.state == AgentState.LOGGED_OUT
    session = SessionView(
        key=min((s.key for s in sessions if s.key < 0), default=0) - 1,
        team_id=team_id,
        wxcc_session_id=obs.session_id,
        state=obs.state,
        idle_code="" if logged_out else obs.idle_code,
        state_since=obs.at,
        state_at=obs.at,
        login_at=min(obs.login_at or obs.at, obs.at),
        logout_at=obs.at if logged_out else None,
        source=source,
    )
    recorded = (_row(session.key, obs, source, event_id),)
    return AgentMerge((*sessions, session), recorded, not logged_out)


def _swap(sessions: tuple[SessionView, ...], updated: SessionView) -> tuple[SessionView, ...]:
    return tuple(updated if s.key == updated.key else s for s in sessions)


def close_session(session: SessionView, as_of: datetime) -> AgentMerge:
    """A session of an agent a complete poll at `as_of` no longer lists ended by then."""
    after = replace(
        session,
        state=AgentState.LOGGED_OUT,
        idle_code="",
        state_since=as_of,
        state_at=as_of,
        logout_at=as_of,
        source=Source.POLL,
    )
    return AgentMerge(
        (after,),
        (ChangeRow(session.key, AgentState.LOGGED_OUT, as_of, Source.POLL),),
        True,
    )
