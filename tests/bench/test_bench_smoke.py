"""The bench harness must not rot: its webhook figure runs here in quick mode against the
test database (a second or two of load). Only what it reports is checked, never how fast:
every key is there, and no acknowledged event was lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.figures import format_table
from tests.bench.stack import running_stack
from tests.bench.webhook_bench import webhook_ingest

WEBHOOK_KEYS = {
    "webhook_ingest_events_per_s",
    "webhook_ack_p50_ms",
    "webhook_ack_p99_ms",
    "webhook_events_lost",
    "webhook_ref_events_per_s",
    "webhook_ingest_ratio",
    "webhook_applied_events_per_s",
}


@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True)
def test_the_webhook_figure_runs_in_quick_mode_and_loses_no_acknowledged_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_QUICK", "1")
    monkeypatch.setenv("BENCH_WEBHOOK_S", "1.5")
    monkeypatch.setenv("BENCH_WEBHOOK_SENDERS", "4")
    with running_stack(tmp_path) as stack:
        figures = webhook_ingest(stack)

    assert figures.keys() >= WEBHOOK_KEYS
    assert figures["webhook_events_lost"] == 0
    assert figures["webhook_statuses"].get("202", 0) > 0
    assert set(figures["webhook_statuses"]) == {"202"}
    assert {"web", "worker", "ref"} <= stack.rss.peaks_mb.keys()
    table = format_table({**figures, "peak_rss_mb": stack.rss.peaks_mb})
    assert "webhook_ingest_events_per_s" in table
    json.dumps(figures)  # the results file takes it as it is
