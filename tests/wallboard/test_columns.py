"""The engine counts contacts and spans as columns: putting them into columns and reading
them back loses nothing, and selecting rows keeps every field of each row together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings

from wallboard.metrics import AgentState, AgentStateSpan, Contact, HandleType
from wallboard.metrics.columns import (
    MISSING,
    contact_columns,
    epoch_us,
    from_epoch_us,
    seconds_to_us,
    span_columns,
    times_us,
)

from .strategies import AgentDay, agent_days, contact_lists


def test_epoch_microseconds_are_exact_far_from_the_epoch_and_before_it() -> None:
    for moment in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ):
        assert from_epoch_us(epoch_us(moment)) == moment


def test_epoch_seconds_as_the_database_returns_them_become_exact_microseconds() -> None:
    moments = [
        datetime(2026, 11, 24, 23, 59, 59, 123_457, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 58, 999_999, tzinfo=UTC),
    ]
    seconds = [m.timestamp() for m in moments]
    assert seconds_to_us([*seconds, None]).tolist() == [*(epoch_us(m) for m in moments), MISSING]


@settings(max_examples=100, deadline=None)
@given(contact_lists(max_size=40))
def test_contacts_come_back_from_columns_field_for_field(contacts: list[Contact]) -> None:
    assert contact_columns(contacts).contacts() == contacts


@settings(max_examples=100, deadline=None)
@given(agent_days())
def test_spans_come_back_from_columns_field_for_field(days: AgentDay) -> None:
    _, spans = days
    assert span_columns(spans).spans() == spans


def _contact(contact_id: str, queue_id: str | None, team_id: str | None, **times: int) -> Contact:
    at = datetime(2026, 3, 10, 9, tzinfo=UTC)
    return Contact(
        contact_id,
        queue_id,
        None if team_id is None else f"agent-of-{team_id}",
        team_id,
        "telephony",
        at + timedelta(seconds=times.get("arrived", 0)),
        answered_at=at + timedelta(seconds=times["answered"]) if "answered" in times else None,
        handle_type=HandleType.NORMAL if "answered" in times else None,
        talk_ms=times.get("talk"),
        is_open="answered" not in times,
        is_waiting="answered" not in times,
    )


def test_choosing_queues_keeps_each_contact_whole_and_the_names_of_codes() -> None:
    contacts = [
        _contact("c1", "q1", "t1", answered=10, talk=100),
        _contact("c2", "q2", None, arrived=5),
        _contact("c3", None, "t2", arrived=7),
        _contact("c4", "q1", "t2", arrived=3, answered=20),
    ]
    columns = contact_columns(contacts)

    assert columns.of_queues({"q1"}).contacts() == [contacts[0], contacts[3]]
    assert columns.of_queues({"q2", "nowhere"}).contacts() == [contacts[1]]
    assert columns.of_queues(set()).contacts() == []
    assert columns.take(np.array([2, 0])).contacts() == [contacts[2], contacts[0]]


def test_choosing_agents_keeps_each_span_whole() -> None:
    at = datetime(2026, 3, 10, 9, tzinfo=UTC)
    spans = [
        AgentStateSpan("a1", AgentState.IDLE, at, at + timedelta(minutes=5), "Lunch"),
        AgentStateSpan("a2", AgentState.AVAILABLE, at, None),
        AgentStateSpan("a1", AgentState.CONNECTED, at + timedelta(minutes=5), None),
    ]
    columns = span_columns(spans)

    assert columns.of_agents({"a1"}).spans() == [spans[0], spans[2]]
    assert columns.of_agents({"a3"}).spans() == []
    assert columns.take(columns.end_us == MISSING).spans() == [spans[1], spans[2]]


def test_adding_spans_of_other_agents_and_idle_codes_keeps_each_span_whole() -> None:
    at = datetime(2026, 3, 10, 9, tzinfo=UTC)
    kept = [
        AgentStateSpan("a1", AgentState.IDLE, at, None, "Lunch"),
        AgentStateSpan("a2", AgentState.AVAILABLE, at, None),
    ]
    added = [
        AgentStateSpan("a3", AgentState.IDLE, at, None, "Meeting"),
        AgentStateSpan("a1", AgentState.CONNECTED, at, None),
        AgentStateSpan("a4", AgentState.IDLE, at, None, "Lunch"),
    ]
    both = span_columns(kept) + span_columns(added)

    assert both.spans() == kept + added
    assert both.agent_ids == ("a1", "a2", "a3", "a4")
    assert both.except_agents({"a1"}).spans() == [kept[1], added[0], added[2]]
    assert both.except_agents({"a1", "a2", "a3"}).present_agent_ids() == {"a4"}
    assert (span_columns([]) + span_columns(added)).spans() == added


def test_datetimes_become_exact_microseconds_near_and_far_from_the_epoch() -> None:
    moments = [
        datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),
        datetime(2106, 2, 7, 6, 28, 15, 999_999, tzinfo=UTC),  # the last float-exact second
        datetime(2106, 2, 7, 6, 28, 16, 1, tzinfo=UTC),
        datetime(1833, 11, 24, 17, 31, 44, 999_999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        None,
    ]
    assert times_us(moments).tolist() == [MISSING if m is None else epoch_us(m) for m in moments]
    assert [from_epoch_us(us) for us in times_us(moments[:-1]).tolist()] == moments[:-1]
