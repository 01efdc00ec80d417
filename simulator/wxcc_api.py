"""The WxCC API surface: GraphQL search, statistics REST, subscriptions and event types.
Thin edges: each reads its input, calls one model reader or store, and answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.auth import AccessToken
from simulator.guard import STYLE_API, STYLE_SUBSCRIPTIONS, error_response, guarded
from simulator.search import execute_search
from simulator.state import SimulatorState
from simulator.statistics import BadRequest, agent_activities, agent_statistics, queue_statistics
from simulator.webhooks import EVENT_TYPES, RESOURCE_VERSIONS, SubscriptionInvalid


@guarded("api", STYLE_API)
async def search(request: Request, state: SimulatorState, token: AccessToken) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        return error_response(request, 400, "Body is invalid JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return error_response(request, 400, "query is required.")
    result = await execute_search(
        state.model, body["query"], body.get("variables"), body.get("operationName")
    )
    # A document that does not parse or validate (e.g. a missing `from`) never executes:
    # WxCC answers 400 then; execution errors come back as 200 with GraphQL `errors`.
    status = 400 if result.get("errors") and result.get("data") is None else 200
    return JSONResponse(result, status_code=status)


def _params(request: Request) -> dict[str, str]:
    return {key: value for key, value in request.query_params.items()}


@guarded("api", STYLE_API)
async def queues_statistics(
    request: Request, state: SimulatorState, token: AccessToken
) -> Response:
    try:
        return JSONResponse(queue_statistics(state.model, _params(request)))
    except BadRequest as exc:
        return error_response(request, 400, str(exc))


@guarded("api", STYLE_API)
async def agents_statistics(
    request: Request, state: SimulatorState, token: AccessToken
) -> Response:
    try:
        return JSONResponse(agent_statistics(state.model, _params(request)))
    except BadRequest as exc:
        return error_response(request, 400, str(exc))


@guarded("api", STYLE_API)
async def agents_activities(
    request: Request, state: SimulatorState, token: AccessToken
) -> Response:
    try:
        return JSONResponse(agent_activities(state.model, _params(request)))
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


@guarded("api", STYLE_SUBSCRIPTIONS)
async def subscriptions(request: Request, state: SimulatorState, token: AccessToken) -> Response:
    version = _api_version(request)
    meta = {"orgId": state.config.org_id}
    if request.method == "GET":
        items = [s.as_json() for s in state.subscriptions.list(version)]
        return JSONResponse({"meta": meta, "data": items})
    body = await _json_body(request)
    if body is None:
        return error_response(request, 400, "Body is invalid JSON.", STYLE_SUBSCRIPTIONS)
    try:
        created = state.subscriptions.create(
            body, version, state.config.demo_user_email, state.clock.now_ms()
        )
    except SubscriptionInvalid as exc:
        return _invalid(request, exc)
    return JSONResponse({"meta": meta, "data": created.as_json()}, status_code=201)


@guarded("api", STYLE_SUBSCRIPTIONS)
async def subscription(request: Request, state: SimulatorState, token: AccessToken) -> Response:
    version = _api_version(request)
    found = state.subscriptions.get(request.path_params["id"], version)
    if found is None:
        return error_response(request, 404, "Subscription not found.", STYLE_SUBSCRIPTIONS)
    meta = {"orgId": state.config.org_id}
    if request.method == "DELETE":
        state.subscriptions.delete(found.id)
        return Response(status_code=204)
    if request.method == "PATCH":
        body = await _json_body(request)
        if body is None:
            return error_response(request, 400, "Body is invalid JSON.", STYLE_SUBSCRIPTIONS)
        try:
            state.subscriptions.update(
                found, body, state.config.demo_user_email, state.clock.now_ms()
            )
        except SubscriptionInvalid as exc:
            return _invalid(request, exc)
    return JSONResponse({"meta": meta, "data": found.as_json()})


def _invalid(request: Request, exc: SubscriptionInvalid) -> JSONResponse:
    response = error_response(request, 400, exc.descriptions[0], STYLE_SUBSCRIPTIONS)
    body = json.loads(bytes(response.body))
    body["error"]["message"] = [{"description": d} for d in exc.descriptions]
    return JSONResponse(body, status_code=400)


@guarded("api", STYLE_SUBSCRIPTIONS)
async def event_types(request: Request, state: SimulatorState, token: AccessToken) -> Response:
    data = [
        {"name": name, "resource": name.split(":")[0], "action": name.split(":")[1]}
        for name in EVENT_TYPES
    ]
    meta: dict[str, Any] = {"orgId": state.config.org_id}
    if _api_version(request) == 2:
        meta["resourceVersionList"] = [
            {"resource": resource, "version": version} for resource, version in RESOURCE_VERSIONS
        ]
    return JSONResponse({"data": data, "meta": meta})
