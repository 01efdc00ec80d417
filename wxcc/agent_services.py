"""Writes to stored agent sessions: apply agent observations, log out who vanished.

Like `wxcc.services` for tasks: resolve the batch's teams and agents, load the sessions the
news may touch in one query, merge in memory (`wxcc.merge_agents`, pure) and stop there when
nothing changed; otherwise lock the changed agents' rows (all of one agent's sessions change
under that lock), merge again against what is then stored, write the changed fields and the
new sessions and history in bulk, and announce after commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q

from oauth.models import Organization
from wxcc import merge, merge_agents
from wxcc.entities import NamedIds, upsert_agents, upsert_teams
from wxcc.merge_agents import ChangeRow, SessionView
from wxcc.models import Agent, AgentSession, AgentState, AgentStateChange, Source
from wxcc.observations import AgentObservation
from wxcc.services import field_values, save_changed
from wxcc.signals import LiveStateChange, notify_live_state_changed

logger = logging.getLogger(__name__)

# In-memory history rows of a batch sort after every stored row (their pks are smaller).
_NEW_ROW_SEQ = 1 << 62


def session_view(session: AgentSession) -> SessionView:
    return SessionView(
        key=session.pk, **{name: getattr(session, name) for name in merge_agents.SESSION_FIELDS}
    )


@dataclass(frozen=True)
class _AgentPlan:
    before: tuple[SessionView, ...]
    after: tuple[SessionView, ...]
    history: tuple[ChangeRow, ...]
    visible: bool

    @property
    def dirty(self) -> bool:
        return self.before != self.after or bool(self.history)


HistoryLoader = Callable[[int], list[ChangeRow]]
# An observation and the id of the event that brought it ("" for a poll).
AgentNews = tuple[AgentObservation, str]


def _stored_history(session_pk: int) -> list[ChangeRow]:
    return [
        ChangeRow(
            session_key=session_pk,
            state=AgentState(c.state),
            at=c.at,
            source=Source(c.source),
            idle_code=c.idle_code,
            event_id=c.event_id,
            seq=c.pk,
        )
        for c in AgentStateChange.objects.filter(session_id=session_pk)
    ]


def _fold_agent(
    stored: tuple[SessionView, ...],
    news: Sequence[AgentNews],
    *,
    teams: NamedIds,
    source: Source,
    load_history: HistoryLoader = _stored_history,
) -> _AgentPlan:
    sessions = stored
    history: tuple[ChangeRow, ...] = ()
    visible = False
    for obs, event_id in news:
        key = merge_agents.history_needed(sessions, obs, source)
        rows: list[ChangeRow] = []
        if key is not None:
            rows = load_history(key) if key > 0 else []
            rows += [r for r in history if r.session_key == key]
        result = merge_agents.merge_agent(
            sessions,
            obs,
            team_id=teams.pk(obs.team),
            source=source,
            event_id=event_id,
            history=rows,
        )
        numbered = tuple(
            replace(r, seq=_NEW_ROW_SEQ + len(history) + i) for i, r in enumerate(result.history)
        )
        sessions, history = result.sessions, history + numbered
        visible = visible or result.visible
    return _AgentPlan(stored, sessions, history, visible)


@dataclass(frozen=True)
class _StoredSessions:
    """The sessions a batch may touch: views per agent, and the rows behind them."""

    views: dict[int, tuple[SessionView, ...]]
    rows: dict[int, AgentSession]


def _sessions_for(agent_pks: Sequence[int], since: datetime) -> _StoredSessions:
    """Each agent's open session and those closed at or after `since` (what a merge of news
    from `since` on may touch)."""
    views: dict[int, list[SessionView]] = defaultdict(list)
    rows: dict[int, AgentSession] = {}
    for session in (
        AgentSession.objects.filter(agent_id__in=agent_pks)
        .filter(Q(logout_at__isnull=True) | Q(logout_at__gte=since))
        .order_by("pk")
    ):
        views[session.agent_id].append(session_view(session))
        rows[session.pk] = session
    return _StoredSessions({pk: tuple(views.get(pk, ())) for pk in agent_pks}, rows)


def apply_agent_observations(
    *,
    org: Organization,
    observations: Sequence[AgentObservation],
    source: Source,
    event_id: str = "",
    event_ids: Sequence[str] | None = None,
) -> int:
    """Merge observations of agents into their sessions, in the order given; returns how
    many agents changed. `event_ids`, when given, holds each observation's event id (a batch
    of webhook events); otherwise every observation is `event_id`'s."""
    if not observations:
        return 0
    ids = list(event_ids) if event_ids is not None else [event_id] * len(observations)
    if len(ids) != len(observations):
        raise ValueError("event_ids must name one event per observation")
    teams = upsert_teams(org=org, refs=[o.team for o in observations if o.team])
    agent_teams = {o.agent.wxcc_id: teams.ids[o.team.wxcc_id] for o in observations if o.team}
    agents = upsert_agents(org=org, refs=[o.agent for o in observations], teams=agent_teams)
    notify_live_state_changed(
        LiveStateChange.of(org.pk, team_ids=teams.touched, agent_ids=agents.touched)
    )
    by_agent: dict[int, list[AgentNews]] = defaultdict(list)
    for obs, obs_event_id in zip(observations, ids, strict=True):
        by_agent[agents.ids[obs.agent.wxcc_id]].append((obs, obs_event_id))
    since = min(o.at for o in observations)
    stored = _sessions_for(list(by_agent), since)
    fold = partial(_fold_agent, teams=teams, source=source)
    dirty = {
        pk: obs_list for pk, obs_list in by_agent.items() if fold(stored.views[pk], obs_list).dirty
    }
    if not dirty:
        return 0
    with transaction.atomic():
        # All of one agent's sessions change under the agent's row lock.
        list(Agent.objects.select_for_update().filter(pk__in=list(dirty)).order_by("pk"))
        locked = _sessions_for(list(dirty), since)
        plans = {pk: fold(locked.views[pk], obs_list) for pk, obs_list in dirty.items()}
        return _write_sessions(org, plans, locked.rows)


