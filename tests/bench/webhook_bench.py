"""Webhook ingestion: signed deliveries from concurrent senders to the receiver on uvicorn
with PostgreSQL and the Celery worker running, beside the same load on the reference
endpoint (tests/bench/ref_app.py) in the same run. Afterwards every acknowledged event must
be stored and applied exactly once (`webhook_events_lost` counts those that are not).

Knobs: BENCH_WEBHOOK_S (seconds of load per server), BENCH_WEBHOOK_SENDERS (concurrent
connections), BENCH_WEBHOOK_WORKER=during|after (run the worker during the load, as in
production, or only to drain afterwards, to see the receiver alone).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import connection

from oauth.models import Organization
from tests.bench.http_load import PreparedPost, percentile_ms, prepare_post, run_load
from tests.bench.knobs import knob_float, knob_int, knob_str
from tests.bench.stack import Stack
from wxcc.models import RawEvent, WebhookSubscription
from wxcc.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SUBSCRIPTION_ID = "bench-sub-tasks"
SECRET = "bench-webhook-secret-long-enough-to-be-real"
PATH = "/webhooks/wxcc/"
QUEUES = 20
# The generator prepares at most this many deliveries per second of load.
MAX_RATE_PER_S = 5000


def subscribed_organization(
    webex_org_id: str = "bench-org",
    name: str = "Bench Contact Center",
    subscription_id: str = SUBSCRIPTION_ID,
) -> Organization:
    """The bench org, with a webhook subscription signed with SECRET."""
    org, _ = Organization.objects.get_or_create(webex_org_id=webex_org_id, defaults={"name": name})
    WebhookSubscription.objects.update_or_create(
        wxcc_subscription_id=subscription_id,
        defaults={
            "organization": org,
            "name": f"{name} tasks",
            "destination_url": "https://wallboard.example.com/webhooks/wxcc/",
            "secret": SECRET,
        },
    )
    return org


def empty_event_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wxcc_rawevent, wxcc_task CASCADE")


def prepare_deliveries(
    url: str,
    count: int,
    *,
    subscription_id: str = SUBSCRIPTION_ID,
    webex_org_id: str = "bench-org",
    event_type: str = "task:new",
) -> list[PreparedPost]:
    """`count` signed V2 deliveries (`task:new` unless told), each of a new task on one of
    QUEUES queues."""
    import json

    now_ms = int(time.time() * 1000)
    posts = []
    for n in range(count):
        event_id = str(uuid.uuid4())
        payload = {
            "id": event_id,
            "specversion": "1.0",
            "type": event_type,
            "source": f"/com/cisco/wxcc/{subscription_id}",
            "comciscoorgid": webex_org_id,
            "comciscotimestamp": str(now_ms),
            "datacontenttype": "application/json",
            "data": {
                "taskId": f"bench-task-{event_id}",
                "queueId": f"bench-q{n % QUEUES}",
                "channelType": "telephony",
                "direction": "INBOUND",
                "origin": "+15550100",
                "createdTime": now_ms,
            },
        }
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(SECRET, body),
            TIMESTAMP_HEADER: str(now_ms),
        }
        posts.append(prepare_post(url, PATH, body, headers, event_id))
    return posts


def _wait_until_applied(expected: int, timeout_s: float) -> None:
    """Until every stored event is applied or nothing moved for `timeout_s`."""
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < timeout_s:
        done = RawEvent.objects.filter(processed_at__isnull=False).count()
        if done >= expected:
            return
        if done != last:
            last, last_change = done, time.monotonic()
        time.sleep(0.5)


def _sweep_left_behind() -> int:
    """What beat's sweeper does for events whose hand-off was dropped (the worker never
    heard of them): apply them. Counted, since it means the hand-off could not keep up."""
    from wxcc import processing

    pending = list(
        RawEvent.objects.filter(processed_at__isnull=True, gave_up=False).values_list(
            "pk", flat=True
        )
    )
    for raw_event_id in pending:
        processing.process_raw_event(raw_event_id)
    return len(pending)


def events_lost(accepted_event_ids: list[str]) -> int:
    """Acknowledged events not stored, or not applied exactly once without an error."""
    applied_once = set(
        RawEvent.objects.filter(
            event_id__in=accepted_event_ids, processed_at__isnull=False, attempts=1, error=""
        ).values_list("event_id", flat=True)
    )
    return len(set(accepted_event_ids) - applied_once)


def applied_events_per_s() -> float | None:
    """How fast the worker applied the stored events: their count over the span from the
    first to the last `processed_at` (with BENCH_WEBHOOK_WORKER=after, a backlog drained)."""
    from django.db.models import Count, Max, Min

    span = RawEvent.objects.filter(processed_at__isnull=False).aggregate(
        first=Min("processed_at"), last=Max("processed_at"), count=Count("pk")
    )
    if span["count"] < 2 or span["last"] <= span["first"]:
        return None
    return round(span["count"] / (span["last"] - span["first"]).total_seconds(), 1)


def _figures_of(prefix: str, result: Any) -> dict[str, Any]:
    return {
        f"{prefix}_events_per_s": round(len(result.accepted_keys) / result.elapsed_s, 1),
        f"{prefix}_ack_p50_ms": percentile_ms(result.latencies_ms, 50),
        f"{prefix}_ack_p99_ms": percentile_ms(result.latencies_ms, 99),
    }


def webhook_ingest(stack: Stack) -> dict[str, Any]:
    duration_s = knob_float("BENCH_WEBHOOK_S", full=30.0, quick=3.0)
    senders = knob_int("BENCH_WEBHOOK_SENDERS", full=50, quick=10)
    worker_mode = knob_str("BENCH_WEBHOOK_WORKER", full="during", quick="during")
    pool_size = str(knob_int("DB_POOL_MAX_SIZE", full=8, quick=8))
    org = subscribed_organization()
    count = int(duration_s * MAX_RATE_PER_S)

    empty_event_tables()
    with stack.web(
        "ref",
        app="tests.bench.ref_app:app",
        BENCH_REF_ORG_ID=str(org.pk),
        DB_POOL_MAX_SIZE=pool_size,
    ) as url:
        ref = run_load(url, prepare_deliveries(url, count), senders=senders, duration_s=duration_s)
    empty_event_tables()

    with stack.web("web", DB_POOL_MAX_SIZE=pool_size) as url:
        posts = prepare_deliveries(url, count)
        if worker_mode == "during":
            with stack.worker():
                ours = run_load(url, posts, senders=senders, duration_s=duration_s)
                _wait_until_applied(len(ours.accepted_keys), timeout_s=20.0)
        else:
            ours = run_load(url, posts, senders=senders, duration_s=duration_s)
            with stack.worker():
                _wait_until_applied(len(ours.accepted_keys), timeout_s=20.0)
    applied_per_s = applied_events_per_s()
    swept = _sweep_left_behind()
    ours_figures = _figures_of("webhook", ours)
    ref_figures = _figures_of("webhook_ref", ref)
    ratio = (
        round(ours_figures["webhook_events_per_s"] / ref_figures["webhook_ref_events_per_s"], 2)
        if ref_figures["webhook_ref_events_per_s"]
        else None
    )
    return {
        "webhook_ingest_events_per_s": ours_figures["webhook_events_per_s"],
        "webhook_ack_p50_ms": ours_figures["webhook_ack_p50_ms"],
        "webhook_ack_p99_ms": ours_figures["webhook_ack_p99_ms"],
        "webhook_events_lost": events_lost(ours.accepted_keys),
        "webhook_applied_events_per_s": applied_per_s,
        "webhook_ref_events_per_s": ref_figures["webhook_ref_events_per_s"],
        "webhook_ref_ack_p50_ms": ref_figures["webhook_ref_ack_p50_ms"],
        "webhook_ref_ack_p99_ms": ref_figures["webhook_ref_ack_p99_ms"],
        "webhook_ingest_ratio": ratio,
        "webhook_senders": senders,
        "webhook_load_s": duration_s,
        "webhook_worker": worker_mode,
        "webhook_statuses": {str(k): v for k, v in sorted(ours.statuses.items())},
        "webhook_transport_errors": ours.transport_errors,
        "webhook_swept_after_run": swept,
    }
