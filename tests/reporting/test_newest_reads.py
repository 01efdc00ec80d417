"""A task or state span read by more than one day's fetch counts once, as its newest read
says: the fetch that finished later, then (finished together) the later day, then the later
row of one fetch."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from reporting.models import DayFetch, ReportStateSpan, ReportTask
from reporting.selectors import (
    TASK_LIST_FIELDS,
    contact_columns_of,
    iter_spans,
    task_row_chunks_arrived,
)
from tests.fixtures.factories import OrganizationFactory
from wallboard.metrics import AgentState, HandleType, Window


def _at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=UTC)


def _fetch(org: Any, day: int, finished_at: datetime) -> DayFetch:
    return DayFetch.objects.create(
        organization=org,
        day=date(2026, 3, day),
        zone="UTC",
        started_at=finished_at - timedelta(minutes=5),
        finished_at=finished_at,
        final=True,
    )


def _task(fetch: DayFetch, wxcc_id: str, queue_id: str) -> None:
    ReportTask.objects.create(
        fetch=fetch,
        wxcc_id=wxcc_id,
        queue_id=queue_id,
        created_at=_at(10, 23),
        arrived_at=_at(10, 23),
        ended_at=_at(11, 0, 5),
    )


def _span(fetch: DayFetch, idle_code: str) -> None:
    ReportStateSpan.objects.create(
        fetch=fetch,
        agent_id="a1",
        state=AgentState.IDLE.value,
        idle_code=idle_code,
        start=_at(10, 23),
        end=_at(11, 1),
    )


@pytest.mark.django_db
def test_the_fetch_that_finished_later_wins_then_the_later_day_then_the_later_row() -> None:
    org = OrganizationFactory.create(webex_org_id=None)
    # Finished last, though its day is the earliest.
    tuesday = _fetch(org, 10, _at(12, 9))
    wednesday = _fetch(org, 11, _at(12, 8))
    # Finished together: the later day is newer.
    thursday = _fetch(org, 12, _at(13, 8))
    friday = _fetch(org, 13, _at(13, 8))
    fetch_ids = [tuesday.pk, wednesday.pk, thursday.pk, friday.pk]

    _task(wednesday, "t-finish", "q-old")
    _task(tuesday, "t-finish", "q-new")
    _task(friday, "t-day", "q-new")
    _task(thursday, "t-day", "q-old")
    _task(friday, "t-row", "q-old")
    _task(friday, "t-row", "q-new")
    _task(thursday, "t-once", "q-only")

    queues = sorted((c.id, c.queue_id) for c in contact_columns_of(fetch_ids).contacts())
    assert queues == [
        ("t-day", "q-new"),
        ("t-finish", "q-new"),
        ("t-once", "q-only"),
        ("t-row", "q-new"),
    ]

    _span(wednesday, "Lunch")
    _span(tuesday, "Break")
    assert [span.idle_code for span in iter_spans(fetch_ids)] == ["Break"]


@pytest.mark.django_db
def test_spans_of_one_agent_at_other_times_or_in_other_states_are_rows_of_their_own() -> None:
    org = OrganizationFactory.create(webex_org_id=None)
    monday = _fetch(org, 9, _at(10, 9))
    tuesday = _fetch(org, 10, _at(11, 9))
    for fetch, start, state in (
        (monday, _at(9, 23), AgentState.IDLE),
        (tuesday, _at(10, 1), AgentState.IDLE),
        (tuesday, _at(9, 23), AgentState.AVAILABLE),
    ):
        ReportStateSpan.objects.create(
            fetch=fetch, agent_id="a1", state=state.value, start=start, end=_at(10, 2)
        )

    spans = sorted((span.start, span.state) for span in iter_spans([monday.pk, tuesday.pk]))
    assert spans == [
        (_at(9, 23), AgentState.AVAILABLE),
        (_at(9, 23), AgentState.IDLE),
        (_at(10, 1), AgentState.IDLE),
    ]


@pytest.mark.django_db
def test_more_older_reads_than_a_query_has_parameters_are_all_left_out() -> None:
    org = OrganizationFactory.create(webex_org_id=None)
    older = _fetch(org, 10, _at(11, 9))
    newer = _fetch(org, 11, _at(12, 9))
    with connection.cursor() as cursor:
        # 70,000 tasks read by both days (PostgreSQL binds at most 65,535 parameters).
        cursor.execute(
            """
            INSERT INTO reporting_reporttask
                (fetch_id, wxcc_id, channel_type, direction, origin, queue_id, queue_name,
                 agent_id, agent_name, team_id, team_name, created_at, arrived_at, is_open,
                 handle_type, termination_type, abandoned_type, terminating_end,
                 transfer_count)
            SELECT f.id, 't-' || n, 'telephony', '', '', 'q-' || f.id, '', '', '', '',
                   '', %s, %s, false, '', '', '', '', 0
            FROM generate_series(1, 70000) AS n, (VALUES (%s), (%s)) AS f (id)
            """,
            [_at(10, 23), _at(10, 23), older.pk, newer.pk],
        )

    fetch_ids = [older.pk, newer.pk]
    queues = Counter(contact.queue_id for contact in contact_columns_of(fetch_ids).contacts())
    assert queues == {f"q-{newer.pk}": 70_000}
    # The list reads through a cursor of its own, which binds its parameters in PostgreSQL.
    chunks = task_row_chunks_arrived(fetch_ids, Window(_at(10, 0), _at(11, 0)))
    queue_at = TASK_LIST_FIELDS.index("queue_id")
    listed = Counter(row[queue_at] for chunk in chunks for row in chunk)
    assert listed == {f"q-{newer.pk}": 70_000}


@pytest.mark.django_db
def test_a_cached_task_reaches_the_metrics_field_for_field() -> None:
    """Times to the microsecond, "" ids and an unknown handle type as none, open and closed."""
    org = OrganizationFactory.create(webex_org_id=None)
    fetch = _fetch(org, 10, _at(11, 1))
    created = datetime(2026, 3, 10, 9, 0, 0, 123_456, tzinfo=UTC)
    ReportTask.objects.create(
        fetch=fetch,
        wxcc_id="t-answered",
        channel_type="telephony",
        queue_id="q1",
        agent_id="a1",
        team_id="tm1",
        created_at=created,
        arrived_at=created + timedelta(seconds=4, microseconds=1),
        answered_at=created + timedelta(seconds=31, microseconds=999_999),
        ended_at=created + timedelta(minutes=6),
        handle_type="normal",
        queue_ms=27_876,
        talk_ms=300_000,
        hold_ms=12_000,
        wrapup_ms=45_000,
        transfer_count=2,
    )
    ReportTask.objects.create(
        fetch=fetch,
        wxcc_id="t-open",
        channel_type="chat",
        created_at=created,
        arrived_at=created,
        is_open=True,
        handle_type="not-a-type",
    )

    contacts = {c.id: c for c in contact_columns_of([fetch.pk]).contacts()}

    answered, still_open = contacts["t-answered"], contacts["t-open"]
    assert (answered.queue_id, answered.agent_id, answered.team_id) == ("q1", "a1", "tm1")
    assert answered.channel_type == "telephony"
    assert answered.created_at == created
    assert answered.arrived_at == created + timedelta(seconds=4, microseconds=1)
    assert answered.answered_at == created + timedelta(seconds=31, microseconds=999_999)
    assert answered.ended_at == created + timedelta(minutes=6)
    assert answered.handle_type == HandleType.NORMAL
    assert (answered.queue_ms, answered.talk_ms, answered.hold_ms) == (27_876, 300_000, 12_000)
    assert (answered.wrapup_ms, answered.transfer_count) == (45_000, 2)
    assert not answered.is_open
    assert not answered.is_waiting
    assert (still_open.queue_id, still_open.agent_id, still_open.team_id) == (None, None, None)
    assert still_open.answered_at is None
    assert still_open.ended_at is None
    assert still_open.handle_type is None
    assert still_open.queue_ms is None
    assert still_open.is_open
    assert not still_open.is_waiting
