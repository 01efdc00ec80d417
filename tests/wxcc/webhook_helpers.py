"""Building signed WxCC deliveries the way WxCC does (docs/wxcc-contract.md §1.4)."""

from __future__ import annotations

import json
import uuid
from typing import Any

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
