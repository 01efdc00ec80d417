"""`python -m simulator`: run the WxCC simulator alone on one port."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import uvicorn

from simulator.app import create_app
from simulator.config import SimConfig, env_defaults
from simulator.persistence import StateFileInvalid
from simulator.tenancy import org_specs

_TRUE = ("1", "true", "yes", "on")


def parse_config(argv: Sequence[str] | None = None) -> SimConfig:
    """Flags first, then SIM_* environment variables, then the documented demo defaults."""
    defaults = SimConfig()
    env = env_defaults()
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default=env.get("host", defaults.host))
    parser.add_argument("--port", type=int, default=int(env.get("port", defaults.port)))
    parser.add_argument("--seed", type=int, default=int(env.get("seed", defaults.seed)))
    parser.add_argument("--speed", type=float, default=float(env.get("speed", defaults.speed)))
    parser.add_argument("--client-id", default=env.get("client_id", defaults.client_id))
    parser.add_argument("--client-secret", default=env.get("client_secret", defaults.client_secret))
    parser.add_argument(
        "--org-id", default=env.get("org_id", ""), help="default: derived from seed"
    )
    parser.add_argument(
        "--history-days", type=int, default=int(env.get("history_days", defaults.history_days))
    )
    parser.add_argument(
        "--tasks-per-day", type=int, default=int(env.get("tasks_per_day", defaults.tasks_per_day))
    )
    parser.add_argument(
        "--rate-limit-per-minute",
        type=int,
        default=int(env.get("rate_limit_per_minute", defaults.rate_limit_per_minute)),
    )
    parser.add_argument(
        "--access-token-ttl",
        type=float,
        default=float(env.get("access_token_ttl_s", defaults.access_token_ttl_s)),
        help="seconds",
    )
    parser.add_argument(
        "--refresh-token-ttl",
        type=float,
        default=float(env.get("refresh_token_ttl_s", defaults.refresh_token_ttl_s)),
        help="seconds",
    )
    parser.add_argument(
        "--org-count",
        type=int,
        default=int(env.get("org_count", defaults.org_count)),
        help="orgs served under the one client id",
    )
    parser.add_argument(
        "--timezone",
        default=env.get("timezone", defaults.timezone),
        help="the contact center's time zone: traffic and shifts follow its local day",
    )
    parser.add_argument(
        "--state-dir",
        default=env.get("state_dir") or None,
        help="keep tokens and subscriptions here across restarts (default: in memory only)",
    )
    parser.add_argument(
        "--allow-loopback-destinations",
        action="store_true",
        default=env.get("allow_loopback_destinations", "").lower() in _TRUE,
        help="also accept webhook destinationUrl on http(s)://127.0.0.1, localhost, [::1]",
    )
    args = parser.parse_args(argv)
    if args.org_count < 1:
        parser.error("--org-count must be at least 1")
    return SimConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        speed=args.speed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        org_id=args.org_id,
        history_days=args.history_days,
        tasks_per_day=args.tasks_per_day,
        rate_limit_per_minute=args.rate_limit_per_minute,
        access_token_ttl_s=args.access_token_ttl,
        refresh_token_ttl_s=args.refresh_token_ttl,
        org_count=args.org_count,
        timezone=args.timezone,
        state_dir=args.state_dir,
        allow_loopback_destinations=args.allow_loopback_destinations,
    )


def main(argv: Sequence[str] | None = None) -> None:
    config = parse_config(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        app = create_app(config)
    except StateFileInvalid as exc:
        sys.exit(f"simulator: {exc} (move it away to start with no tokens or subscriptions)")
    # One line each, so `make demo` and scripts can read them.
    print(f"WxCC simulator listening on http://{config.host}:{config.port}", flush=True)
    print(f"org id: {config.org_id}", flush=True)
    print(f"client id: {config.client_id}", flush=True)
    for spec in org_specs(config)[1:]:
        print(f"org {spec.number} id: {spec.org_id} (user {spec.user_email})", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
