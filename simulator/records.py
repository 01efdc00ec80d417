"""The model's records: tasks with their queue legs and offers, agent sessions and agent
activities, plus the vocabularies (states, statuses) each WxCC surface shows for them.

Records are mutable while they are live (the model appends to them); once a task or session
has ended nothing changes it again, which is what lets history and live answers agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Agent states inside the model.
LOGGED_OUT = "LoggedOut"
AVAILABLE = "Available"
IDLE = "Idle"
RESERVED = "Reserved"  # a task is ringing at the agent
# A ring that timed out (RONA): the ringing stretch is recorded as "not responding" before
# the agent is made idle with the RONA idle code.
NOT_RESPONDING = "NotResponding"
CONNECTED = "Connected"
HOLD = "Hold"
HOLD_DONE = "HoldDone"  # connected again after a hold
WRAPUP = "WrapUp"
BUSY_STATES = frozenset({RESERVED, NOT_RESPONDING, CONNECTED, HOLD, HOLD_DONE, WRAPUP})
# Talking to the customer, before or after a hold.
CONNECTED_STATES = frozenset({CONNECTED, HOLD_DONE})

# The one table of agent state words: `currentState` in V1 `agent:state_change` webhooks, in
# Agent Activities records and in search (agentSession `channelInfo.currentState` and AAR
# `channelInfo.activities.nodes.state`). Cisco's AAR sample groups activities by the states
# available, call-ended, connected, hold-done, idle, logged-out, not-responding, on-hold,
# outdial-reserved, ringing, skill-update and wrapup (docs/wxcc-contract.md 2.6); we use the
# ones our model has. Consult/conference states (consulting, conferencing) are not modelled.
AGENT_CHANNEL_STATE = {
    LOGGED_OUT: "logged-out",
    AVAILABLE: "available",
    IDLE: "idle",
    RESERVED: "ringing",
    NOT_RESPONDING: "not-responding",
    CONNECTED: "connected",
    HOLD: "on-hold",
    HOLD_DONE: "hold-done",
    WRAPUP: "wrapup",
}
# Agent-level state as the Agents API names it ("Available", "Idle", "LoggedOut", "Reserved",
# "Engaged", ...); used for agentSession `state` [which values search shows: to confirm].
AGENT_STATE = {
    LOGGED_OUT: "LoggedOut",
    AVAILABLE: "Available",
    IDLE: "Idle",
    RESERVED: "Reserved",
    NOT_RESPONDING: "Reserved",
    CONNECTED: "Engaged",
    HOLD: "Engaged",
    HOLD_DONE: "Engaged",
    WRAPUP: "WrapUp",
}

# Task status as the search API shows it: "created" and "ended" in Cisco's README examples,
# "parked" in its real-time queued sample, "connect" (ringing at an agent) in a sample
# response, "connected" in a Power BI sample (docs/wxcc-contract.md 2.5).
STATUS_CREATED = "created"  # in self-service (IVR, bot) before reaching a queue
STATUS_PARKED = "parked"
STATUS_OFFERED = "connect"
STATUS_CONNECTED = "connected"
STATUS_ENDED = "ended"

# How a contact ended (docs/wxcc-contract.md 2.5). `terminationType` values seen in Cisco's
# sample responses: normal, abandoned, self_service, sudden_disconnect (null while active).
TERMINATION_NORMAL = "normal"
TERMINATION_ABANDONED = "abandoned"
TERMINATION_SUDDEN_DISCONNECT = "sudden_disconnect"
# `contactHandleType` ("Shows how the call was handled: short, abandoned, or normal").
HANDLE_NORMAL = "normal"
HANDLE_ABANDONED = "abandoned"
HANDLE_SHORT = "short"
# `abandonedType`: "new, queue, treatment, agent-connect" (CLR dictionary); our callers only
# hang up while waiting in a queue.
ABANDONED_IN_QUEUE = "queue"
# Tenant settings WxCC applies and our sources give no default for (one place, ours):
# "Short Call Threshold: the time interval, in seconds, to determine whether the call is short
# or abandoned", counted from the start of the call; and the "Sudden Disconnect Threshold"
# after connecting to an agent. A real call of 6.7 s connected was a sudden disconnect.
SHORT_CALL_THRESHOLD_S = 10
SUDDEN_DISCONNECT_THRESHOLD_S = 10

DIRECTION_INBOUND = "inbound"  # search filter example: {direction: {equals: "inbound"}}
WEBHOOK_DIRECTION_INBOUND = "INBOUND"  # webhook task data: direction "INBOUND"/"OUTBOUND"
WEBHOOK_DIRECTION_OUTBOUND = "OUTBOUND"
# A courtesy callback is connected as an outbound call with this outboundType (community sample).
OUTBOUND_TYPE_CALLBACK = "COURTESY_CALLBACK"
# task:ended `terminatingParty` and `reason` (community sample of real webhooks).
# The same words are search's `terminatingEnd` ("Customer" in Cisco's TME lab response) and
# `terminationReason` ("Agent Left, ..., Customer Left, ..." in the CSR dictionary).
TERMINATING_CUSTOMER = "Customer"
TERMINATING_AGENT = "Agent"
REASON_CUSTOMER_LEFT = "Customer Left"
REASON_AGENT_LEFT = "Agent Left"


@dataclass
class Offer:
    """One time a task rang at an agent (accepted or not: RONA)."""

    agent_id: str
    team_id: str
    offered_ms: int
    answered_ms: int | None = None
    accepted: bool = False


@dataclass
class QueueLeg:
    """One visit of a task to a queue (a transfer starts a new leg)."""

    queue_id: str
    enqueued_ms: int
    # When the caller hangs up if still waiting; None: never (scripted tasks without patience).
    patience_deadline_ms: int | None = None
    parked: bool = False
    parked_ms: int | None = None
    offers: list[Offer] = field(default_factory=list)
    abandoned_ms: int | None = None
    # When an agent accepted the task from this leg, and how long it was connected.
    accepted_ms: int | None = None
    connected_end_ms: int | None = None
    hold_ms: int = 0
    wrapup_ms: int = 0
    transferred: bool = False

    @property
    def left_queue_ms(self) -> int | None:
        if self.accepted_ms is not None:
            return self.accepted_ms
        return self.abandoned_ms


@dataclass
class Task:
    """A contact: one telephony call, chat or email, from creation to its end."""

    id: str
    channel_type: str
    direction: str
    origin: str
    destination: str
    entry_point_id: str
    created_ms: int
    status: str = STATUS_CREATED
    ended_ms: int | None = None
    termination_type: str | None = None
    contact_handle_type: str | None = None
    abandoned_type: str | None = None
    terminating_party: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None
    team_id: str | None = None
    selfservice_ms: int = 0
    queue_ms: int = 0
    ringing_ms: int = 0
    connected_ms: int = 0
    hold_ms: int = 0
    wrapup_ms: int = 0
    hold_count: int = 0
    transfer_count: int = 0
    callback: bool = False
    capture_requested: bool = False
    legs: list[QueueLeg] = field(default_factory=list)
    # (start, end) of each hold; end None while on hold.
    holds: list[list[int | None]] = field(default_factory=list)
    # Fixed durations for tasks injected through the control API (seconds); None = sampled.
    handle_s: float | None = None
    wrapup_s: float | None = None
    patience_s: float | None = None
    ring_s: float | None = None
    scripted: bool = False

    @property
    def is_active(self) -> bool:
        return self.ended_ms is None

    @property
    def queue_count(self) -> int:
        return len(self.legs)

    def total_ms(self, now_ms: int) -> int:
        end = self.ended_ms if self.ended_ms is not None else now_ms
        return max(0, end - self.created_ms)


@dataclass
class Activity:
    """One stretch of an agent in one state (an Agent Activities record)."""

    agent_id: str
    session_id: str
    state: str
    start_ms: int
    end_ms: int | None = None
    task_id: str | None = None
    queue_id: str | None = None
    channel_type: str | None = None
    idle_code_id: str | None = None
    is_login: bool = False

    def duration_ms(self, now_ms: int) -> int:
        end = self.end_ms if self.end_ms is not None else now_ms
        return max(0, end - self.start_ms)


@dataclass
class AgentSession:
    """One login of an agent, from agent:login to agent:logout."""

    id: str
    agent_id: str
    team_id: str
    site_id: str
    start_ms: int
    end_ms: int | None = None
    activities: list[Activity] = field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.end_ms is None


@dataclass(frozen=True)
class ModelEvent:
    """Something that happened in the model that WxCC would announce through a webhook."""

    type: str
    time_ms: int
    data: dict[str, object]
