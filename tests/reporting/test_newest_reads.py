"""A task or state span read by more than one day's fetch counts once, as its newest read
says: the fetch that finished later, then (finished together) the later day, then the later
row of one fetch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from reporting.models import DayFetch, ReportStateSpan, ReportTask
from reporting.selectors import iter_contacts, iter_spans
from tests.fixtures.factories import OrganizationFactory
from wallboard.metrics import AgentState


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

    queues = sorted((c.id, c.queue_id) for c in iter_contacts(fetch_ids))
    assert queues == [
        ("t-day", "q-new"),
        ("t-finish", "q-new"),
        ("t-once", "q-only"),
        ("t-row", "q-new"),
    ]

    _span(wednesday, "Lunch")
    _span(tuesday, "Break")
    assert [span.idle_code for span in iter_spans(fetch_ids)] == ["Break"]
