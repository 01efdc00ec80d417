"""WxCC requests per poll cycle for an org with 200 queues and 5,000 agents, counted at the
simulator's door (tests/faults/counted_simulator.py), for steady-state cycles: after the
first full read and any backfill of today are done. The simulator runs in this process on
the wall clock with its own traffic, and `wxcc.poller.poll_org` runs as the worker runs it.

`api_requests_per_poll_cycle` is the most any steady cycle made (a cycle that also fetches the
queue totals, due every WXCC_QUEUE_TOTALS_INTERVAL_S, is one of them when the run is long
enough); `api_requests_per_poll_cycle_mean` the mean, and `_each` every cycle's count.

Knobs: BENCH_POLL_REQ_QUEUES, BENCH_POLL_REQ_AGENTS, BENCH_POLL_REQ_CYCLES,
BENCH_POLL_REQ_CYCLE_S (seconds between cycles; the poll interval in a full run).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from oauth.models import Organization
from tests.bench.knobs import knob_float, knob_int
from tests.bench.stack import Stack
from tests.faults.counted_simulator import RequestLog, counted_simulator
from tests.fixtures.factories import WebexConnectionFactory
from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wxcc import forget_client_budget, forget_org_in_redis
from wxcc.poller import PollResult, poll_org

# Cycles allowed to finish the first full read and today's backfill before counting.
WARM_UP_CYCLES = 20


def _connect(sim: RunningSimulator) -> Organization:
    Organization.objects.filter(webex_org_id=sim.org_id).delete()
    grant = sim.new_tokens()
    org = Organization.objects.create(webex_org_id=sim.org_id, name="Bench poll requests")
    WebexConnectionFactory.create(
        organization=org,
        access_token=grant["access_token"],
        refresh_token=grant["refresh_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=grant["expires_in"]),
    )
    forget_org_in_redis(org.pk)
    forget_client_budget(sim.client_id)
    return org


def _counted_poll(org: Organization, log: RequestLog) -> tuple[PollResult, int]:
    started = time.monotonic()
    result = poll_org(org.pk)
    return result, log.count_between(started, time.monotonic() + 1e-6)


def _is_steady(result: PollResult) -> bool:
    return result.ok and not result.full and result.backfill_done and not result.backfill_requests


def poll_requests(stack: Stack) -> dict[str, Any]:
    queues = knob_int("BENCH_POLL_REQ_QUEUES", full=200, quick=200)
    agents = knob_int("BENCH_POLL_REQ_AGENTS", full=5_000, quick=5_000)
    cycles = knob_int("BENCH_POLL_REQ_CYCLES", full=7, quick=3)
    cycle_s = knob_float(
        "BENCH_POLL_REQ_CYCLE_S", full=float(settings.WXCC_POLL_INTERVAL_S), quick=1.0
    )
    sim, log = counted_simulator(
        start_time_ms=None, history_days=0, agent_count=agents, queue_count=queues
    )
    try:
        with override_settings(
            WXCC_API_URL=sim.api_url,
            WEBEX_IDENTITY_URL=sim.identity_url,
            WEBEX_CLIENT_ID=sim.client_id,
            WEBEX_CLIENT_SECRET=sim.client_secret,
            WXCC_REQUESTS_PER_MINUTE=6000,
            WXCC_WEBHOOK_ALLOW_LOOPBACK=True,
        ):
            org = _connect(sim)
            warm_up: list[int] = []
            for _ in range(WARM_UP_CYCLES):
                result, counted = _counted_poll(org, log)
                warm_up.append(counted)
                if not result.ok:
                    raise RuntimeError(f"a poll failed: {result}")
                if result.backfill_done and len(warm_up) > 1:
                    break
                time.sleep(cycle_s)
            steady: list[int] = []
            skipped = 0
            for _ in range(cycles):
                time.sleep(cycle_s)
                result, counted = _counted_poll(org, log)
                if _is_steady(result):
                    steady.append(counted)
                else:
                    skipped += 1
    finally:
        sim.stop()
    return {
        "api_requests_per_poll_cycle": max(steady) if steady else None,
        "api_requests_per_poll_cycle_mean": round(sum(steady) / len(steady), 2) if steady else None,
        "api_requests_per_poll_cycle_each": steady,
        "api_requests_warm_up_each": warm_up,
        "api_requests_cycles_not_steady": skipped,
        "api_requests_cycle_s": cycle_s,
        "api_requests_queues": queues,
        "api_requests_agents": agents,
    }
