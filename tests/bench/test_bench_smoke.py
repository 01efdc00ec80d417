"""The bench harness must not rot: its figures run here in quick mode, made smaller still,
against the test database (seconds of load). Only what they report is checked, never how
fast: every key is there, no acknowledged event was lost, every board showed every delivery
and every fan-out client got every update, and the reports read no WxCC."""

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


NEW_FIGURE_KEYS = {
    "event_to_screen_p50_ms",
    "event_to_screen_p99_ms",
    "fanout_clients",
    "fanout_push_p99_ms",
    "api_requests_per_poll_cycle",
    "csv_export_rows_per_s",
    "csv_export_peak_rss_mb",
    "csv_ref_rows_per_s",
    "pdf_report_s",
}
SMALL = {
    "BENCH_SCREEN_S": "1.5",
    "BENCH_SCREEN_BOARDS": "3",
    "BENCH_FANOUT_CLIENTS": "10",
    "BENCH_FANOUT_PUSHES": "3",
    "BENCH_POLL_REQ_QUEUES": "20",
    "BENCH_POLL_REQ_AGENTS": "200",
    "BENCH_POLL_REQ_CYCLES": "2",
    "BENCH_CSV_ROWS": "3000",
    "BENCH_PDF_DAYS": "1",
    "BENCH_PDF_QUEUES": "2",
    "BENCH_PDF_TASKS_PER_DAY": "100",
}


@pytest.mark.timeout(400)
@pytest.mark.django_db(transaction=True)
def test_the_push_poll_and_report_figures_run_in_quick_mode_and_miss_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.bench.figures import BENCHMARKS

    monkeypatch.setenv("BENCH_QUICK", "1")
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    figures: dict[str, object] = {}
    with running_stack(tmp_path) as stack:
        for name in ("screen", "fanout", "poll_requests", "csv", "pdf"):
            figures.update(BENCHMARKS[name](stack))

    assert figures.keys() >= NEW_FIGURE_KEYS
    assert [key for key in sorted(NEW_FIGURE_KEYS) if figures[key] is None] == [], figures
    # Every board showed every delivery; every client got every update.
    assert figures["event_to_screen_missed"] == 0
    assert figures["event_to_screen_boards"] == 3
    assert figures["fanout_clients"] == 10
    assert figures["fanout_deliveries_missed"] == 0
    # Steady cycles were counted, and the reports read the cache, never WxCC.
    assert figures["api_requests_per_poll_cycle_each"]
    assert figures["csv_export_rows"] == figures["csv_ref_rows"] == 3000
    assert figures["csv_export_wxcc_requests"] == 0
    assert figures["pdf_report_wxcc_requests"] == 0
    table = format_table(figures)
    for key in NEW_FIGURE_KEYS - {"csv_ref_rows_per_s"}:
        line = next(line for line in table.splitlines() if line.startswith(key + " "))
        assert "not measured" not in line
    json.dumps(figures)
