"""The bench's knobs: every size and duration comes from an environment variable, with one
default for the full run and one for `BENCH_QUICK=1` (seconds, for the smoke test)."""

from __future__ import annotations

import os


def is_quick() -> bool:
    return os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")


def knob_str(name: str, *, full: str, quick: str) -> str:
    default = quick if is_quick() else full
    return os.environ.get(name) or default


def knob_int(name: str, *, full: int, quick: int) -> int:
    return int(knob_str(name, full=str(full), quick=str(quick)))


def knob_float(name: str, *, full: float, quick: float) -> float:
    return float(knob_str(name, full=str(full), quick=str(quick)))