def _write_sessions(
    org: Organization, plans: dict[int, _AgentPlan], stored: dict[int, AgentSession]
) -> int:
    created: dict[tuple[int, int], AgentSession] = {}
    changed: list[AgentSession] = []
    fields: set[str] = set()
    for agent_pk, plan in plans.items():
        before = {v.key: v for v in plan.before}
        for view in plan.after:
            values = field_values(view, merge_agents.SESSION_FIELDS)
            if view.key < 0:
                row = AgentSession(organization=org, agent_id=agent_pk, **values)
                created[(agent_pk, view.key)] = row
                continue
            names = merge.changed_fields(before[view.key], view, merge_agents.SESSION_FIELDS)
            if names:
                for name in names:
                    setattr(stored[view.key], name, values[name])
                changed.append(stored[view.key])
                fields |= names
    AgentSession.objects.bulk_create(list(created.values()))
    save_changed(changed, fields)

    def session(agent_pk: int, key: int) -> AgentSession:
        return stored[key] if key > 0 else created[(agent_pk, key)]

    AgentStateChange.objects.bulk_create(
        AgentStateChange(
            session=session(agent_pk, r.session_key),
            state=r.state,
            idle_code=r.idle_code,
            at=r.at,
            source=r.source,
            event_id=r.event_id,
        )
        for agent_pk, plan in plans.items()
        for r in plan.history
    )
    visible = [pk for pk, plan in plans.items() if plan.visible]
    notify_live_state_changed(
        LiveStateChange.of(
            org.pk,
            agent_ids=visible,
            team_ids=[v.team_id for pk in visible for v in (*plans[pk].before, *plans[pk].after)],
        )
    )
    return len(plans)


def apply_agent_observation(
    *, org: Organization, obs: AgentObservation, source: Source, event_id: str = ""
) -> bool:
    """Merge one observation of an agent; returns whether their sessions changed."""
    return (
        apply_agent_observations(org=org, observations=[obs], source=source, event_id=event_id) > 0
    )


def close_vanished_sessions(
    *, org: Organization, active_agent_ids: set[str], as_of: datetime
) -> list[str]:
    """Log out open sessions of agents that a complete poll at `as_of` no longer lists."""
    vanishing = AgentSession.objects.filter(
        organization=org, logout_at__isnull=True, state_at__lt=as_of
    ).exclude(agent__wxcc_id__in=active_agent_ids)
    agent_pks = list(vanishing.values_list("agent_id", flat=True))
    if not agent_pks:
        return []
    with transaction.atomic():
        list(Agent.objects.select_for_update().filter(pk__in=agent_pks).order_by("pk"))
        sessions = list(vanishing.select_related("agent").order_by("pk"))
        plans = [(s, merge_agents.close_session(session_view(s), as_of)) for s in sessions]
        for session, plan in plans:
            values = field_values(plan.sessions[0], merge_agents.SESSION_FIELDS)
            for name, value in values.items():
                setattr(session, name, value)
        save_changed(
            sessions, {"state", "idle_code", "state_since", "state_at", "logout_at", "source"}
        )
        AgentStateChange.objects.bulk_create(
            AgentStateChange(session=s, state=r.state, at=r.at, source=r.source)
            for s, plan in plans
            for r in plan.history
        )
        notify_live_state_changed(
            LiveStateChange.of(
                org.pk,
                agent_ids=[s.agent_id for s in sessions],
                team_ids=[s.team_id for s in sessions],
            )
        )
    if sessions:
        logger.info("event=sessions_closed_by_poll org_id=%s count=%d", org.pk, len(sessions))
    return [session.agent.wxcc_id for session in sessions]
