"""The abandoned-contacts CSV, byte for byte, on a small cache whose every row is known: which
tasks are listed (the newest read of each, arrived in the range, in a queue, abandoned or
short-abandoned by the metrics' one rule), in which order, and how each cell is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reporting.builders import ReportSpec
from reporting.models import DayFetch, ReportKind, ReportTask
from reporting.ranges import DayRange
from reporting.services import generate_report
from tests.fixtures.factories import OrganizationFactory

# Saturday 28 and Sunday 29 March 2026 in London: the clocks go forward at 01:00 UTC on the
# 29th, so the second day's rows after that carry +01:00.
DAYS = DayRange(date(2026, 3, 28), date(2026, 3, 29))
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


def _at(day: int, hh: int, mm: int, ss: int = 0, us: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, ss, us, tzinfo=UTC)


def _task(fetch: DayFetch, wxcc_id: str, arrived_at: datetime, **fields: Any) -> None:
    values: dict[str, Any] = {
        "channel_type": "telephony",
        "queue_id": "q-sales",
        "queue_name": "Sales",
        "created_at": arrived_at,
        "abandoned_type": "queue",
        "terminating_end": "Customer",
    }
    values.update(fields)
    ReportTask.objects.create(fetch=fetch, wxcc_id=wxcc_id, arrived_at=arrived_at, **values)


def _fetch(org: Any, day: date, finished_at: datetime) -> DayFetch:
    return DayFetch.objects.create(
        organization=org,
        day=day,
        zone="Europe/London",
        started_at=finished_at - timedelta(minutes=5),
        finished_at=finished_at,
        final=True,
    )


@pytest.fixture
def london_cache(db: None) -> Any:
    org = OrganizationFactory.create(timezone="Europe/London", webex_org_id=None)
    saturday = _fetch(org, DAYS.first_day, _at(29, 6, 0))
    sunday = _fetch(org, DAYS.last_day, _at(30, 6, 0))

    # Abandoned after 29.8 s; the arrival's microseconds are cut, not rounded.
    _task(
        saturday,
        "t-long",
        _at(28, 9, 0, 0, 250_000),
        ended_at=_at(28, 9, 0, 30, 50_000),
        origin="+441632960000",
    )
    # Hung up 4.9 s after it began: short. Text Excel would run is defused.
    _task(
        saturday,
        "t-short",
        _at(28, 10, 0),
        ended_at=_at(28, 10, 0, 4, 900_000),
        origin="=cmd|' /C calc'!A0",
    )
    # 3 s in the queue but 6 s since the contact began (self-service first): not short.
    _task(
        saturday,
        "t-ivr",
        _at(28, 11, 0, 3),
        created_at=_at(28, 11, 0),
        ended_at=_at(28, 11, 0, 6),
        queue_name="Sales, North",
    )
    _task(
        saturday,
        "t-answered",
        _at(28, 12, 0),
        answered_at=_at(28, 12, 0, 10),
        ended_at=_at(28, 12, 5),
        handle_type="normal",
    )
    _task(saturday, "t-open", _at(28, 13, 0), is_open=True)
    # WxCC's own word wins over an answer time; the wait runs to the end. No queue name: its id.
    _task(
        saturday,
        "t-handle-abandoned",
        _at(28, 14, 0),
        answered_at=_at(28, 14, 0, 20),
        ended_at=_at(28, 14, 1),
        handle_type="abandoned",
        queue_id="q-overflow",
        queue_name="",
        abandoned_type="agent",
    )
    # Short by WxCC, no end time: the wait is WxCC's queue duration.
    _task(
        saturday,
        "t-no-end",
        _at(28, 15, 0),
        handle_type="short",
        queue_ms=1234,
        channel_type="chat",
    )
    # Arrived before the range (carried in from Friday).
    _task(saturday, "t-before", _at(27, 23, 0), ended_at=_at(28, 0, 30))
    # Read open on Saturday, abandoned by Sunday's newer read: listed once, as Sunday read it.
    _task(saturday, "t-midnight", _at(28, 23, 59), is_open=True)
    _task(sunday, "t-midnight", _at(28, 23, 59), ended_at=_at(29, 0, 1))
    # Abandoned as Saturday read it, answered as Sunday read it: not listed.
    _task(saturday, "t-reread", _at(28, 23, 50), ended_at=_at(28, 23, 51))
    _task(
        sunday,
        "t-reread",
        _at(28, 23, 50),
        answered_at=_at(28, 23, 50, 30),
        ended_at=_at(29, 0, 10),
        handle_type="normal",
    )
    _task(
        sunday,
        "t-dst",
        _at(29, 1, 30),
        ended_at=_at(29, 1, 30, 45),
        terminating_end="System",
    )
    # Read twice by the same fetch: the later row is the newer read.
    _task(sunday, "t-dup", _at(29, 8, 0), ended_at=_at(29, 8, 0, 10), queue_name="Old name")
    _task(sunday, "t-dup", _at(29, 8, 0), ended_at=_at(29, 8, 0, 10))
    _task(sunday, "t-no-queue", _at(29, 9, 0), ended_at=_at(29, 9, 1), queue_id="")
    # Same arrival: by task id. Quotes are doubled; non-ASCII stays UTF-8.
    _task(
        sunday,
        "t-tie-b",
        _at(29, 12, 0),
        ended_at=_at(29, 12, 0, 20),
        queue_name="Zürich",
    )
    _task(
        sunday,
        "t-tie-a",
        _at(29, 12, 0),
        ended_at=_at(29, 12, 0, 20),
        origin='Ann "The Caller"',
    )
    return org


EXPECTED = (
    "\ufeff"
    "Arrived,Ended,Queue,Channel,Customer,Waited (s),Outcome,Abandoned in,Ended by,Task id\r\n"
    "2026-03-28T09:00:00+00:00,2026-03-28T09:00:30+00:00,Sales,telephony,+441632960000,"
    "29.8,abandoned,queue,Customer,t-long\r\n"
    "2026-03-28T10:00:00+00:00,2026-03-28T10:00:04+00:00,Sales,telephony,'=cmd|' /C calc'!A0,"
    "4.9,short abandoned,queue,Customer,t-short\r\n"
    '2026-03-28T11:00:03+00:00,2026-03-28T11:00:06+00:00,"Sales, North",telephony,,'
    "3.0,abandoned,queue,Customer,t-ivr\r\n"
    "2026-03-28T14:00:00+00:00,2026-03-28T14:01:00+00:00,q-overflow,telephony,,"
    "60.0,abandoned,agent,Customer,t-handle-abandoned\r\n"
    "2026-03-28T15:00:00+00:00,,Sales,chat,,1.2,short abandoned,queue,Customer,t-no-end\r\n"
    "2026-03-28T23:59:00+00:00,2026-03-29T00:01:00+00:00,Sales,telephony,,"
    "120.0,abandoned,queue,Customer,t-midnight\r\n"
    "2026-03-29T02:30:00+01:00,2026-03-29T02:30:45+01:00,Sales,telephony,,"
    "45.0,abandoned,queue,System,t-dst\r\n"
    "2026-03-29T09:00:00+01:00,2026-03-29T09:00:10+01:00,Sales,telephony,,"
    "10.0,abandoned,queue,Customer,t-dup\r\n"
    '2026-03-29T13:00:00+01:00,2026-03-29T13:00:20+01:00,Sales,telephony,"Ann ""The Caller""",'
    "20.0,abandoned,queue,Customer,t-tie-a\r\n"
    "2026-03-29T13:00:00+01:00,2026-03-29T13:00:20+01:00,Zürich,telephony,,"
    "20.0,abandoned,queue,Customer,t-tie-b\r\n"
).encode("utf-8")


@pytest.mark.django_db
def test_the_abandoned_csv_is_exactly_the_hand_written_file(
    london_cache: Any, tmp_path: Path
) -> None:
    out = tmp_path / "abandoned.csv"
    generate_report(
        org=london_cache,
        spec=ReportSpec(kind=ReportKind.ABANDONED, days=DAYS),
        fmt="csv",
        now=NOW,
        output=out,
    )

    assert out.read_bytes() == EXPECTED


@pytest.mark.django_db(transaction=True)
def test_the_abandoned_csv_is_the_same_outside_a_transaction(
    london_cache: Any, tmp_path: Path
) -> None:
    # The command and the Celery task run in autocommit, not inside a test's transaction.
    out = tmp_path / "abandoned.csv"
    generate_report(
        org=london_cache,
        spec=ReportSpec(kind=ReportKind.ABANDONED, days=DAYS),
        fmt="csv",
        now=NOW,
        output=out,
    )

    assert out.read_bytes() == EXPECTED
