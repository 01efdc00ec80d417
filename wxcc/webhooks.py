"""WxCC webhook deliveries: finding the signer in the raw bytes, signature verification,
defensive envelope parsing, the replay window, and the mapping of events to observations.
Pure functions (the clock is passed in); wxcc.events and the view are the edges.

The scheme is recorded in docs/wxcc-contract.md §1.4-§1.7: HMAC-SHA256 of the raw body keyed
by the subscription's secret, lowercase hex, in `X-WebexCC-Signature`; CloudEvents-style
envelope whose `source` ends in the subscription id; V2 adds `comciscotimestamp` (epoch ms)
and the same value in `X-WebExCC-Timestamp`.

Order matters: the body is untrusted until its signature is checked, so the subscription (and
with it the secret) is found in the raw bytes, the HMAC is checked over those bytes, and only
then is the body parsed, with every value checked against the columns it will be stored in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wxcc import vocabulary
from wxcc.models import AgentSession, AgentState, RawEvent, RejectionReason, Task, TaskStatus
from wxcc.observations import AgentObservation, Ref, TaskObservation

SIGNATURE_HEADER = "X-WebexCC-Signature"
TIMESTAMP_HEADER = "X-WebExCC-Timestamp"
VERSION_HEADER = "X-WebexCC-Webhook-Version"

# How far an event time may be from our clock: the V2 replay window (Cisco's sample receiver
# allows 5 minutes, §1.4) and the bound on times inside `data`, so a delivery dated in 2100
# cannot pin a task's state in the future.
MAX_EVENT_SKEW = timedelta(minutes=5)
# At most this many distinct `/com/cisco/wxcc/<id>` strings of a body are looked up.
MAX_SOURCE_CANDIDATES = 4

_SUBSCRIPTION_ID = r"[A-Za-z0-9._~-]{1,64}"
_SOURCE_RE = re.compile(rf"^/com/cisco/wxcc/(?P<subscription_id>{_SUBSCRIPTION_ID})$")
# The same, inside raw JSON bytes (a slash may be escaped as \/); bounded, so linear.
_SOURCE_IN_BODY_RE = re.compile(
    rb'"\\?/com\\?/cisco\\?/wxcc\\?/(' + _SUBSCRIPTION_ID.encode() + rb')"'
)
_EPOCH_MS_RE = re.compile(r"^[0-9]{1,15}$")
# datetime's range, as epoch ms: 0001-01-01 .. 9999-12-31.
_MIN_EPOCH_MS = -62_135_596_800_000
_MAX_EPOCH_MS = 253_402_300_799_999

EVENT_ID_MAX_CHARS = RawEvent._meta.get_field("event_id").max_length or 128
EVENT_TYPE_MAX_CHARS = RawEvent._meta.get_field("event_type").max_length or 64
WXCC_ID_MAX_CHARS = Task._meta.get_field("wxcc_id").max_length or 64
IDLE_CODE_MAX_CHARS = AgentSession._meta.get_field("idle_code").max_length or 100

AGENT_EVENTS = {"agent:login", "agent:logout", "agent:state_change"}
_TASK_EVENT_PREFIX = "task:"


class WebhookRejected(Exception):
    """A delivery we refuse: the HTTP status to answer, a reason safe to send back, and what
    to count it as. `subscription_id`/`organization_id` are set once the signer is known."""

    def __init__(
        self,
        status: int,
        reason: str,
        code: RejectionReason = RejectionReason.MALFORMED,
        *,
        subscription_id: str = "",
        organization_id: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.code = code
        self.subscription_id = subscription_id
        self.organization_id = organization_id


# Deliveries that cannot be authenticated are answered 200 and dropped, as Cisco's sample
# receiver does: nothing unauthenticated is stored, and a WxCC delivery we cannot verify (a
# secret out of step, a clock off) does not count as a failure that may get the subscription
# disabled. Each one is counted where an admin sees it (wxcc.rejections).
DROPPED_STATUS = 200


def dropped(code: RejectionReason, reason: str) -> WebhookRejected:
    return WebhookRejected(DROPPED_STATUS, reason, code)


def malformed(reason: str) -> WebhookRejected:
    return WebhookRejected(400, reason, RejectionReason.MALFORMED)


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    subscription_id: str
    org_id: str
    timestamp: datetime | None  # V2 `comciscotimestamp`; V1 deliveries carry no event time
    data: dict[str, Any]
    timestamp_ms: int | None = None


def sign(secret: str, body: bytes) -> str:
    """The signature WxCC puts in SIGNATURE_HEADER for `body`."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, received: str | None) -> bool:
    # No secret, no verification: anyone can compute an HMAC under an empty key.
    if not secret or not received:
        return False
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header may hold anything.
    given = received.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(sign(secret, body).encode("ascii"), given)


