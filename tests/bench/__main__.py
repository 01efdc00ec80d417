"""`make bench`: run every benchmark against the bench's own stack, write
bench-results.json at the repository root and print each figure beside its reference, bar
and goal. It reports; it never fails on a slow figure.

`BENCH_QUICK=1` shrinks every figure to seconds; `BENCH_ONLY=webhook,metrics` runs some.
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.figures import BENCHMARKS, format_table, machine_facts
from tests.bench.knobs import is_quick, knob_str
from tests.bench.stack import ROOT, bench_stack

RESULTS_PATH = ROOT / "bench-results.json"


def _workdir() -> AbstractContextManager[str]:
    """A directory of the run's own (its processes' logs in it), removed at the end unless
    BENCH_KEEP_LOGS is set (then its path is printed)."""
    if knob_str("BENCH_KEEP_LOGS", full="", quick=""):
        kept = tempfile.mkdtemp(prefix="bench-")
        print(f"logs kept in {kept}", flush=True)
        return nullcontext(kept)
    return tempfile.TemporaryDirectory(prefix="bench-")


def run(only: set[str] | None = None, results_path: Path = RESULTS_PATH) -> dict[str, Any]:
    """Run the benchmarks (all, or those named in `only`) and write the results file."""
    figures: dict[str, Any] = {}
    errors: dict[str, str] = {}
    with (
        _workdir() as workdir,
        bench_stack(Path(workdir)) as stack,
    ):
        for name, benchmark in BENCHMARKS.items():
            if only and name not in only:
                continue
            print(f"running {name} ...", flush=True)
            try:
                figures.update(benchmark(stack))
            except Exception as exc:  # one broken figure must not lose the others
                errors[name] = f"{exc.__class__.__name__}: {exc}"
                traceback.print_exc()
        stack.rss.sample()
        peak_rss_mb = dict(stack.rss.peaks_mb)
    results = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": is_quick(),
        "machine": machine_facts(),
        **figures,
        "peak_rss_mb": peak_rss_mb,
        "errors": errors,
    }
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    return results


def main() -> int:
    only = {name.strip() for name in knob_str("BENCH_ONLY", full="", quick="").split(",") if name}
    results = run(only or None)
    print(format_table(results))
    print(f"\nwritten to {RESULTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
