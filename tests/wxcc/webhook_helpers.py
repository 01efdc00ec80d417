"""Building signed WxCC deliveries the way WxCC does (docs/wxcc-contract.md §1.4)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wxcc.models import RawEvent
from wxcc.signing_keys import forget_signing_keys
from wxcc.webhooks import SIGNATURE_HEADER, sign


def envelope(
    subscription_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    at_ms: int | None = None,
    event_id: str | None = None,
    org_id: str = "",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "specversion": "1.0",
        "type": event_type,
        "source": f"/com/cisco/wxcc/{subscription_id}",
        "comciscoorgid": org_id,
        "datacontenttype": "application/json",
        "data": data,
    }
    if at_ms is not None:
        body["comciscotimestamp"] = str(at_ms)
    return body


def signed(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    return raw, {SIGNATURE_HEADER: sign(secret, raw)}


def now_ms() -> int:
    """The wall clock in epoch ms: V2 timestamps must fall within the receiver's replay window."""
    return int(time.time() * 1000)


def post_task_event(
    url: str, subscription_id: str, secret: str, *, timeout_s: float = 5.0
) -> tuple[int, str]:
    """POST one signed `task:new` delivery to a running server; its status and event id."""
    import httpx

    event_id = str(uuid.uuid4())
    payload = envelope(
        subscription_id,
        "task:new",
        {"taskId": f"t-{event_id[:8]}"},
        at_ms=now_ms(),
        event_id=event_id,
    )
    body, headers = signed(secret, payload)
    response = httpx.post(
        f"{url}/webhooks/wxcc/",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=timeout_s,
    )
    return response.status_code, event_id


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def processed(event_id: str) -> bool:
    return RawEvent.objects.filter(event_id=event_id, processed_at__isnull=False).exists()


def signed_bytes(secret: str, raw: bytes) -> tuple[bytes, dict[str, str]]:
    """A hand-written body, signed as it is (for bodies json.dumps would never produce)."""
    return raw, {SIGNATURE_HEADER: sign(secret, raw)}


@pytest.fixture(autouse=True)
def fresh_signing_keys() -> Iterator[None]:
    """Each test starts with no cached subscription secrets (rows of earlier tests are gone)."""
    forget_signing_keys()
    yield
    forget_signing_keys()
