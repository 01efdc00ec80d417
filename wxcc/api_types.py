"""Typed WxCC API results: what `wxcc.client` returns, parsed once at the boundary.

Field names in the comments are WxCC's (docs/wxcc-contract.md §1.2, §2.4-2.6, §3); times are
aware UTC datetimes and durations stay in ms as WxCC sends them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wxcc.exceptions import WxccUnexpectedAnswer
from wxcc.webhooks import epoch_ms_from

# WxCC's end time of a record still open (taskDetails endedTime, agentSession endTime, Agent
# Activities endTime): docs/wxcc-contract.md §2.4.
OPEN_TIME_MS = -1


def from_epoch_ms(value: Any) -> datetime | None:
    """An epoch-ms time as UTC, or None: absent, `-1` (WxCC's "still open", §2.4, §3.3), or
    unreadable (junk, 1e20, inf, year 10000). Read with the webhook side's rule
    (`wxcc.webhooks.epoch_ms_from`); a whole-number float is taken as its integer."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    ms = epoch_ms_from(value)
    if ms is None or ms < 0:  # OPEN_TIME_MS, or a negative time nothing means
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def required_time(raw: dict[str, Any], name: str) -> datetime:
    """A time the record cannot do without; WxccUnexpectedAnswer when absent or unreadable."""
    when = from_epoch_ms(raw.get(name))
    if when is None:
        raise WxccUnexpectedAnswer(f"record without a readable {name}: {raw.get(name)!r:.40}")
    return when


def to_epoch_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # junk, "nan", 1e400
        return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _word(value: Any) -> str:
    """A vocabulary value as we compare it: lowercase, trimmed, short."""
    return _str(value).strip().lower()[:16]


@dataclass(frozen=True)
class EntityRef:
    """`{id name}` as search returns it for lastQueue, lastAgent, lastTeam…"""

    id: str
    name: str = ""

    @classmethod
    def parse(cls, raw: Any) -> EntityRef | None:
        if not isinstance(raw, dict) or not raw.get("id"):
            return None
        return cls(id=str(raw["id"]), name=_str(raw.get("name")))


@dataclass(frozen=True)
class TaskRecord:
    """One `taskDetails.tasks` row (§2.5)."""

    id: str
    status: str
    is_active: bool
    channel_type: str
    direction: str
    origin: str
    destination: str
    created_at: datetime
    ended_at: datetime | None
    termination_type: str
    last_queue: EntityRef | None
    last_agent: EntityRef | None
    last_team: EntityRef | None
    queue_duration_ms: int | None
    ringing_duration_ms: int | None
    connected_duration_ms: int | None
    hold_duration_ms: int | None
    wrapup_duration_ms: int | None
    total_duration_ms: int | None
    selfservice_duration_ms: int | None
    transfer_count: int | None
    # How WxCC classified the contact (§2.5): "normal", "abandoned" or "short" once ended.
    contact_handle_type: str = ""
    abandoned_type: str = ""
    terminating_end: str = ""
    termination_reason: str = ""

    # The selection we send for raw task rows; every name is in §2.5.
    FIELDS = (
        "id status isActive channelType direction origin destination createdTime endedTime "
        "terminationType contactHandleType abandonedType terminatingEnd terminationReason "
        "lastQueue { id name } lastAgent { id name } lastTeam { id name } "
        "queueDuration ringingDuration connectedDuration holdDuration wrapupDuration "
        "totalDuration selfserviceDuration transferCount"
    )

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> TaskRecord:
        created = required_time(raw, "createdTime")
        return cls(
            id=str(raw["id"]),
            status=_str(raw.get("status")),
            is_active=bool(raw.get("isActive")),
            channel_type=_str(raw.get("channelType")),
            direction=_str(raw.get("direction")),
            origin=_str(raw.get("origin")),
            destination=_str(raw.get("destination")),
            created_at=created,
            ended_at=from_epoch_ms(raw.get("endedTime")),
            termination_type=_str(raw.get("terminationType")),
            last_queue=EntityRef.parse(raw.get("lastQueue")),
            last_agent=EntityRef.parse(raw.get("lastAgent")),
            last_team=EntityRef.parse(raw.get("lastTeam")),
            queue_duration_ms=_int_or_none(raw.get("queueDuration")),
            ringing_duration_ms=_int_or_none(raw.get("ringingDuration")),
            connected_duration_ms=_int_or_none(raw.get("connectedDuration")),
            hold_duration_ms=_int_or_none(raw.get("holdDuration")),
            wrapup_duration_ms=_int_or_none(raw.get("wrapupDuration")),
            total_duration_ms=_int_or_none(raw.get("totalDuration")),
            selfservice_duration_ms=_int_or_none(raw.get("selfserviceDuration")),
            transfer_count=_int_or_none(raw.get("transferCount")),
            contact_handle_type=_word(raw.get("contactHandleType")),
            abandoned_type=_str(raw.get("abandonedType"))[:64],
            terminating_end=_str(raw.get("terminatingEnd"))[:32],
            termination_reason=_str(raw.get("terminationReason"))[:100],
        )


@dataclass(frozen=True)
class ChannelState:
    """One `agentSession.channelInfo` element (§2.6): the agent's state on one channel."""

    channel_type: str
    current_state: str
    last_activity_at: datetime | None  # when the current state began
    idle_code_name: str = ""

    @classmethod
    def parse(cls, raw: Any) -> ChannelState | None:
        if not isinstance(raw, dict):
            return None
        return cls(
            channel_type=_str(raw.get("channelType")),
            current_state=_str(raw.get("currentState")),
            last_activity_at=from_epoch_ms(raw.get("lastActivityTime")),
            idle_code_name=_str(raw.get("idleCodeName")),
        )


@dataclass(frozen=True)
class AgentSessionRecord:
    """One `agentSession.agentSessions` row (§2.6), with the agent's state per channel from
    `channelInfo { currentState lastActivityTime idleCodeName }` (no Agent Activities call)."""

    session_id: str
    agent: EntityRef
    team: EntityRef | None
    site: EntityRef | None
    started_at: datetime
    ended_at: datetime | None
    is_active: bool
    state: str = ""
    channels: tuple[ChannelState, ...] = ()

    FIELDS = (
        "agentSessionId agentId agentName state teamId teamName siteId siteName startTime "
        "endTime isActive channelInfo { channelType currentState lastActivityTime idleCodeName }"
    )

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> AgentSessionRecord:
        started = required_time(raw, "startTime")
        team_id, site_id = raw.get("teamId"), raw.get("siteId")
        channel_info = raw.get("channelInfo")
        if isinstance(channel_info, dict):  # tolerate an object where Cisco shows a list
            channel_info = [channel_info]
        channels = (ChannelState.parse(c) for c in channel_info or [])
        return cls(
            session_id=_str(raw.get("agentSessionId")),
            agent=EntityRef(id=str(raw["agentId"]), name=_str(raw.get("agentName"))),
            team=EntityRef(str(team_id), _str(raw.get("teamName"))) if team_id else None,
            site=EntityRef(str(site_id), _str(raw.get("siteName"))) if site_id else None,
            started_at=started,
            ended_at=from_epoch_ms(raw.get("endTime")),
            is_active=bool(raw.get("isActive")),
            state=_str(raw.get("state")),
            channels=tuple(c for c in channels if c is not None),
        )


@dataclass(frozen=True)
class AgentActivityRecord:
    """One `GET /v1/agents/activities` item (§3.3): an agent in one state from start to end."""

    agent: EntityRef
    session_id: str
    current_state: str
    active: bool
    is_login: bool
    team: EntityRef | None
    task_id: str
    queue_id: str
    channel_type: str
    idle_code_name: str
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> AgentActivityRecord:
        started = required_time(raw, "startTime")
        team_id = raw.get("teamId")
        return cls(
            agent=EntityRef(id=str(raw["agentId"]), name=_str(raw.get("agentName"))),
            session_id=_str(raw.get("agentSessionId")),
            current_state=_str(raw.get("currentState")),
            active=bool(raw.get("active")),
            is_login=_int_or_none(raw.get("isLogin")) == 1,
            team=EntityRef(str(team_id), _str(raw.get("teamName"))) if team_id else None,
            task_id=_str(raw.get("taskId")),
            queue_id=_str(raw.get("queueId")),
            channel_type=_str(raw.get("channelType")),
            idle_code_name=_str(raw.get("idleCodeName")),
            started_at=started,
            ended_at=from_epoch_ms(raw.get("endTime")),
        )


@dataclass(frozen=True)
class QueueAggregate:
    """Today's totals for one queue, summed from one grouped `taskDetails` aggregation."""

    queue: EntityRef
    offered: int = 0  # tasks created today that reached this queue last
    active: int = 0  # of which still open
    ended: int = 0
    abandoned: int = 0  # ended with contactHandleType "abandoned" (§2.5)
    short_abandoned: int = 0  # ended with contactHandleType "short": not abandoned
    handled: int = 0  # ended otherwise ("normal")
    queue_ms_total: int = 0
    max_queue_ms: int = 0
    connected_ms_total: int = 0
    hold_ms_total: int = 0
    wrapup_ms_total: int = 0

    @property
    def avg_queue_ms(self) -> float | None:
        return self.queue_ms_total / self.offered if self.offered else None

    @property
    def avg_handle_ms(self) -> float | None:
        if not self.handled:
            return None
        return (self.connected_ms_total + self.hold_ms_total + self.wrapup_ms_total) / self.handled


@dataclass(frozen=True)
class QueueStatistics:
    """One `GET /v1/queues/statistics` item (§3.1): one queue in one interval."""

    interval_start: datetime
    queue: EntityRef
    channel_type: str
    total_offered: int | None
    total_enqueued: int | None
    total_accepted: int | None
    total_rejected: int | None
    total_abandoned: int | None
    average_enqueued_ms: float | None
    average_handled_ms: float | None
    service_level_threshold_pct: float | None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> QueueStatistics:
        start = required_time(raw, "intervalStartTime")
        return cls(
            interval_start=start,
            queue=EntityRef(id=_str(raw.get("queueId")), name=_str(raw.get("queueName"))),
            channel_type=_str(raw.get("channelType")),
            total_offered=_int_or_none(raw.get("totalOfferedTasks")),
            total_enqueued=_int_or_none(raw.get("totalEnqueuedTasks")),
            total_accepted=_int_or_none(raw.get("totalAcceptedTasks")),
            total_rejected=_int_or_none(raw.get("totalRejectedTasks")),
            total_abandoned=_int_or_none(raw.get("totalAbandonedTasks")),
            average_enqueued_ms=_float_or_none(raw.get("averageEnqueuedTime")),
            average_handled_ms=_float_or_none(raw.get("averageHandledTime")),
            service_level_threshold_pct=_float_or_none(raw.get("serviceLevelThresholdPercentage")),
        )


@dataclass(frozen=True)
class AgentChannelStatistics:
    channel_type: str
    total_offered: int | None
    total_accepted: int | None
    total_rejected: int | None
    total_transferred: int | None
    engaged_ms: int | None
    hold_ms: int | None
    wrapup_ms: int | None
    available_ms: int | None
    unavailable_ms: int | None
    average_handled_ms: float | None


@dataclass(frozen=True)
class AgentStatistics:
    """One `GET /v1/agents/statistics` item (§3.2)."""

    interval_start: datetime
    agent: EntityRef
    team: EntityRef | None
    channels: tuple[AgentChannelStatistics, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> AgentStatistics:
        start = required_time(raw, "intervalStartTime")
        team_id = raw.get("teamId")
        return cls(
            interval_start=start,
            agent=EntityRef(id=_str(raw.get("agentId")), name=_str(raw.get("agentName"))),
            team=EntityRef(str(team_id), _str(raw.get("teamName"))) if team_id else None,
            channels=tuple(
                AgentChannelStatistics(
                    channel_type=_str(c.get("channelType")),
                    total_offered=_int_or_none(c.get("totalOfferedTasks")),
                    total_accepted=_int_or_none(c.get("totalAcceptedTasks")),
                    total_rejected=_int_or_none(c.get("totalRejectedTasks")),
                    total_transferred=_int_or_none(c.get("totalTransferredTasks")),
                    engaged_ms=_int_or_none(c.get("totalEngagedDuration")),
                    hold_ms=_int_or_none(c.get("totalHoldDuration")),
                    wrapup_ms=_int_or_none(c.get("totalWrapUpDuration")),
                    available_ms=_int_or_none(c.get("totalAvailableTime")),
                    unavailable_ms=_int_or_none(c.get("totalUnAvailableTime")),
                    average_handled_ms=_float_or_none(c.get("averageHandledTime")),
                )
                for c in raw.get("channels") or []
                if isinstance(c, dict)
            ),
        )


@dataclass(frozen=True)
class ConfigQueue:
    """One Contact Service Queue from the Config API (`GET /organization/{orgid}/v2/
    contact-service-queue`, docs/wxcc-contract.md §6)."""

    id: str
    name: str
    channel_type: str  # lowercase, as search writes it ("telephony"); the API sends "TELEPHONY"
    service_level_threshold_s: int | None  # None when absent or not positive
    active: bool = True

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ConfigQueue:
        threshold = _int_or_none(raw.get("serviceLevelThreshold"))
        return cls(
            id=str(raw["id"]),
            name=_str(raw.get("name"))[:200],
            channel_type=_str(raw.get("channelType")).lower()[:32],
            service_level_threshold_s=threshold if threshold and threshold > 0 else None,
            active=raw.get("active") is not False,
        )


@dataclass(frozen=True)
class ConfigTeam:
    """One Team from the Config API (`GET /organization/{orgid}/v2/team`, §6)."""

    id: str
    name: str
    active: bool = True

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ConfigTeam:
        return cls(
            id=str(raw["id"]),
            name=_str(raw.get("name"))[:200],
            active=raw.get("active") is not False,
        )


@dataclass(frozen=True)
class Subscription:
    """A WxCC webhook subscription as the API returns it (§1.2); the secret is never echoed."""

    id: str
    name: str
    event_types: tuple[str, ...]
    destination_url: str
    status: str
    resource_version: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Subscription:
        return cls(
            id=str(raw["id"]),
            name=_str(raw.get("name")),
            event_types=tuple(str(e) for e in raw.get("eventTypes") or []),
            destination_url=_str(raw.get("destinationUrl")),
            status=_str(raw.get("status")),
            resource_version=_str(raw.get("resourceVersion")),
        )


def _float_or_none(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
