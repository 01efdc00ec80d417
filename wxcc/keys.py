"""Every Redis and cache key the wxcc app uses, built in one place.

Keys are per org so that one org's state can be inspected or forgotten on its own
(`redis_keys_for_org`, `cache_keys_for_org`), except the request budget: WxCC counts requests
per client ID (integration), so it is kept per client id (`redis_keys_for_client`). Redis keys
are used through `wxcc.redis_client.get_redis()`; cache keys through Django's cache (which
adds its own KEY_PREFIX).
"""

from __future__ import annotations

import hashlib

_PREFIX = "wxcc"


# --- Redis (wxcc.redis_client.get_redis) ----------------------------------------------------


def _client_tag(client_id: str) -> str:
    # A digest keeps keys short and free of odd characters whatever the client id holds.
    return hashlib.sha256(client_id.encode()).hexdigest()[:16]


def ratelimit_bucket(client_id: str) -> str:
    """The integration's request token bucket (a hash: tokens, ts)."""
    return f"{_PREFIX}:ratelimit:bucket:{_client_tag(client_id)}"


def ratelimit_usage(client_id: str) -> str:
    """Each org's recent live requests under the integration (a hash: org -> "count ts")."""
    return f"{_PREFIX}:ratelimit:usage:{_client_tag(client_id)}"


def ratelimit_blocked(client_id: str) -> str:
    """Epoch ms until which no org of the integration may call WxCC (a 429's Retry-After)."""
    return f"{_PREFIX}:ratelimit:blocked:{_client_tag(client_id)}"


def redis_keys_for_client(client_id: str) -> list[str]:
    return [ratelimit_bucket(client_id), ratelimit_usage(client_id), ratelimit_blocked(client_id)]


def poll_lock(org_id: int) -> str:
    """Held while one worker polls the org (single-flight)."""
    return f"{_PREFIX}:poll-lock:{org_id}"


def push_window(org_id: int) -> str:
    """Exists while the org's live-state announcement window is open (wxcc.signals)."""
    return f"{_PREFIX}:push:window:{org_id}"


def push_pending(org_id: int) -> str:
    """Ids changed during the open window, announced by the trailing flush (a set)."""
    return f"{_PREFIX}:push:pending:{org_id}"


def push_flusher(org_id: int) -> str:
    """Exists while one process has promised the trailing flush of the open window."""
    return f"{_PREFIX}:push:flusher:{org_id}"


def push_in_flight(org_id: int) -> str:
    """Exists while one process sends the org's announcements (single-flight): others leave
    their ids pending for it (a lease, renewed each round)."""
    return f"{_PREFIX}:push:in-flight:{org_id}"


def redis_keys_for_org(org_id: int) -> list[str]:
    return [
        poll_lock(org_id),
        push_window(org_id),
        push_pending(org_id),
        push_flusher(org_id),
        push_in_flight(org_id),
    ]


# --- Django cache (wxcc.snapshots) ------------------------------------------------------------


def queue_totals(org_id: int) -> str:
    return f"{_PREFIX}:queue-totals:{org_id}"


def statistics(org_id: int) -> str:
    return f"{_PREFIX}:statistics:{org_id}"


def cache_keys_for_org(org_id: int) -> list[str]:
    return [queue_totals(org_id), statistics(org_id)]
