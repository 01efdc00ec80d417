"""What `make bench` measures and how it is judged: the registry of benchmarks (each returns
its figures), each figure's unit, bar (must reach), goal (aim for) and same-run reference,
and the printed table."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.stack import Stack


@dataclass(frozen=True)
class Figure:
    key: str
    unit: str
    bar: float | None = None
    goal: float | None = None
    higher_is_better: bool = True
    reference: str | None = None  # the key of the same-run reference figure


FIGURES: list[Figure] = [
    Figure(
        "webhook_ingest_events_per_s", "events/s", 1000, 3000, reference="webhook_ref_events_per_s"
    ),
    Figure("webhook_ack_p50_ms", "ms", higher_is_better=False, reference="webhook_ref_ack_p50_ms"),
    Figure("webhook_ack_p99_ms", "ms", higher_is_better=False, reference="webhook_ref_ack_p99_ms"),
    Figure("webhook_events_lost", "events", 0, 0, higher_is_better=False),
    Figure("webhook_ingest_ratio", "x ref"),
    Figure("webhook_applied_events_per_s", "events/s"),
    Figure("event_to_screen_p50_ms", "ms", higher_is_better=False),
    Figure("event_to_screen_p99_ms", "ms", 250, 100, higher_is_better=False),
    Figure("fanout_clients", "clients", 1000, 5000),
    Figure("fanout_push_p99_ms", "ms", 1000, 1000, higher_is_better=False),
    Figure("metrics_compute_ms", "ms", 100, 20, higher_is_better=False),
    Figure(
        "poll_queries_no_change",
        "queries",
        higher_is_better=False,
        reference="poll_queries_no_change_small",
    ),
    Figure("poll_queries_busy", "queries", higher_is_better=False),
    Figure("api_requests_per_poll_cycle", "requests", 5, 3, higher_is_better=False),
    Figure("csv_export_rows_per_s", "rows/s", 100_000, 300_000, reference="csv_ref_rows_per_s"),
    Figure("csv_export_peak_rss_mb", "MB", 300, 150, higher_is_better=False),
    Figure("pdf_report_s", "s", 10, 3, higher_is_better=False),
]


def _metrics(stack: Stack) -> dict[str, Any]:
    from tests.bench.metrics_bench import metrics_compute_ms

    detail = metrics_compute_ms()
    return {"metrics_compute_ms": detail["full_recompute_median_ms"], "metrics_detail": detail}


def _webhook(stack: Stack) -> dict[str, Any]:
    from tests.bench.webhook_bench import webhook_ingest

    return webhook_ingest(stack)


def _poll(stack: Stack) -> dict[str, Any]:
    from tests.bench.poll_bench import poll_queries

    return poll_queries(stack)


def _screen(stack: Stack) -> dict[str, Any]:
    from tests.bench.screen_bench import event_to_screen

    return event_to_screen(stack)


def _fanout(stack: Stack) -> dict[str, Any]:
    from tests.bench.fanout_bench import fanout

    return fanout(stack)


def _poll_requests(stack: Stack) -> dict[str, Any]:
    from tests.bench.poll_requests_bench import poll_requests

    return poll_requests(stack)


def _csv(stack: Stack) -> dict[str, Any]:
    from tests.bench.csv_bench import csv_export

    return csv_export(stack)


def _pdf(stack: Stack) -> dict[str, Any]:
    from tests.bench.pdf_report_bench import pdf_report

    return pdf_report(stack)


# Run in this order; `BENCH_ONLY` picks by these names.
BENCHMARKS: dict[str, Callable[[Stack], dict[str, Any]]] = {
    "metrics": _metrics,
    "webhook": _webhook,
    "poll": _poll,
    "screen": _screen,
    "fanout": _fanout,
    "poll_requests": _poll_requests,
    "csv": _csv,
    "pdf": _pdf,
}


def machine_facts() -> dict[str, Any]:
    model = platform.processor() or ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _verdict(figure: Figure, value: float) -> str:
    def reaches(target: float) -> bool:
        return value >= target if figure.higher_is_better else value <= target

    if figure.goal is not None and reaches(figure.goal):
        return "goal met"
    if figure.bar is not None:
        return "bar met" if reaches(figure.bar) else "BELOW BAR"
    return ""


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, int) and abs(value) >= 1000:
        return f"{value:,}"
    return str(value)


def format_table(results: dict[str, Any]) -> str:
    """Every figure beside its same-run reference, bar and goal, then the peak RSS."""
    machine = results.get("machine", {})
    lines = [
        f"machine: {machine.get('nproc')} CPUs, {machine.get('cpu_model')}"
        + ("  (quick run)" if results.get("quick") else ""),
        "",
        f"{'figure':<30} {'value':>12} {'unit':<9} {'reference':>12} {'bar':>9} {'goal':>9}"
        "  verdict",
    ]
    for figure in FIGURES:
        value = results.get(figure.key)
        reference = results.get(figure.reference) if figure.reference else None
        if value is None:
            verdict = "not measured"
        elif isinstance(value, (int, float)):
            verdict = _verdict(figure, float(value))
        else:
            verdict = ""
        lines.append(
            f"{figure.key:<30} {_number(value):>12} {figure.unit:<9} {_number(reference):>12}"
            f" {_number(figure.bar):>9} {_number(figure.goal):>9}  {verdict}"
        )
    lines.append("")
    for name, mb in sorted(results.get("peak_rss_mb", {}).items()):
        lines.append(f"peak_rss_mb[{name}] = {mb}")
    for name, error in results.get("errors", {}).items():
        lines.append(f"ERROR in {name}: {error}")
    return "\n".join(lines)
