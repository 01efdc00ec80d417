"""Reads for the live boards: stored WxCC rows turned into the metrics engine's inputs, the
org's metrics settings and data freshness, each in a constant number of queries whatever the
org's size (the engine's ids are the rows' primary keys as strings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import F, FloatField, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from oauth.models import ConnectionStatus, Organization
from wallboard.metrics import (
    DEFAULT_SERVICE_LEVEL_THRESHOLD_S,
    AgentState,
    AgentStatus,
    MetricsConfig,
)
from wallboard.metrics.columns import (
    HANDLE_TYPE_CODES,
    MISSING,
    NO_HANDLE_TYPE,
    ContactColumns,
    SpanColumns,
    build_columns,
    build_span_columns,
    epoch_us,
    seconds_to_us,
)
from wallboard.models import QueueSettings
from wxcc.models import (
    Agent,
    AgentSession,
    AgentStateChange,
    Queue,
    RawEvent,
    Task,
    TaskStatus,
)
from wxcc.models import AgentState as StoredAgentState

_AGENT_STATES = {s.value: s for s in AgentState}
_WAITING = frozenset({str(TaskStatus.QUEUED), str(TaskStatus.OFFERED)})


class EpochSeconds(Func):
    """A datetime column as epoch seconds (float8), exact to the microsecond: on PostgreSQL
    far faster to load than Django's text timestamptz loader. SQLite (the demo) keeps
    datetimes as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]': whole seconds plus the fraction."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()

    def get_db_converters(self, connection: Any) -> list[Any]:
        """None: both casts make the driver return floats already. Django's `float()` of each
        value (any converter makes it rebuild every row) was a fifth of reading a day's
        contacts for a push."""
        return []

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(unixepoch(%(expressions)s) + CAST(substr(%(expressions)s, 20) AS REAL))",
            **extra,
        )


# A task's columns as the metrics read them: its datetimes as epoch seconds.
_TIMES = ("created_at", "queued_at", "connected_at", "ended_at")
_EPOCH_COLUMNS: dict[str, Any] = {f"{name}_epoch_s": EpochSeconds(F(name)) for name in _TIMES}
_TASK_VALUES = (
    "wxcc_id",
    "queue_id",
    "agent_id",
    "agent__team_id",
    "channel_type",
    "status",
    *_EPOCH_COLUMNS,
    "contact_handle_type",
    "queue_duration_ms",
    "connected_duration_ms",
    "hold_duration_ms",
    "wrapup_duration_ms",
    "transfer_count",
)


def _str(pk: int | None) -> str | None:
    return None if pk is None else str(pk)


def metrics_config(*, org_id: int, short_abandon_threshold_s: float) -> MetricsConfig:
    """How the org counts: each queue's service-level threshold (our override, else WxCC's,
    else the default) and the teams serving each queue. Two queries."""
    thresholds = {
        str(row["pk"]): float(row["threshold_s"])
        for row in Queue.objects.filter(organization_id=org_id)
        .annotate(
            threshold_s=Coalesce(
                F("board_settings__service_level_threshold_s"), F("service_level_threshold_s")
            )
        )
        .filter(threshold_s__isnull=False)
        .values("pk", "threshold_s")
    }
    serving: dict[str, set[str]] = defaultdict(set)
    through = QueueSettings.serving_teams.through
    for queue_id, team_id in through.objects.filter(
        queuesettings__queue__organization_id=org_id
    ).values_list("queuesettings__queue_id", "team_id"):
        serving[str(queue_id)].add(str(team_id))
    return MetricsConfig(
        short_abandon_threshold_s=short_abandon_threshold_s,
        default_service_level_threshold_s=DEFAULT_SERVICE_LEVEL_THRESHOLD_S,
        queue_service_level_threshold_s=thresholds,
        queue_team_ids={q: frozenset(teams) for q, teams in serving.items()},
    )


def contacts_since(
    *, org_id: int, since: datetime, queue_ids: Collection[int] | None = None
) -> ContactColumns:
    """Tasks still open, or that arrived or ended at or after `since` (of the given queues
    only, when named). One query."""
    tasks = Task.objects.filter(organization_id=org_id).filter(
        ~Q(status=TaskStatus.ENDED)
        | Q(created_at__gte=since)
        | Q(queued_at__gte=since)
        | Q(ended_at__gte=since)
    )
    if queue_ids is not None:
        tasks = tasks.filter(queue_id__in=list(queue_ids))
    return contacts_of(tasks)