def subscription_ids_in(body: bytes) -> tuple[str, ...]:
    """The subscription ids a raw body may come from: its first few distinct
    `/com/cisco/wxcc/<id>` strings. Read before parsing, so the secret is known first."""
    found: list[str] = []
    for match in _SOURCE_IN_BODY_RE.finditer(body):
        candidate = match.group(1).decode("ascii")
        if candidate not in found:
            found.append(candidate)
            if len(found) == MAX_SOURCE_CANDIDATES:
                break
    return tuple(found)


def is_storable_text(value: object, max_chars: int) -> bool:
    """A non-empty string a text column takes as it is: no control characters (PostgreSQL
    refuses NUL), no lone surrogates (not UTF-8), not longer than the column."""
    return isinstance(value, str) and 0 < len(value) <= max_chars and value.isprintable()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def epoch_ms_from(value: object) -> int | None:
    """Epoch ms from an int or a string of digits (Cisco's example sends a string) within
    datetime's range; None for anything else (floats, booleans, junk, 1e20, year 10000)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        ms = value
    elif isinstance(value, str) and _EPOCH_MS_RE.match(value):
        ms = int(value)
    else:
        return None
    return ms if _MIN_EPOCH_MS <= ms <= _MAX_EPOCH_MS else None


def _datetime_from_ms(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def parse_envelope(body: bytes) -> Envelope:
    """Parse a delivery's body; raise WebhookRejected(400, reason) when it is not one.

    Checks every envelope value against the column it is stored in, so a stored event can
    always be written and read back."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise malformed("body nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise malformed(f"body is not valid JSON: {exc.__class__.__name__}") from None
    if not isinstance(payload, dict):
        raise malformed("body must be a JSON object")
    missing = [k for k in ("id", "type", "source", "data") if k not in payload]
    if missing:
        raise malformed(f"missing envelope field(s): {', '.join(missing)}")
    for key in ("id", "type", "source"):
        if not isinstance(payload[key], str) or not payload[key]:
            raise malformed(f"envelope field '{key}' must be a non-empty string")
    if not isinstance(payload["data"], dict):
        raise malformed("envelope field 'data' must be an object")
    if not is_storable_text(payload["id"], EVENT_ID_MAX_CHARS):
        raise malformed(
            f"envelope 'id' must be printable text of at most {EVENT_ID_MAX_CHARS} characters"
        )
    if not is_storable_text(payload["type"], EVENT_TYPE_MAX_CHARS):
        raise malformed(
            f"envelope 'type' must be printable text of at most {EVENT_TYPE_MAX_CHARS} characters"
        )
    match = _SOURCE_RE.match(payload["source"])
    if match is None:
        raise malformed("envelope 'source' is not /com/cisco/wxcc/<subscriptionId>")
    org_id = payload.get("comciscoorgid")
    if org_id is None:
        org_id = ""
    if not isinstance(org_id, str) or (org_id and not is_storable_text(org_id, 128)):
        raise malformed("envelope 'comciscoorgid' must be printable text")
    timestamp_ms: int | None = None
    if payload.get("comciscotimestamp") is not None:
        timestamp_ms = epoch_ms_from(payload["comciscotimestamp"])
        if timestamp_ms is None:
            raise malformed("envelope 'comciscotimestamp' is not epoch milliseconds")
    return Envelope(
        event_id=payload["id"],
        event_type=payload["type"],
        subscription_id=match["subscription_id"],
        org_id=org_id,
        timestamp=_datetime_from_ms(timestamp_ms) if timestamp_ms is not None else None,
        data=payload["data"],
        timestamp_ms=timestamp_ms,
    )


def check_event_time(envelope: Envelope, timestamp_header: str | None, now: datetime) -> None:
    """The V2 replay protection (§1.4): the header, when sent, must repeat the body's
    timestamp, and the (signed) body timestamp must be within MAX_EVENT_SKEW of `now`.
    V1 deliveries carry no timestamp and pass. Raises a dropped WebhookRejected."""
    if envelope.timestamp is None:
        return
    header = (timestamp_header or "").strip()
    if header and epoch_ms_from(header) != envelope.timestamp_ms:
        raise dropped(
            RejectionReason.OUTSIDE_REPLAY_WINDOW,
            f"{TIMESTAMP_HEADER} does not match the body's comciscotimestamp",
        )
    if abs(now - envelope.timestamp) > MAX_EVENT_SKEW:
        raise dropped(
            RejectionReason.OUTSIDE_REPLAY_WINDOW,
            "comciscotimestamp is outside the replay window",
        )


def event_time(envelope: Envelope, received_at: datetime) -> datetime:
    """When the event happened: its V2 timestamp, or when we received it (V1, or a timestamp
    too far from the receipt to trust, such as a stored event accepted before the window)."""
    if envelope.timestamp is None or abs(envelope.timestamp - received_at) > MAX_EVENT_SKEW:
        return received_at
    return envelope.timestamp


