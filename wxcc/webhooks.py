"""WxCC webhook deliveries: signature verification, envelope parsing, and the mapping of
events to observations. Pure functions; the view and the Celery task are the edges.

The scheme is recorded in docs/wxcc-contract.md §1.4: HMAC-SHA256 of the raw body keyed by
the subscription's secret, lowercase hex, in `X-WebexCC-Signature`; CloudEvents-style
envelope whose `source` ends in the subscription id; V2 adds `comciscotimestamp` (epoch ms).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wxcc.api_types import from_epoch_ms
from wxcc.models import AgentState, TaskStatus
from wxcc.observations import AgentObservation, Ref, TaskObservation

SIGNATURE_HEADER = "X-WebexCC-Signature"
TIMESTAMP_HEADER = "X-WebExCC-Timestamp"
VERSION_HEADER = "X-WebexCC-Webhook-Version"

_SOURCE_RE = re.compile(r"^/com/cisco/wxcc/(?P<subscription_id>[^/\s]+)$")

TASK_EVENT_STATUS = {
    "task:new": TaskStatus.NEW,
    "task:parked": TaskStatus.QUEUED,
    "task:connect": TaskStatus.OFFERED,
    "task:connected": TaskStatus.CONNECTED,
    "task:ended": TaskStatus.ENDED,
}
AGENT_EVENTS = {"agent:login", "agent:logout", "agent:state_change"}

# `currentState` values, compared case-insensitively. The Agents API documents Available,
# Idle, LoggedOut, Reserved, Engaged and EngagedOther; activities use lowercase idle,
# available, connected; wrap-up and hold spellings are unconfirmed (see the contract doc).
_AGENT_STATE_WORDS = {
    "available": AgentState.AVAILABLE,
    "idle": AgentState.IDLE,
    "loggedout": AgentState.LOGGED_OUT,
    "logout": AgentState.LOGGED_OUT,
    "reserved": AgentState.RESERVED,
    "ringing": AgentState.RESERVED,
    "engaged": AgentState.CONNECTED,
    "engagedother": AgentState.CONNECTED,
    "connected": AgentState.CONNECTED,
    "hold": AgentState.CONNECTED,
    "onhold": AgentState.CONNECTED,
    "wrapup": AgentState.WRAPUP,
}


class WebhookRejected(Exception):
    """A delivery we refuse, with the HTTP status and a reason safe to send back."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    subscription_id: str
    org_id: str
    timestamp: datetime | None  # V2 `comciscotimestamp`; V1 deliveries carry no event time
    data: dict[str, Any]


def sign(secret: str, body: bytes) -> str:
    """The signature WxCC puts in SIGNATURE_HEADER for `body`."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, received: str | None) -> bool:
    if not received:
        return False
    return hmac.compare_digest(sign(secret, body), received.strip().lower())


def parse_envelope(body: bytes) -> Envelope:
    """Parse a delivery's body; raise WebhookRejected(400, reason) when it is not one."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookRejected(400, f"body is not valid JSON: {exc.__class__.__name__}") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "body must be a JSON object")
    missing = [k for k in ("id", "type", "source", "data") if k not in payload]
    if missing:
        raise WebhookRejected(400, f"missing envelope field(s): {', '.join(missing)}")
    for key in ("id", "type", "source"):
        if not isinstance(payload[key], str) or not payload[key]:
            raise WebhookRejected(400, f"envelope field '{key}' must be a non-empty string")
    if not isinstance(payload["data"], dict):
        raise WebhookRejected(400, "envelope field 'data' must be an object")
    match = _SOURCE_RE.match(payload["source"])
    if match is None:
        raise WebhookRejected(400, "envelope 'source' is not /com/cisco/wxcc/<subscriptionId>")
    if len(payload["id"]) > 128:
        raise WebhookRejected(400, "envelope 'id' is too long")
    return Envelope(
        event_id=payload["id"],
        event_type=payload["type"],
        subscription_id=match["subscription_id"],
        org_id=str(payload.get("comciscoorgid") or ""),
        timestamp=from_epoch_ms(payload.get("comciscotimestamp")),
        data=payload["data"],
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def agent_state_from(word: str) -> AgentState | None:
    return _AGENT_STATE_WORDS.get(word.replace("_", "").replace("-", "").lower())


def observations_for(
    envelope: Envelope, received_at: datetime
) -> list[TaskObservation | AgentObservation]:
    """What an event tells us, as observations. Unknown event types tell us nothing."""
    at = envelope.timestamp or received_at
    data = envelope.data
    if envelope.event_type in TASK_EVENT_STATUS:
        task_id = _text(data, "taskId")
        if not task_id:
            raise WebhookRejected(400, f"{envelope.event_type} without data.taskId")
        status = TASK_EVENT_STATUS[envelope.event_type]
        queue_id = _text(data, "queueId")
        return [
            TaskObservation(
                wxcc_id=task_id,
                status=status,
                at=at,
                channel_type=_text(data, "channelType").lower(),
                direction=_text(data, "direction").lower(),
                origin=_text(data, "origin"),
                destination=_text(data, "destination"),
                queue=Ref(queue_id) if queue_id else None,
                created_at=from_epoch_ms(data.get("createdTime")),
                termination_type=_text(data, "reason") if status == TaskStatus.ENDED else "",
            )
        ]
    if envelope.event_type in AGENT_EVENTS:
        agent_id = _text(data, "agentId")
        if not agent_id:
            raise WebhookRejected(400, f"{envelope.event_type} without data.agentId")
        if envelope.event_type == "agent:logout":
            state = AgentState.LOGGED_OUT
        else:
            named = agent_state_from(_text(data, "currentState"))
            if named is None and envelope.event_type == "agent:login":
                named = AgentState.IDLE  # agents log in not ready unless told otherwise
            if named is None:
                raise WebhookRejected(400, f"unknown currentState {data.get('currentState')!r}")
            state = named
        team_id = _text(data, "teamId")
        task_id = _text(data, "taskId")
        agent = Ref(agent_id)
        observations: list[TaskObservation | AgentObservation] = [
            AgentObservation(
                agent=agent,
                state=state,
                at=at,
                team=Ref(team_id) if team_id else None,
                idle_code=_text(data, "idleCodeName") if state == AgentState.IDLE else "",
                task_wxcc_id=task_id,
            )
        ]
        # An agent ringing for, or engaged on, a task is also news of that task: its agent.
        if task_id and state in (AgentState.RESERVED, AgentState.CONNECTED):
            task_status = (
                TaskStatus.OFFERED if state == AgentState.RESERVED else TaskStatus.CONNECTED
            )
            observations.append(
                TaskObservation(wxcc_id=task_id, status=task_status, at=at, agent=agent)
            )
        return observations
    return []