def contacts_of(tasks: QuerySet[Task]) -> ContactColumns:
    """The tasks as the metrics engine's contacts, in columns. One query.

    Every push reads a day's contacts of the queues that changed, so rows go into columns
    whole (times as epoch seconds), with no object per task."""
    rows = list(tasks.annotate(**_EPOCH_COLUMNS).values_list(*_TASK_VALUES))
    (
        wxcc_ids,
        queue_ids,
        agent_ids,
        team_ids,
        channel_types,
        statuses,
        created_s,
        queued_s,
        connected_s,
        ended_s,
        handle_types,
        queue_ms,
        talk_ms,
        hold_ms,
        wrapup_ms,
        transfer_counts,
    ) = zip(*rows, strict=True) if rows else ((),) * len(_TASK_VALUES)
    created_us = seconds_to_us(created_s)
    queued_us = seconds_to_us(queued_s)
    ended, waiting = str(TaskStatus.ENDED), _WAITING
    codes = HANDLE_TYPE_CODES
    return build_columns(
        ids=wxcc_ids,
        channel_types=channel_types,
        # Primary keys: named as text once each.
        queue_ids=queue_ids,
        team_ids=team_ids,
        agent_ids=agent_ids,
        # Arrival: when the task entered the queue, else when it was created.
        arrived_us=np.where(queued_us == MISSING, created_us, queued_us),
        answered_us=seconds_to_us(connected_s),
        ended_us=seconds_to_us(ended_s),
        created_us=created_us,
        # "" (not classified yet) and anything unknown are no classification.
        handle_types=[codes.get(str(h).lower(), NO_HANDLE_TYPE) for h in handle_types],
        queue_ms=queue_ms,
        talk_ms=talk_ms,
        hold_ms=hold_ms,
        wrapup_ms=wrapup_ms,
        transfer_counts=[int(t or 0) for t in transfer_counts],
        is_open=[s != ended for s in statuses],
        is_waiting=[s in waiting for s in statuses],
    )


def agent_statuses(
    *, org_id: int, now: datetime, agent_ids: Collection[int] | None = None
) -> list[AgentStatus]:
    """Agents as they are now: each open session's state. Named agents without an open
    session come back logged out (so an update replaces what a board showed). One query, two
    when agents are named."""
    sessions = AgentSession.objects.filter(organization_id=org_id, logout_at__isnull=True)
    if agent_ids is not None:
        sessions = sessions.filter(agent_id__in=list(agent_ids))
    statuses = [
        AgentStatus(
            id=str(row["agent_id"]),
            team_id=_str(row["team_pk"]),
            state=_AGENT_STATES.get(row["state"], AgentState.LOGGED_OUT),
            state_since=row["state_since"],
            idle_code=row["idle_code"] if row["state"] == StoredAgentState.IDLE else "",
            login_at=row["login_at"],
            # Ingestion stores no hold state yet: agents on a contact count as connected.
            on_hold=False,
        )
        for row in sessions.annotate(team_pk=Coalesce(F("team_id"), F("agent__team_id"))).values(
            "agent_id", "team_pk", "state", "state_since", "idle_code", "login_at"
        )
    ]
    if agent_ids is None:
        return statuses
    seen = {int(status.id) for status in statuses}
    missing = [pk for pk in agent_ids if pk not in seen]
    if missing:
        for pk, team_id in Agent.objects.filter(organization_id=org_id, pk__in=missing).values_list(
            "pk", "team_id"
        ):
            statuses.append(
                AgentStatus(
                    id=str(pk), team_id=_str(team_id), state=AgentState.LOGGED_OUT, state_since=now
                )
            )
    return statuses


