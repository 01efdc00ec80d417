"""The WxCC API surface: GraphQL search, statistics REST, subscriptions and event types.
Thin edges: each reads its input, calls one model reader or store of the caller's org, and
answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.guard import (
    CONFIG_READ_SCOPES,
    CONFIG_WRITE_SCOPES,
    FORBIDDEN_DESCRIPTION,
    STYLE_API,
    STYLE_SUBSCRIPTIONS,
    Caller,
    error_response,
    guarded,
)
from simulator.search import execute_search
from simulator.state import SimulatorState
from simulator.statistics import BadRequest, agent_activities, agent_statistics, queue_statistics
from simulator.subscriptions import EVENT_TYPES, RESOURCE_VERSIONS, SubscriptionInvalid

# Subscription reads and writes need different scopes (docs/wxcc-contract.md 1.2).
SUBSCRIPTION_SCOPES = {
    "GET": CONFIG_READ_SCOPES,
    "POST": CONFIG_WRITE_SCOPES,
    "PATCH": CONFIG_WRITE_SCOPES,
    "DELETE": CONFIG_WRITE_SCOPES,
}


@guarded("api", STYLE_API, CONFIG_READ_SCOPES)
async def search(request: Request, state: SimulatorState, caller: Caller) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return error_response(request, 400, "Body is invalid JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return error_response(request, 400, "query is required.")
    result = await execute_search(
        caller.org.model, body["query"], body.get("variables"), body.get("operationName")
    )
    # A document that does not parse or validate (e.g. a missing `from`) never executes:
    # WxCC answers 400 then; execution errors come back as 200 with GraphQL `errors`.
    status = 400 if result.get("errors") and result.get("data") is None else 200
    return JSONResponse(result, status_code=status)


def _params(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items()}


@guarded("api", STYLE_API, CONFIG_READ_SCOPES)
async def queues_statistics(request: Request, state: SimulatorState, caller: Caller) -> Response:
    try:
        return JSONResponse(queue_statistics(caller.org.model, _params(request)))
    except BadRequest as exc:
        return error_response(request, 400, str(exc))


@guarded("api", STYLE_API, CONFIG_READ_SCOPES)
async def agents_statistics(request: Request, state: SimulatorState, caller: Caller) -> Response:
    try:
        return JSONResponse(agent_statistics(caller.org.model, _params(request)))
    except BadRequest as exc:
        return error_response(request, 400, str(exc))


@guarded("api", STYLE_API, CONFIG_READ_SCOPES)
async def agents_activities(request: Request, state: SimulatorState, caller: Caller) -> Response:
    try:
        return JSONResponse(agent_activities(caller.org.model, _params(request)))
    except BadRequest as exc:
        return error_response(request, 400, str(exc))


def _api_version(request: Request) -> int:
    return 2 if request.url.path.startswith("/v2/") else 1


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"null")
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def _foreign_org_in_body(body: dict[str, Any], caller: Caller) -> bool:
    org_id = body.get("orgId")
    return org_id is not None and org_id != caller.org.org_id


def _forbidden(request: Request) -> JSONResponse:
    return error_response(request, 403, FORBIDDEN_DESCRIPTION, STYLE_SUBSCRIPTIONS)


@guarded("api", STYLE_SUBSCRIPTIONS, SUBSCRIPTION_SCOPES)
async def subscriptions(request: Request, state: SimulatorState, caller: Caller) -> Response:
    version = _api_version(request)
    store = caller.org.subscriptions
    if request.method == "GET":
        items = [s.as_json() for s in store.list(version)]
        # `data` holds this version's subscriptions, the count is the org's (V1 + V2).
        meta = {"orgId": caller.org.org_id, "subscriptionCount": store.count}
        return JSONResponse({"meta": meta, "data": items})
    body = await _json_body(request)
    if body is None:
        return error_response(request, 400, "Body is invalid JSON.", STYLE_SUBSCRIPTIONS)
    if _foreign_org_in_body(body, caller):
        return _forbidden(request)
    try:
        created = store.create(
            body,
            api_version=version,
            user=caller.token.user_email,
            now_ms=state.clock.now_ms(),
        )
    except SubscriptionInvalid as exc:
        return _invalid(request, exc)
    meta = {"orgId": caller.org.org_id}
    return JSONResponse({"meta": meta, "data": created.as_json()}, status_code=201)


@guarded("api", STYLE_SUBSCRIPTIONS, SUBSCRIPTION_SCOPES)
async def subscription(request: Request, state: SimulatorState, caller: Caller) -> Response:
    version = _api_version(request)
    store = caller.org.subscriptions
    found = store.get(request.path_params["id"], version)
    if found is None:
        return error_response(request, 404, "Subscription not found.", STYLE_SUBSCRIPTIONS)
    meta = {"orgId": caller.org.org_id}
    if request.method == "DELETE":
        store.delete(found.id)
        return Response(status_code=204)
    if request.method == "PATCH":
        body = await _json_body(request)
        if body is None:
            return error_response(request, 400, "Body is invalid JSON.", STYLE_SUBSCRIPTIONS)
        if _foreign_org_in_body(body, caller):
            return _forbidden(request)
        try:
            store.update(found, body, user=caller.token.user_email, now_ms=state.clock.now_ms())
        except SubscriptionInvalid as exc:
            return _invalid(request, exc)
    return JSONResponse({"meta": meta, "data": found.as_json()})


def _invalid(request: Request, exc: SubscriptionInvalid) -> JSONResponse:
    response = error_response(request, 400, exc.descriptions[0], STYLE_SUBSCRIPTIONS)
    body = json.loads(bytes(response.body))
    body["error"]["message"] = [{"description": d} for d in exc.descriptions]
    return JSONResponse(body, status_code=400)


@guarded("api", STYLE_SUBSCRIPTIONS, CONFIG_READ_SCOPES)
async def event_types(request: Request, state: SimulatorState, caller: Caller) -> Response:
    data = [
        {"name": name, "resource": name.split(":")[0], "action": name.split(":")[1]}
        for name in EVENT_TYPES
    ]
    meta: dict[str, Any] = {"orgId": caller.org.org_id}
    if _api_version(request) == 2:
        meta["resourceVersionList"] = [
            {"resource": resource, "version": version} for resource, version in RESOURCE_VERSIONS
        ]
    return JSONResponse({"data": data, "meta": meta})
