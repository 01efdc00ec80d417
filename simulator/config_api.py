"""WxCC's Config API for the org's contact service queues and teams (docs/wxcc-contract.md
§6): `GET /organization/{orgid}/v2/contact-service-queue` and `GET /organization/{orgid}/v2/
team`, answering each org's own topology.

As Cisco's OpenAPI file describes them: the org is in the path (a token may only read its
own org: 403 otherwise), reads need `cjp:config_read` (or `cjp:config`), `page` counts from 0,
`pageSize` defaults to 100 and a larger one is cut to the maximum, the answer is
`{"meta": {...paging...}, "data": [...]}`; errors use the ApiErrorResponse shape with a
string `key`. `channelType` is upper case (`TELEPHONY`), `serviceLevelThreshold` in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.guard import (
    CONFIG_READ_SCOPES,
    FORBIDDEN_DESCRIPTION,
    STYLE_API,
    Caller,
    error_response,
)
from simulator.guard import guarded as _guarded
from simulator.model import TrafficModel
from simulator.state import SimulatorState
from simulator.topology import Queue, Team

DEFAULT_PAGE_SIZE = 100
# Cisco: "If the number specified is more than allowed max page size, the API will
# automatically adjust the page size to the max page size" - the maximum is not published;
# ours [unconfirmed].
MAX_PAGE_SIZE = 100
# Every configuration item is version 1, created when the model's history begins.
_VERSION = 1


class BadPaging(ValueError):
    pass


def _paging(request: Request) -> tuple[int, int]:
    try:
        page = int(request.query_params.get("page", "0"))
        size = int(request.query_params.get("pageSize", str(DEFAULT_PAGE_SIZE)))
    except ValueError:
        raise BadPaging("page and pageSize must be integers.") from None
    if page < 0 or size < 1:
        raise BadPaging("page must be 0 or more and pageSize 1 or more.")
    return page, min(size, MAX_PAGE_SIZE)


def page_of(items: Sequence[dict[str, Any]], page: int, size: int, org_id: str) -> dict[str, Any]:
    """One page of a Config API list with its paging metadata."""
    total = len(items)
    return {
        "meta": {
            "orgid": org_id,
            "page": page,
            "pageSize": size,
            "totalPages": -(-total // size),
            "totalRecords": total,
        },
        "data": list(items[page * size : (page + 1) * size]),
    }


def queue_json(model: TrafficModel, queue: Queue) -> dict[str, Any]:
    return {
        "organizationId": model.org_id,
        "id": queue.id,
        "version": _VERSION,
        "name": queue.name,
        "description": f"{queue.name} queue",
        "queueType": "INBOUND",
        "checkAgentAvailability": True,
        "channelType": queue.channel_type.upper(),
        "serviceLevelThreshold": queue.service_level_threshold_s,
        "maxActiveContacts": 100,
        "maxTimeInQueue": int(queue.patience_mean_s * 10),
        "active": True,
        "routingType": "LONGEST_AVAILABLE_AGENT",
        "queueRoutingType": "TEAM_BASED",
        "systemDefault": False,
        "createdTime": model.begin_ms,
        "lastUpdatedTime": model.begin_ms,
    }


def team_json(model: TrafficModel, team: Team) -> dict[str, Any]:
    return {
        "organizationId": model.org_id,
        "id": team.id,
        "version": _VERSION,
        "name": team.name,
        "teamType": "AGENT",
        "teamStatus": "IN_SERVICE",
        "active": True,
        "siteId": team.site_id,
        "siteName": model.topology.site(team.site_id).name,
        "systemDefault": False,
        "createdTime": model.begin_ms,
        "lastUpdatedTime": model.begin_ms,
    }


def _listing(
    build: Callable[[TrafficModel], list[dict[str, Any]]],
) -> Callable[[Request, SimulatorState, Caller], Any]:
    async def endpoint(request: Request, state: SimulatorState, caller: Caller) -> Response:
        if request.path_params["orgid"] != caller.org.org_id:
            return error_response(request, 403, FORBIDDEN_DESCRIPTION, STYLE_API)
        try:
            page, size = _paging(request)
        except BadPaging as exc:
            return error_response(request, 400, str(exc), STYLE_API)
        items = build(caller.org.model)
        return JSONResponse(page_of(items, page, size, caller.org.org_id))

    return endpoint


def _queues(model: TrafficModel) -> list[dict[str, Any]]:
    return [queue_json(model, q) for q in sorted(model.topology.queues, key=lambda q: q.name)]


def _teams(model: TrafficModel) -> list[dict[str, Any]]:
    return [team_json(model, t) for t in sorted(model.topology.teams, key=lambda t: t.name)]


contact_service_queues = _guarded("api", STYLE_API, CONFIG_READ_SCOPES)(_listing(_queues))
contact_service_queues.__name__ = "contact_service_queues"
teams = _guarded("api", STYLE_API, CONFIG_READ_SCOPES)(_listing(_teams))
teams.__name__ = "teams"

ROUTES_SPEC = (
    ("/organization/{orgid}/v2/contact-service-queue", contact_service_queues),
    ("/organization/{orgid}/v2/team", teams),
)