def agent_spans(
    *, org_id: int, since: datetime, agent_ids: Collection[int] | None = None
) -> SpanColumns:
    """State spans of sessions open at or after `since`: the state each was in at `since`,
    then every change after it; a session's last span ends at its logout. Two queries."""
    before = AgentStateChange.objects.filter(session=OuterRef("pk"), at__lt=since).order_by(
        "-at", "-id"
    )
    sessions = AgentSession.objects.filter(organization_id=org_id).filter(
        Q(logout_at__isnull=True) | Q(logout_at__gte=since)
    )
    if agent_ids is not None:
        sessions = sessions.filter(agent_id__in=list(agent_ids))
    rows = list(
        sessions.annotate(
            before_state=Subquery(before.values("state")[:1]),
            before_at=Subquery(before.values("at")[:1]),
            before_code=Subquery(before.values("idle_code")[:1]),
        ).values(
            "pk",
            "agent_id",
            "state",
            "state_since",
            "idle_code",
            "logout_at",
            "before_state",
            "before_at",
            "before_code",
        )
    )
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for session_id, at, state, code in (
        AgentStateChange.objects.filter(session_id__in=[row["pk"] for row in rows], at__gte=since)
        .order_by("session_id", "at", "id")
        .values_list("session_id", "at", "state", "idle_code")
    ):
        changes[session_id].append((at, state, code))
    spans: list[tuple[int, AgentState, int, int, str]] = []
    for row in rows:
        points = list(changes.get(row["pk"], ()))
        if row["before_at"] is not None:
            points.insert(0, (row["before_at"], row["before_state"], row["before_code"]))
        if not points:
            points = [(row["state_since"], row["state"], row["idle_code"])]
        spans.extend(_spans_of(row["agent_id"], points, row["logout_at"]))
    agent_ids, states, starts_us, ends_us, idle_codes = (
        zip(*spans, strict=True) if spans else ((),) * 5
    )
    return build_span_columns(
        agent_ids=agent_ids,
        states=states,
        starts_us=starts_us,
        ends_us=ends_us,
        idle_codes=idle_codes,
    )


def _spans_of(
    agent_id: int, points: list[tuple[datetime, str, str]], logout_at: datetime | None
) -> Iterator[tuple[int, AgentState, int, int, str]]:
    """(agent, state, start µs, end µs or MISSING, idle code) of a session's spans: each
    change lasts until the next, the last until logout; a change back in time (clock skew)
    lasts no time."""
    for index, (start, state, code) in enumerate(points):
        known = _AGENT_STATES.get(state)
        if known is None or known is AgentState.LOGGED_OUT:
            continue
        end = points[index + 1][0] if index + 1 < len(points) else logout_at
        if end is not None and end < start:
            end = start
        yield (
            agent_id,
            known,
            epoch_us(start),
            MISSING if end is None else epoch_us(end),
            code if known is AgentState.IDLE else "",
        )


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current the org's data is, for the board's stale marker."""

    # Newest successful poll or webhook delivery; None when there has never been one.
    data_at: datetime | None
    needs_reconsent: bool
    rate_limited_until: datetime | None
    last_error: str


def freshness(*, org_id: int) -> Freshness:
    """One query."""
    row = (
        Organization.objects.filter(pk=org_id)
        .annotate(
            last_poll_ok_at=F("wxcc_sync__last_poll_ok_at"),
            rate_limited_until=F("wxcc_sync__rate_limited_until"),
            last_error=F("wxcc_sync__last_error"),
            connection_status=F("connection__status"),
            last_webhook_at=Subquery(
                RawEvent.objects.filter(organization_id=OuterRef("pk"))
                .order_by("-received_at")
                .values("received_at")[:1]
            ),
        )
        .values(
            "last_poll_ok_at",
            "rate_limited_until",
            "last_error",
            "connection_status",
            "last_webhook_at",
        )
        .first()
    )
    if row is None:
        return Freshness(
            data_at=None, needs_reconsent=False, rate_limited_until=None, last_error=""
        )
    newest = max(
        (t for t in (row["last_poll_ok_at"], row["last_webhook_at"]) if t is not None),
        default=None,
    )
    return Freshness(
        data_at=newest,
        needs_reconsent=row["connection_status"] == ConnectionStatus.NEEDS_RECONSENT,
        rate_limited_until=row["rate_limited_until"],
        last_error=row["last_error"] or "",
    )
