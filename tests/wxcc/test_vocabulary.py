"""One vocabulary of WxCC state words for webhooks and polls (docs/wxcc-contract.md §1.6)."""

from __future__ import annotations

import logging
import string
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc import mapping, vocabulary
from wxcc.events import accept_delivery
from wxcc.models import AgentSession, AgentState, RawEvent, Task, TaskStatus, WebhookSubscription
from wxcc.observations import AgentObservation, TaskObservation
from wxcc.processing import process_raw_event
from wxcc.webhooks import Envelope, observations_for

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
SECRET = "s3cr3t-for-vocabulary-tests-long-enough-1"


def agent_event(current_state: str, **data: Any) -> Envelope:
    return Envelope(
        event_id=str(uuid.uuid4()),
        event_type="agent:state_change",
        subscription_id="sub-1",
        org_id="org-vocab",
        timestamp=T0,
        data={"agentId": "agent-1", "currentState": current_state, **data},
    )


def agent_observation(current_state: str, **data: Any) -> AgentObservation:
    [first, *_] = observations_for(agent_event(current_state, **data), received_at=T0)
    assert isinstance(first, AgentObservation)
    return first


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("not-responding", AgentState.IDLE),
        ("NotResponding", AgentState.IDLE),
        ("RONA", AgentState.IDLE),
        ("consulting", AgentState.CONNECTED),
        ("consult-done", AgentState.CONNECTED),
        ("conferencing", AgentState.CONNECTED),
        ("conference-done", AgentState.CONNECTED),
        ("on-hold", AgentState.CONNECTED),
        ("hold-done", AgentState.CONNECTED),
        ("wrapup", AgentState.WRAPUP),
        ("WrapUp", AgentState.WRAPUP),
        ("EngagedOther", AgentState.CONNECTED),
        ("ringing", AgentState.RESERVED),
    ],
)
def test_webhook_agent_states_the_poll_already_knew_are_now_applied(
    word: str, state: AgentState
) -> None:
    assert agent_observation(word).state == state


def test_an_agent_who_let_a_contact_ring_out_shows_as_idle_because_of_rona() -> None:
    assert agent_observation("not-responding").idle_code == vocabulary.RONA_IDLE_CODE
    assert agent_observation("rona", idleCodeName="Missed call").idle_code == "Missed call"


def test_hold_done_returns_the_agent_and_the_task_to_connected() -> None:
    observations = observations_for(agent_event("hold-done", taskId="task-3"), received_at=T0)
    assert [type(o) for o in observations] == [AgentObservation, TaskObservation]
    assert observations[1].status == TaskStatus.CONNECTED  # type: ignore[union-attr]


def test_wrapup_done_changes_nothing_the_next_state_word_says_where_the_agent_went() -> None:
    assert observations_for(agent_event("wrapup-done"), received_at=T0) == []


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("task:new", TaskStatus.NEW),
        ("task:parked", TaskStatus.QUEUED),
        ("task:connect", TaskStatus.OFFERED),
        ("task:connected", TaskStatus.CONNECTED),
        ("task:on-hold", TaskStatus.CONNECTED),
        ("task:hold-done", TaskStatus.CONNECTED),
        ("task:consulting", TaskStatus.CONNECTED),
        ("task:conferencing", TaskStatus.CONNECTED),
        ("task:ended", TaskStatus.ENDED),
    ],
)
def test_task_events_are_read_through_the_same_task_words_as_search_statuses(
    event_type: str, status: TaskStatus
) -> None:
    event = Envelope("e", event_type, "sub-1", "", T0, {"taskId": "task-1"})
    [observation] = observations_for(event, received_at=T0)
    assert observation.status == status  # type: ignore[union-attr]


@given(st.sampled_from(sorted(vocabulary.AGENT_WORDS)))
def test_polls_and_webhooks_read_an_agent_word_alike(word: str) -> None:
    meaning = vocabulary.AGENT_WORDS[word]
    assert mapping.agent_state(word) == meaning.state
    if meaning.state is not None:
        assert agent_observation(word).state == meaning.state


@given(st.sampled_from(sorted(vocabulary.TASK_WORDS)))
def test_polls_and_webhooks_read_a_task_word_alike(word: str) -> None:
    meaning = vocabulary.TASK_WORDS[word]
    event = Envelope("e", f"task:{word}", "sub-1", "", T0, {"taskId": "task-1"})
    observations = observations_for(event, received_at=T0)
    if meaning.status is None:
        assert observations == []
    else:
        assert [o.status for o in observations] == [meaning.status]  # type: ignore[union-attr]


