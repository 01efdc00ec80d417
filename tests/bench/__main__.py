"""Run every registered benchmark and write its measurements as JSON.

Each benchmark is a callable returning a dict of measurements; results land in
bench-results/<name>.json with the machine's facts, so runs can be compared over time.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {}

RESULTS_DIR = Path(__file__).resolve().parents[2] / "bench-results"


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    django.setup()
    RESULTS_DIR.mkdir(exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    if not BENCHMARKS:
        print("no benchmarks registered yet")
    for name, run in BENCHMARKS.items():
        result = {
            "benchmark": name,
            "at": datetime.now(UTC).isoformat(),
            "machine": machine,
            "results": run(),
        }
        (RESULTS_DIR / f"{name}.json").write_text(json.dumps(result, indent=2))
        print(f"{name}: {json.dumps(result['results'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
