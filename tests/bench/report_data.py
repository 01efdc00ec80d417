"""Report-cache data for the reporting figures, written by PostgreSQL itself (generate_series)
so a million rows take seconds: an org with one final DayFetch per day (so reports read the
cache and make no WxCC call) holding tasks spread over the day across `queues` queues."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import connection

from oauth.models import Organization
from reporting.models import DayFetch

# Every `ABANDON_EVERY`-th task was abandoned after a minute in the queue; the others were
# answered after 20 s, talked 4 minutes and wrapped up 30 s.
ABANDON_EVERY = 5


def bench_org(webex_org_id: str, name: str) -> Organization:
    """The org, emptied of any report cache an earlier run left (by SQL: the ORM's cascade
    would load a million rows)."""
    org, _ = Organization.objects.get_or_create(
        webex_org_id=webex_org_id, defaults={"name": name, "timezone": "UTC"}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reporting_reporttask WHERE fetch_id IN "
            "(SELECT id FROM reporting_dayfetch WHERE organization_id = %s)",
            [org.pk],
        )
    DayFetch.objects.filter(organization=org).delete()
    return org


def fill_days(
    org: Organization,
    days: list[date],
    *,
    tasks_per_day: int,
    queues: int,
    abandon_every: int = ABANDON_EVERY,
) -> int:
    """One final fetch per day with `tasks_per_day` tasks; returns how many were written."""
    written = 0
    for day in days:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        fetch = DayFetch.objects.create(
            organization=org,
            day=day,
            zone="UTC",
            started_at=start + timedelta(days=1),
            finished_at=start + timedelta(days=1),
            final=True,
            task_count=tasks_per_day,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO reporting_reporttask
                    (fetch_id, wxcc_id, channel_type, direction, origin, queue_id, queue_name,
                     agent_id, agent_name, team_id, team_name, created_at, arrived_at,
                     answered_at, ended_at, is_open, handle_type, termination_type,
                     abandoned_type, terminating_end, queue_ms, talk_ms, hold_ms, wrapup_ms,
                     transfer_count)
                SELECT %(fetch)s, %(prefix)s || n, 'telephony', 'INBOUND', '+1555' || (n %% 9973),
                       'bench-q-' || (n %% %(queues)s), 'Queue ' || (n %% %(queues)s),
                       CASE WHEN abandoned THEN '' ELSE 'agent-' || (n %% 500) END,
                       CASE WHEN abandoned THEN '' ELSE 'Agent ' || (n %% 500) END,
                       '', '', arrived, arrived,
                       CASE WHEN abandoned THEN NULL ELSE arrived + interval '20 seconds' END,
                       arrived + CASE WHEN abandoned THEN interval '60 seconds'
                                      ELSE interval '290 seconds' END,
                       false, '', CASE WHEN abandoned THEN 'abandoned' ELSE 'normal' END,
                       CASE WHEN abandoned THEN 'queue' ELSE '' END,
                       CASE WHEN abandoned THEN 'customer' ELSE 'agent' END,
                       CASE WHEN abandoned THEN 60000 ELSE 20000 END,
                       CASE WHEN abandoned THEN NULL ELSE 240000 END,
                       CASE WHEN abandoned THEN NULL ELSE 0 END,
                       CASE WHEN abandoned THEN NULL ELSE 30000 END,
                       0
                FROM (
                    SELECT n, n %% %(every)s = 0 AS abandoned,
                           %(start)s + make_interval(secs => n * 86000.0 / %(count)s) AS arrived
                    FROM generate_series(0, %(count)s - 1) AS n
                ) AS generated
                """,
                {
                    "fetch": fetch.pk,
                    "prefix": f"bench-{day.isoformat()}-",
                    "queues": queues,
                    "every": abandon_every,
                    "start": start,
                    "count": tasks_per_day,
                },
            )
        written += tasks_per_day
    return written
