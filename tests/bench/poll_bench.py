"""Database queries of one poll cycle (the database half, `wxcc.poller.reconcile`) for an org
with 200 queues and 5,000 logged-in agents: when nothing changed since the last poll, and
when a tenth of the tasks and agents changed. Counted, not timed; the first should not grow
with the org (also beside a small org, `poll_queries_no_change_small`).

The polled answers are built the way the client parses WxCC's (tests/wxcc/test_query_counts.py
helpers). Knobs: BENCH_POLL_QUEUES, BENCH_POLL_AGENTS, BENCH_POLL_TASKS.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from oauth.models import Organization
from tests.bench.knobs import knob_int
from tests.bench.stack import Stack
from tests.wxcc.test_query_counts import NOW, busier, snapshot
from wxcc import poller
from wxcc.api_types import EntityRef, QueueAggregate


def _org_snapshot(name: str, queues: int, agents: int, tasks: int) -> tuple[Organization, Any]:
    org, _ = Organization.objects.get_or_create(
        webex_org_id=f"bench-poll-{name}", defaults={"name": f"Bench poll {name}"}
    )
    queue_refs = [EntityRef(f"bench-q-{n}", f"Queue {n}") for n in range(queues)]
    polled = snapshot(tasks, agents)
    polled = replace(
        polled,
        tasks=[replace(t, last_queue=queue_refs[n % queues]) for n, t in enumerate(polled.tasks)],
        totals=[QueueAggregate(queue=q, offered=3, active=3) for q in queue_refs],
    )
    poller.reconcile(org, polled, now=NOW, as_of=NOW)
    return org, polled


def _queries(org: Organization, polled: Any, seconds_later: int) -> int:
    later = NOW + timedelta(seconds=seconds_later)
    with CaptureQueriesContext(connection) as captured:
        poller.reconcile(org, polled, now=later, as_of=later)
    return len(captured.captured_queries)


def poll_queries(stack: Stack) -> dict[str, Any]:
    queues = knob_int("BENCH_POLL_QUEUES", full=200, quick=20)
    agents = knob_int("BENCH_POLL_AGENTS", full=5_000, quick=200)
    tasks = knob_int("BENCH_POLL_TASKS", full=2_000, quick=100)
    # An earlier run's orgs, with everything of theirs (the ORM cascades).
    Organization.objects.filter(webex_org_id__startswith="bench-poll-").delete()
    org, polled = _org_snapshot("large", queues, agents, tasks)
    small_org, small = _org_snapshot("small", 5, 8, 20)
    return {
        "poll_queries_no_change": _queries(org, polled, 10),
        "poll_queries_no_change_small": _queries(small_org, small, 10),
        "poll_queries_busy": _queries(org, busier(polled), 20),
        "poll_queues": queues,
        "poll_agents": agents,
        "poll_tasks": tasks,
    }
