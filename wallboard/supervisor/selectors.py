"""Reads for the supervisor pages, each in a constant number of queries whatever the org's
size: the org's metrics profile, agents' current contacts and today's handled contacts,
a queue's waiting contacts and the agents who can take it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import Q

from wallboard.metrics import (
    DEFAULT_SHORT_ABANDON_THRESHOLD_S,
    AgentPerformance,
    CenterSnapshot,
    ContactColumns,
    Period,
    agent_performance,
    display_s,
)
from wallboard.rendering import epoch_ms
from wallboard.selectors import contacts_of
from wallboard.specs import MetricsProfile
from wallboard.supervisor.rows import CurrentContact
from wxcc.models import Task, TaskStatus

_ON_CONTACT = (TaskStatus.OFFERED, TaskStatus.CONNECTED)
_WAITING = (TaskStatus.QUEUED, TaskStatus.OFFERED)


def supervisor_profile(zone_name: str) -> MetricsProfile:
    """The supervisor pages count "today" in the org's zone with the default short-abandon
    threshold: the same profile as a board left at its defaults, so they share a snapshot."""
    return MetricsProfile(zone_name or "UTC", DEFAULT_SHORT_ABANDON_THRESHOLD_S)


def _ids(agent_ids: Collection[str] | None) -> list[int] | None:
    return None if agent_ids is None else [int(a) for a in agent_ids if a.isdigit()]


def current_contacts(
    *, org_id: int, agent_ids: Collection[str] | None = None
) -> dict[str, CurrentContact]:
    """The contact each agent is on or being offered now. One query."""
    tasks = Task.objects.filter(organization_id=org_id, agent__isnull=False, status__in=_ON_CONTACT)
    wanted = _ids(agent_ids)
    if wanted is not None:
        tasks = tasks.filter(agent_id__in=wanted)
    found: dict[str, CurrentContact] = {}
    # Newest first: an agent on two contacts (a consult, say) shows the latest.
    for agent_id, channel, queue_id, status in tasks.order_by("status_at").values_list(
        "agent_id", "channel_type", "queue_id", "status"
    ):
        found[str(agent_id)] = CurrentContact(
            agent_id=str(agent_id),
            channel_type=channel,
            queue_id=None if queue_id is None else str(queue_id),
            ringing=status == TaskStatus.OFFERED,
        )
    return found


def handled_contacts_since(
    *, org_id: int, since: datetime, agent_ids: Collection[str] | None = None
) -> ContactColumns:
    """Contacts agents finished at or after `since`. One query."""
    tasks = Task.objects.filter(organization_id=org_id, agent__isnull=False, ended_at__gte=since)
    wanted = _ids(agent_ids)
    if wanted is not None:
        tasks = tasks.filter(agent_id__in=wanted)
    return contacts_of(tasks)


def performance_today(
    *, org_id: int, snapshot: CenterSnapshot, agent_ids: Collection[str] | None = None
) -> dict[str, AgentPerformance]:
    """Contacts handled and AHT today per agent, by the reports' formula. One query."""
    today = snapshot.windows[Period.TODAY]
    return agent_performance(
        handled_contacts_since(org_id=org_id, since=today.start, agent_ids=agent_ids),
        (),
        window=today,
        config=snapshot.config,
        now=snapshot.now,
    )


@dataclass(frozen=True, slots=True)
class WaitingContact:
    id: int
    channel: str
    arrived_ms: int
    wait: str
    ringing: bool


def waiting_contacts(*, org_id: int, queue_id: int, now: datetime) -> list[WaitingContact]:
    """The queue's contacts waiting for an agent (queued, or ringing one), longest first.
    One query."""
    rows = (
        Task.objects.filter(organization_id=org_id, queue_id=queue_id, status__in=_WAITING)
        .order_by("queued_at", "created_at", "pk")
        .values_list("pk", "channel_type", "queued_at", "created_at", "status")
    )
    found = []
    for pk, channel, queued_at, created_at, status in rows:
        arrived = queued_at or created_at
        found.append(
            WaitingContact(
                id=pk,
                channel=(channel or "contact").capitalize(),
                arrived_ms=epoch_ms(arrived) or 0,
                wait=display_s(max(0.0, (now - arrived).total_seconds())),
                ringing=status == TaskStatus.OFFERED,
            )
        )
    return found


class EligibleBasis(StrEnum):
    """How the drill-down decided who can take a queue (said on the page)."""

    SERVING_TEAMS = "serving_teams"
    HANDLED_TODAY = "handled_today"


def eligible_agent_ids(
    *, org_id: int, queue_id: int, snapshot: CenterSnapshot
) -> tuple[list[str], EligibleBasis]:
    """Logged-in agents who can take the queue: those of its serving teams (queue settings)
    when any are set; else those who handled or are on one of its contacts today (WxCC's
    skills and team assignments are not stored). At most one query."""
    teams = snapshot.config.queue_team_ids.get(str(queue_id), frozenset())
    if teams:
        return snapshot.agents.logged_in_ids(teams), EligibleBasis.SERVING_TEAMS
    today = snapshot.windows[Period.TODAY].start
    seen = (
        Task.objects.filter(organization_id=org_id, queue_id=queue_id, agent__isnull=False)
        .filter(Q(created_at__gte=today) | ~Q(status=TaskStatus.ENDED))
        .values_list("agent_id", flat=True)
        .distinct()
    )
    ids = {str(a) for a in seen}
    return [a for a in snapshot.agents.logged_in_ids() if a in ids], EligibleBasis.HANDLED_TODAY