@given(st.text(alphabet=string.ascii_letters, max_size=30))
def test_a_word_is_one_word_whatever_its_case_and_punctuation(word: str) -> None:
    spelled_otherwise = "-".join(word.upper())
    assert vocabulary.normalise(word) == vocabulary.normalise(spelled_otherwise)


def test_an_unknown_word_is_logged_once_per_org_and_word(caplog: pytest.LogCaptureFixture) -> None:
    word = f"Teleporting{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING, logger="wxcc.vocabulary"):
        for org_id in ("org-a", "org-a", "org-b", "org-a"):
            assert vocabulary.agent_word(word, org_id=org_id) is None
        vocabulary.agent_word(word + "x", org_id="org-a")
    lines = [r.getMessage() for r in caplog.records if "wxcc_unknown_word" in r.getMessage()]
    assert lines == [
        f"event=wxcc_unknown_word org_id=org-a kind=agent_state word='{word}'",
        f"event=wxcc_unknown_word org_id=org-b kind=agent_state word='{word}'",
        f"event=wxcc_unknown_word org_id=org-a kind=agent_state word='{word}x'",
    ]


def test_an_unknown_event_type_is_ignored_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    event_type = f"task-message:appended-{uuid.uuid4().hex[:6]}"
    event = Envelope("e", event_type, "sub-1", "org-x", T0, {})
    with caplog.at_level(logging.WARNING, logger="wxcc.vocabulary"):
        assert observations_for(event, received_at=T0) == []
        assert observations_for(event, received_at=T0) == []
    assert sum(event_type in r.getMessage() for r in caplog.records) == 1


@pytest.fixture
def subscription(db: None) -> WebhookSubscription:
    from oauth.models import Organization

    org = Organization.objects.create(name="Vocab Care", webex_org_id="org-vocab")
    return WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-vocab",
        name="agents",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )


def deliver_and_process(event_type: str, at_ms: int, **data: Any) -> RawEvent:
    payload = envelope("sub-vocab", event_type, {"agentId": "agent-5", **data}, at_ms=at_ms)
    accepted = accept_delivery(*signed(SECRET, payload))
    process_raw_event(accepted.raw_event_id)
    return RawEvent.objects.get(pk=accepted.raw_event_id)


def test_a_stored_rona_webhook_is_applied_not_left_unmappable(
    subscription: WebhookSubscription,
) -> None:
    t0 = now_ms() - 60_000
    deliver_and_process("agent:login", t0, currentState="Available")
    deliver_and_process("agent:state_change", t0 + 5_000, currentState="ringing", taskId="t-9")
    raw = deliver_and_process("agent:state_change", t0 + 20_000, currentState="NotResponding")
    assert raw.error == ""
    session = AgentSession.objects.get()
    assert (session.state, session.idle_code) == (AgentState.IDLE, "RONA")
    deliver_and_process("agent:state_change", t0 + 30_000, currentState="Available")
    assert AgentSession.objects.get().state == AgentState.AVAILABLE


def test_hold_and_wrapup_webhooks_move_a_session_through_its_contact(
    subscription: WebhookSubscription,
) -> None:
    t0 = now_ms() - 120_000
    steps = [
        ("agent:login", {"currentState": "Available"}, AgentState.AVAILABLE),
        (
            "agent:state_change",
            {"currentState": "connected", "taskId": "t-4"},
            AgentState.CONNECTED,
        ),
        ("agent:state_change", {"currentState": "on-hold", "taskId": "t-4"}, AgentState.CONNECTED),
        (
            "agent:state_change",
            {"currentState": "hold-done", "taskId": "t-4"},
            AgentState.CONNECTED,
        ),
        (
            "agent:state_change",
            {"currentState": "consulting", "taskId": "t-4"},
            AgentState.CONNECTED,
        ),
        ("agent:state_change", {"currentState": "wrapup", "taskId": "t-4"}, AgentState.WRAPUP),
        ("agent:state_change", {"currentState": "wrapup-done"}, AgentState.WRAPUP),
        ("agent:state_change", {"currentState": "Available"}, AgentState.AVAILABLE),
    ]
    for offset_s, (event_type, data, expected) in enumerate(steps):
        raw = deliver_and_process(event_type, t0 + offset_s * 1000, **data)
        assert raw.error == "", raw.error
        assert AgentSession.objects.get().state == expected, data
    assert Task.objects.get(wxcc_id="t-4").status == TaskStatus.CONNECTED
