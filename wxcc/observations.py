"""Typed observations of WxCC state, whichever source they come from.

A webhook event and a poll result both become observations: "task X was in status S at time
T (and here is what else we learnt)". The services apply observations to stored state so
that any order of arrival converges to the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wxcc.models import AgentState, TaskStatus


@dataclass(frozen=True)
class Ref:
    """A WxCC entity by id, with its display name when the source gave one."""

    wxcc_id: str
    name: str = ""


@dataclass(frozen=True)
class TaskDurations:
    """Durations (ms) as WxCC's search reports them for a task."""

    queue_ms: int | None = None
    ringing_ms: int | None = None
    connected_ms: int | None = None
    hold_ms: int | None = None
    wrapup_ms: int | None = None
    total_ms: int | None = None


@dataclass(frozen=True)
class TaskClassification:
    """How a contact ended, in WxCC's words (CSR fields, §2.5)."""

    contact_handle_type: str = ""  # "normal", "abandoned" or "short"
    abandoned_type: str = ""
    terminating_end: str = ""
    termination_reason: str = ""


@dataclass(frozen=True)
class TaskObservation:
    wxcc_id: str
    status: TaskStatus
    at: datetime  # when the task was (or entered) this status
    channel_type: str = ""
    direction: str = ""
    origin: str = ""
    destination: str = ""
    queue: Ref | None = None
    agent: Ref | None = None
    created_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    termination_type: str = ""
    durations: TaskDurations | None = None
    transfer_count: int | None = None
    # WxCC's classification of an ended contact (search's contactHandleType, abandonedType,
    # terminatingEnd, terminationReason; docs/wxcc-contract.md §2.5). Only an ENDED
    # observation carries it; see wxcc.merge for whose word counts.
    classification: TaskClassification | None = None


@dataclass(frozen=True)
class AgentObservation:
    agent: Ref
    state: AgentState
    at: datetime  # when the agent entered this state
    team: Ref | None = None
    idle_code: str = ""
    session_id: str = ""
    login_at: datetime | None = None
    task_wxcc_id: str = ""  # the contact the agent is reserved for / connected to, if any