def _data_time(data: dict[str, Any], key: str, at: datetime) -> datetime | None:
    """A time inside `data`, never later than the event itself (clamped to it); None if
    absent or not epoch ms."""
    ms = epoch_ms_from(data.get(key))
    if ms is None or ms < 0:
        return None
    when = _datetime_from_ms(ms)
    return at if when > at + MAX_EVENT_SKEW else when


def _text(data: dict[str, Any], key: str, max_chars: int = 200) -> str:
    """Free text from `data` as a column takes it: printable characters only, cut to size."""
    value = data.get(key)
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch.isprintable())[:max_chars]


def _wxcc_id(data: dict[str, Any], key: str, event_type: str, *, required: bool) -> str:
    """An id from `data`. Ids are never cut or cleaned (that would make another id): one that
    does not fit the column makes the event unmappable."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise malformed(f"{event_type} without data.{key}")
        return ""
    if not is_storable_text(value, WXCC_ID_MAX_CHARS):
        raise malformed(f"{event_type} data.{key} is not an id of at most {WXCC_ID_MAX_CHARS}")
    return str(value)


def task_status_for_event(event_type: str, *, org_id: object = None) -> TaskStatus | None:
    """The status a `task:<word>` event reports, through the shared vocabulary."""
    word = vocabulary.task_word(event_type.removeprefix(_TASK_EVENT_PREFIX), org_id=org_id)
    return word.status if word is not None else None


def observations_for(
    envelope: Envelope, received_at: datetime, *, org_id: object = None
) -> list[TaskObservation | AgentObservation]:
    """What an event tells us, as observations. Unknown event types and words that name no
    state (wrapup-done) tell us nothing; unknown agent states are refused (and logged once per
    org). `org_id` only labels those logs; the envelope's `comciscoorgid` is used without it."""
    at = event_time(envelope, received_at)
    data = envelope.data
    log_org = org_id if org_id is not None else envelope.org_id
    if envelope.event_type.startswith(_TASK_EVENT_PREFIX):
        status = task_status_for_event(envelope.event_type, org_id=log_org)
        if status is None:
            return []
        task_id = _wxcc_id(data, "taskId", envelope.event_type, required=True)
        queue_id = _wxcc_id(data, "queueId", envelope.event_type, required=False)
        return [
            TaskObservation(
                wxcc_id=task_id,
                status=status,
                at=at,
                channel_type=_text(data, "channelType", 32).lower(),
                direction=_text(data, "direction", 16).lower(),
                origin=_text(data, "origin"),
                destination=_text(data, "destination"),
                queue=Ref(queue_id) if queue_id else None,
                created_at=_data_time(data, "createdTime", at),
                termination_type=_text(data, "reason", 64) if status == TaskStatus.ENDED else "",
            )
        ]
    if envelope.event_type in AGENT_EVENTS:
        return _agent_observations(envelope, at, log_org)
    vocabulary.note_unknown_word("event_type", envelope.event_type, org_id=log_org)
    return []


def _agent_observations(
    envelope: Envelope, at: datetime, log_org: object
) -> list[TaskObservation | AgentObservation]:
    data = envelope.data
    agent_id = _wxcc_id(data, "agentId", envelope.event_type, required=True)
    idle_code = _text(data, "idleCodeName", IDLE_CODE_MAX_CHARS)
    if envelope.event_type == "agent:logout":
        state: AgentState | None = AgentState.LOGGED_OUT
    else:
        current = data.get("currentState")
        word = vocabulary.agent_word(current, org_id=log_org) if isinstance(current, str) else None
        if word is None and envelope.event_type == "agent:login":
            state = AgentState.IDLE  # agents log in not ready unless told otherwise
        elif word is None:
            raise malformed(f"unknown currentState {_text(data, 'currentState', 64)!r}")
        else:
            state = word.state
            idle_code = idle_code or word.system_idle_code
    if state is None:
        return []  # e.g. wrapup-done: the next state word says where the agent went
    team_id = _wxcc_id(data, "teamId", envelope.event_type, required=False)
    task_id = _wxcc_id(data, "taskId", envelope.event_type, required=False)
    agent = Ref(agent_id)
    observations: list[TaskObservation | AgentObservation] = [
        AgentObservation(
            agent=agent,
            state=state,
            at=at,
            team=Ref(team_id) if team_id else None,
            idle_code=idle_code if state == AgentState.IDLE else "",
            task_wxcc_id=task_id,
        )
    ]
    # An agent ringing for, or engaged on, a task is also news of that task: its agent.
    if task_id and state in (AgentState.RESERVED, AgentState.CONNECTED):
        task_status = TaskStatus.OFFERED if state == AgentState.RESERVED else TaskStatus.CONNECTED
        observations.append(
            TaskObservation(wxcc_id=task_id, status=task_status, at=at, agent=agent)
        )
    return observations
