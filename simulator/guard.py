"""What stands in front of every WxCC and identity call: injected faults, the bearer token
check, the rate limit, the scope check and the orgId check, each answered in the error shape of
its API. A caller acts for exactly one org: the org of the user whose consent issued its token.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.auth import AccessToken, InvalidToken
from simulator.state import OrgState, SimulatorState

logger = logging.getLogger(__name__)

# Scopes (docs/wxcc-contract.md 4.1): Search, statistics and subscription reads need
# `cjp:config_read` or `cjp:config`; subscription writes need `cjp:config_write` (Cisco names
# no other scope for them, so `cjp:config` alone does not write here).
CONFIG_READ_SCOPES = frozenset({"cjp:config_read", "cjp:config"})
CONFIG_WRITE_SCOPES = frozenset({"cjp:config_write"})
# Which scopes an endpoint accepts: the same for every method, or per HTTP method.
ScopeRule = frozenset[str] | Mapping[str, frozenset[str]]
# WxCC's 403 description as seen on a real tenant (CONTRACT.md, "Errors"); used for a foreign
# orgId and for a token without the scope an operation needs.
FORBIDDEN_DESCRIPTION = "Access denied - Client is forbidden access to the resource"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a valid token and the one org it acts for."""

    token: AccessToken
    org: OrgState


Handler = Callable[[Request, SimulatorState, Caller], Awaitable[Response]]

# Error shapes. WxCC search/statistics: ApiErrorResponse with a string `key`; subscriptions:
# ErrorResult with an integer `key` (docs/wxcc-contract.md 1.2 and 2.1). Identity
# (webexapis.com) REST errors use Webex's {message, errors[{description}], trackingId}.
STYLE_API = "api"
STYLE_SUBSCRIPTIONS = "subscriptions"
STYLE_IDENTITY = "identity"


def tracking_id(request: Request) -> str:
    return request.headers.get("TrackingId") or f"SIM_{uuid.uuid4()}"


def error_response(
    request: Request,
    status: int,
    description: str,
    style: str = STYLE_API,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    tracking = tracking_id(request)
    body: dict[str, Any]
    if style == STYLE_IDENTITY:
        body = {"message": description, "errors": [{"description": description}]}
        body["trackingId"] = tracking
    else:
        key: int | str = status if style == STYLE_SUBSCRIPTIONS else str(status)
        body = {
            "trackingId": tracking,
            "error": {"key": key, "message": [{"description": description}]},
        }
    return JSONResponse(body, status_code=status, headers=headers)


def webex_id(kind: str, raw_id: str) -> str:
    """Webex's public id: base64 of ciscospark://us/<KIND>/<uuid> (padding stripped)."""
    text = f"ciscospark://us/{kind}/{raw_id}".encode()
    return base64.b64encode(text).decode("ascii").rstrip("=")


def _accepted_scopes(rule: ScopeRule | None, method: str) -> frozenset[str] | None:
    if rule is None or isinstance(rule, frozenset):
        return rule
    return rule[method]


def guarded(
    surface: str, style: str, scopes: ScopeRule | None = None
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler with faults, bearer auth, rate limiting, the scope check (a token needs
    one of the accepted scopes) and the orgId check. The WxCC budget ("api") is spent per
    client id; identity calls are webexapis.com's, outside WxCC's budget."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            state: SimulatorState = request.app.state.sim
            fault = state.faults.take(surface)
            if fault is not None:
                early = await apply_fault(request, fault.mode, fault, style)
                if early is not None:
                    return early
            auth = request.headers.get("Authorization", "")
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "bearer" or not value:
                return error_response(request, 401, "Authorization header missing", style)
            try:
                token = state.tokens.validate(value.strip())
            except InvalidToken:
                return error_response(
                    request, 401, "The request requires a valid access token.", style
                )
            if surface == "api":
                by_client = state.config.rate_limit_scope == "client"
                retry_after = state.limiter.check(token.client_id if by_client else value.strip())
                if retry_after is not None:
                    return error_response(
                        request,
                        429,
                        "Too many requests.",
                        style,
                        headers={"Retry-After": str(retry_after)},
                    )
            accepted = _accepted_scopes(scopes, request.method)
            if accepted is not None and not accepted & token.scopes:
                logger.info(
                    "forbidden: missing scope org_id=%s path=%s needs_one_of=%s",
                    token.org_id,
                    request.url.path,
                    ",".join(sorted(accepted)),
                )
                return error_response(request, 403, FORBIDDEN_DESCRIPTION, style)
            org_id = request.query_params.get("orgId")
            if org_id and org_id != token.org_id:
                logger.info(
                    "forbidden: foreign orgId org_id=%s requested_org_id=%s", token.org_id, org_id
                )
                return error_response(request, 403, FORBIDDEN_DESCRIPTION, style)
            state.sync()
            return await handler(request, state, Caller(token, state.org_of(token)))

        endpoint.__name__ = handler.__name__
        return endpoint

    return decorate


async def apply_fault(request: Request, mode: str, fault: Any, style: str) -> Response | None:
    if mode == "outage":
        return error_response(request, 503, "Service Unavailable", style)
    if mode == "5xx":
        return error_response(request, fault.status_code, "An Unexpected Error Occurred", style)
    if mode == "ratelimit":
        headers = {"Retry-After": str(fault.retry_after_s)}
        return error_response(request, 429, "Too many requests.", style, headers=headers)
    if mode == "slow":
        await asyncio.sleep(fault.delay_s)
        return None
    if mode == "timeout":
        # Longer than any sensible client timeout; a gateway would eventually give up.
        await asyncio.sleep(fault.delay_s)
        return error_response(request, 504, "Gateway Timeout", style)
    return None
