"""Which OAuth scopes each WxCC call needs, and how to say plainly that one is missing.

WxCC answers a token without the scope an operation needs with a bare 403 ("Access denied -
Client is forbidden access to the resource"), which names no scope (docs/wxcc-contract.md
§4.1). We know which scope each call needs, so the product can name it.

Pure: no ORM, no network.
"""

from __future__ import annotations

from collections.abc import Iterable

# Reads (search, the Config API, subscription and event-type reads) accept either scope;
# subscription creates, updates and deletes need cjp:config_write (§1.2, §4.1, §6).
CONFIG_READ = "cjp:config_read"
CONFIG_READ_ALTERNATIVE = "cjp:config"
CONFIG_WRITE = "cjp:config_write"
PEOPLE_READ = "spark:people_read"  # people/me: the org a token acts for (§4.4)

# Exactly the scopes the product uses, each with what it is for (settings.WEBEX_SCOPES).
SCOPES_USED = {
    CONFIG_READ: "read contact-center data (search, queues and teams, webhook subscriptions)",
    CONFIG_WRITE: "register the webhook subscriptions",
    PEOPLE_READ: "find the Webex organization of the user who connects",
}

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def scope_needed(method: str, path: str) -> str:
    """The scope a WxCC call needs: subscription writes need cjp:config_write, the rest reads.
    (`POST /search` is a read.)"""
    writes_subscriptions = "/subscriptions" in path and method.upper() in _WRITE_METHODS
    return CONFIG_WRITE if writes_subscriptions else CONFIG_READ


def granted(scopes: str | Iterable[str]) -> frozenset[str]:
    """Scopes as a set, from Webex's space-separated text or a list."""
    words = scopes.split() if isinstance(scopes, str) else scopes
    return frozenset(w.strip() for w in words if w.strip())


def has_scope(needed: str, scopes: frozenset[str]) -> bool:
    if needed == CONFIG_READ:
        return bool({CONFIG_READ, CONFIG_READ_ALTERNATIVE} & scopes)
    return needed in scopes


def missing_scopes(scopes: str | Iterable[str]) -> tuple[str, ...]:
    """The scopes we use that a grant lacks, in a stable order."""
    have = granted(scopes)
    return tuple(s for s in SCOPES_USED if not has_scope(s, have))


def forbidden_reason(what: str, needed: str, scopes: str | Iterable[str] | None) -> str:
    """A 403 in words an admin can act on, naming the scope the call needs."""
    have = granted(scopes or ())
    if scopes is not None and not has_scope(needed, have):
        shown = " ".join(sorted(have)) or "none"
        return (
            f"WxCC refused {what} (403): the connection needs {needed}, but Webex granted "
            f"{shown}; reconnect and grant {needed}"
        )
    return (
        f"WxCC refused {what} (403): needs {needed}, and the user who connected needs the "
        "Administrator or Supervisor role in this organization"
    )
