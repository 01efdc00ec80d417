"""Small pieces of `wxcc.client` that need no server: WxCC's error bodies, the back-off,
parsing a list of records and the statistics window. Pure."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from wxcc.api_types import to_epoch_ms
from wxcc.exceptions import WxccUnexpectedAnswer

R = TypeVar("R")

# Statistics windows must stay under 24 h (§3.1, §3.2).
STATISTICS_MAX_WINDOW = timedelta(hours=24) - timedelta(minutes=15)


def backoff_s(attempt: int, base_s: float, cap_s: float = 10.0) -> float:
    """Full-jitter exponential back-off before retry number `attempt` (1-based)."""
    return random.uniform(0, min(cap_s, base_s * 2 ** (attempt - 1)))  # noqa: S311


def error_details(response: httpx.Response) -> tuple[str, tuple[str, ...], str]:
    """(key, descriptions, trackingId) from WxCC's error body; `key` is int on the
    subscriptions API and str on search/statistics, so it is normalised to str."""
    try:
        body = response.json()
    except ValueError:
        return "", (), ""
    if not isinstance(body, dict):
        return "", (), ""
    error = body.get("error")
    key = ""
    descriptions: tuple[str, ...] = ()
    if isinstance(error, dict):
        raw_key = error.get("key")
        key = "" if raw_key is None or isinstance(raw_key, bool) else str(raw_key)
        messages = error.get("message")
        if isinstance(messages, list):
            descriptions = tuple(
                str(m.get("description", ""))[:200] for m in messages if isinstance(m, dict)
            )
    elif isinstance(body.get("errors"), list):
        descriptions = tuple(
            str(e.get("message", ""))[:200] for e in body["errors"] if isinstance(e, dict)
        )
    return key, descriptions, str(body.get("trackingId") or "")


def parse_all(parse: Callable[[dict[str, Any]], R], rows: Iterable[dict[str, Any]]) -> list[R]:
    """Parse every row, turning a malformed one into `WxccUnexpectedAnswer`."""
    try:
        return [parse(row) for row in rows]
    except (KeyError, TypeError, ValueError) as exc:
        raise WxccUnexpectedAnswer(f"unreadable record: {type(exc).__name__}: {exc}") from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise WxccUnexpectedAnswer(f"HTTP {response.status_code} body is not JSON") from None
    if not isinstance(body, dict):
        raise WxccUnexpectedAnswer(f"HTTP {response.status_code} body is not a JSON object")
    return body


def stats_window(start: datetime, end: datetime, interval_min: int) -> dict[str, Any]:
    if interval_min not in (15, 30, 60):
        raise ValueError("interval must be 15, 30 or 60 minutes")
    if end - start > STATISTICS_MAX_WINDOW:
        start = end - STATISTICS_MAX_WINDOW
    return {"from": to_epoch_ms(start), "to": to_epoch_ms(end), "interval": interval_min}


def next_cursor(page_info: Any) -> str | None:
    """The cursor of the next page, exactly as WxCC sent it (opaque, §2.8), or None on the
    last page. A number is sent back as its text (the variable is a String)."""
    if not isinstance(page_info, dict) or not page_info.get("hasNextPage"):
        return None
    cursor = page_info.get("endCursor")
    if cursor is None or isinstance(cursor, bool):
        return None
    if isinstance(cursor, int):
        return str(cursor)
    if not isinstance(cursor, str):
        raise WxccUnexpectedAnswer(f"pageInfo.endCursor is not a string: {type(cursor).__name__}")
    return cursor


class Retryable(Exception):
    """A failure worth retrying (5xx, network)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
