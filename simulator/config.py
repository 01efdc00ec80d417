"""Simulator configuration: one frozen dataclass, its demo defaults and its environment fallbacks.

Everything the simulator can be told lives here so that `python -m simulator`, `create_app()`
and the test fixtures all speak the same vocabulary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Documented demo credentials: the product's `make demo` and the README use these.
DEMO_CLIENT_ID = "wallboard-demo-client"
DEMO_CLIENT_SECRET = "wallboard-demo-secret"  # noqa: S105 - a published demo value, not a secret
DEMO_USER_EMAIL = "supervisor@wallboard-demo.example"
DEMO_USER_NAME = "Demo Supervisor"

# Lifetimes as Cisco shows them for a WxCC integration (CONTRACT.md, "Token response").
WEBEX_ACCESS_TOKEN_TTL_S = 43199
WEBEX_REFRESH_TOKEN_TTL_S = 5182014

# WxCC: "The current default rate limit for a given client ID is 300 requests per minute"
# (docs/wxcc-contract.md section 5).
WEBEX_RATE_LIMIT_PER_MINUTE = 300

# The org id is derived from the seed so that a given seed always serves the same org.
_ORG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/wxcc-wallboard/simulator")


def org_id_for_seed(seed: int, number: int = 1) -> str:
    """The UUID of org `number` (1-based) served by a simulator started with `seed`; org 1 is
    the one a single-org simulator has always served."""
    name = f"org/{seed}" if number == 1 else f"org/{seed}/{number}"
    return str(uuid.uuid5(_ORG_NAMESPACE, name))


@dataclass(frozen=True)
class SimConfig:
    """How one simulator instance behaves. Times in seconds unless the name says otherwise."""

    host: str = "127.0.0.1"
    port: int = 8900
    seed: int = 7
    # Model seconds per real second; 0 < speed.
    speed: float = 1.0
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET
    # Empty means "derive from the seed" (see org_id_for_seed); filled in __post_init__.
    org_id: str = ""
    demo_user_email: str = DEMO_USER_EMAIL
    demo_user_name: str = DEMO_USER_NAME
    # Token lifetimes run on real wall time, not model time, so tests can expire them in seconds.
    access_token_ttl_s: float = WEBEX_ACCESS_TOKEN_TTL_S
    refresh_token_ttl_s: float = WEBEX_REFRESH_TOKEN_TTL_S
    auth_code_ttl_s: float = 300
    # Orgs served under this one client id (one integration connected by several customers).
    # Org 1 is `org_id`; each further org has its own id, user, contact center and
    # subscriptions, all derived from the seed (see simulator/tenancy.py).
    org_count: int = 1
    # Requests per rolling minute before 429; 0 disables the limit.
    rate_limit_per_minute: int = WEBEX_RATE_LIMIT_PER_MINUTE
    # Whose budget a request spends: "client" (WxCC's documented default: per client ID) or
    # "token" (one budget per access token).
    rate_limit_scope: str = "client"
    # Redirect URIs accepted by /v1/authorize: any URI starting with one of these prefixes.
    redirect_uri_prefixes: tuple[str, ...] = ("http://localhost", "http://127.0.0.1")
    # Traffic model.
    history_days: int = 7
    # The contact center's time zone (IANA name): arrivals, shifts and breaks follow its local
    # day, so a center is busy in its own business hours.
    timezone: str = "UTC"
    tasks_per_day: int = 1200
    agent_count: int = 30
    # Queues beyond the five named ones repeat them ("Sales 2", ...), sharing their volume.
    queue_count: int = 5
    agent_breaks: bool = True
    # Pin the model's start ("now" when the app starts), epoch ms; None means the wall clock.
    start_time_ms: int | None = None
    # Real seconds between two advances of the live model.
    tick_s: float = 0.2
    # Run the live model loop in the background; tests that only step time can turn it off.
    live: bool = True
    # Webhook delivery (real seconds).
    webhook_timeout_s: float = 5.0
    webhook_max_attempts: int = 5
    webhook_backoff_base_s: float = 1.0
    webhook_backoff_max_s: float = 60.0
    # After this many events in a row could not be delivered, the subscription turns inactive
    # ("the system may change the status to inactive in error scenarios"); 0 never disables.
    webhook_disable_after_failed_events: int = 0
    # WxCC only accepts destinationUrl on HTTPS, port 443, a public domain. This opt-in also
    # admits http(s)://127.0.0.1, localhost and [::1] on any port, for tests and the demo.
    allow_loopback_destinations: bool = False
    # Where tokens and subscriptions survive a restart (one JSON file, written atomically);
    # None keeps them in memory only, so a restart forgets them.
    state_dir: str | None = None

    def __post_init__(self) -> None:
        if not self.org_id:
            object.__setattr__(self, "org_id", org_id_for_seed(self.seed))
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.rate_limit_scope not in ("client", "token"):
            raise ValueError("rate_limit_scope must be 'client' or 'token'")
        if self.history_days < 0:
            raise ValueError("history_days must not be negative")
        if self.org_count < 1:
            raise ValueError("org_count must be at least 1")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None

    def with_overrides(self, **overrides: object) -> SimConfig:
        """A copy with some fields changed; a derived org id follows a changed seed."""
        if (
            "seed" in overrides
            and "org_id" not in overrides
            and self.org_id == org_id_for_seed(self.seed)
        ):
            overrides["org_id"] = ""
        return replace(self, **overrides)  # type: ignore[arg-type]


# Environment variables read by `python -m simulator` when a flag is not given.
ENV_FALLBACKS: dict[str, str] = {
    "host": "SIM_HOST",
    "port": "SIM_PORT",
    "seed": "SIM_SEED",
    "speed": "SIM_SPEED",
    "client_id": "SIM_CLIENT_ID",
    "client_secret": "SIM_CLIENT_SECRET",
    "org_id": "SIM_ORG_ID",
    "history_days": "SIM_HISTORY_DAYS",
    "tasks_per_day": "SIM_TASKS_PER_DAY",
    "rate_limit_per_minute": "SIM_RATE_LIMIT_PER_MINUTE",
    "access_token_ttl_s": "SIM_ACCESS_TOKEN_TTL_S",
    "refresh_token_ttl_s": "SIM_REFRESH_TOKEN_TTL_S",
    "org_count": "SIM_ORG_COUNT",
    "timezone": "SIM_TIMEZONE",
    "state_dir": "SIM_STATE_DIR",
    "allow_loopback_destinations": "SIM_ALLOW_LOOPBACK_DESTINATIONS",
}


def env_defaults(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Config values found in the environment, keyed by SimConfig field name."""
    env = os.environ if environ is None else environ
    return {name: env[var] for name, var in ENV_FALLBACKS.items() if env.get(var)}
