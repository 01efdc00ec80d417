"""The control API under `/_sim/`: for tests and demos, never part of the WxCC surface.
JSON in, JSON out, no authentication (the simulator is a development tool).

Calls about one org's contact center, tokens or deliveries take the optional query parameter
`ORG_PARAM` (an org id or its 1-based number; org 1 when absent; 404 for an org not served).
Time, faults and the rate limit belong to the whole simulated Webex and ignore it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.records import AGENT_STATE, Task
from simulator.state import OrgState, SimulatorState
from simulator.tenancy import UnknownOrg

ORG_PARAM = "org"


class ControlError(Exception):
    """A control request the simulator refuses; answered as {"error": message}."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _state(request: Request) -> SimulatorState:
    sim: SimulatorState = request.app.state.sim
    sim.sync()
    return sim


def _org(request: Request, sim: SimulatorState) -> OrgState:
    try:
        return sim.org(request.query_params.get(ORG_PARAM))
    except UnknownOrg:
        raise ControlError("unknown org", 404) from None


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        raise ControlError("body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _control(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ControlError as exc:
            return _bad(exc.message, exc.status)

    endpoint.__name__ = handler.__name__
    return endpoint


def _task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "status": task.status,
        "channelType": task.channel_type,
        "queueId": task.queue_id,
        "agentId": task.agent_id,
        "createdTime": task.created_ms,
        "endedTime": task.ended_ms,
        "terminationType": task.termination_type,
        "callback": task.callback,
        "legs": [
            {
                "queueId": leg.queue_id,
                "enqueuedTime": leg.enqueued_ms,
                "parked": leg.parked,
                "acceptedTime": leg.accepted_ms,
                "abandonedTime": leg.abandoned_ms,
                "offers": [
                    {"agentId": o.agent_id, "offeredTime": o.offered_ms, "accepted": o.accepted}
                    for o in leg.offers
                ],
            }
            for leg in task.legs
        ],
    }


def summary(sim: SimulatorState, org: OrgState) -> dict[str, Any]:
    """The simulator as one org sees it, plus every org it serves."""
    model = org.model
    topology = model.topology
    return {
        "now": sim.clock.now_ms(),
        "paused": sim.clock.paused,
        "speed": sim.clock.speed,
        "orgId": org.org_id,
        "orgs": [spec.as_json() for spec in sim.specs],
        "authorizeAs": sim.signed_in_org_id,
        "historyStart": model.begin_ms,
        "taskCount": len(model.task_list),
        "queues": [
            {
                "id": queue.id,
                "name": queue.name,
                "channelType": queue.channel_type,
                "entryPointId": queue.entry_point_id,
                "waiting": len(model.waiting(queue.id)),
                "arrivalRatePerHour": round(model.arrival_rate_per_hour(queue.id), 3),
            }
            for queue in topology.queues
        ],
        "teams": [
            {"id": t.id, "name": t.name, "siteId": t.site_id, "queueIds": list(t.queue_ids)}
            for t in topology.teams
        ],
        "agents": [
            {
                "id": runtime.profile.id,
                "name": runtime.profile.name,
                "teamId": runtime.profile.team_id,
                "state": AGENT_STATE[runtime.state],
                "idleCode": runtime.idle_code.name if runtime.idle_code else None,
                "taskId": runtime.task_id,
                "loggedIn": runtime.session is not None,
            }
            for runtime in model.agents.values()
        ],
        "liveTasks": [_task_json(task) for task in model.live_tasks()],
        "subscriptions": org.subscriptions.count,
        "webhooksPending": sim.dispatcher.pending,
        "fault": sim.faults.settings.as_json(),
        "rateLimitPerMinute": sim.limiter.per_minute,
    }


# --- the whole simulator: time, faults, rate limit, who signs in ------------------------


@_control
async def get_state(request: Request) -> Response:
    sim = _state(request)
    return JSONResponse(summary(sim, _org(request, sim)))


@_control
async def pause(request: Request) -> Response:
    sim = _state(request)
    sim.clock.pause()
    return JSONResponse({"now": sim.clock.now_ms(), "paused": True})


@_control
async def resume(request: Request) -> Response:
    sim = _state(request)
    sim.clock.resume()
    return JSONResponse({"now": sim.clock.now_ms(), "paused": False})


@_control
async def step(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    try:
        seconds = float(body.get("seconds", 0))
    except (TypeError, ValueError):
        return _bad("seconds must be a number")
    if seconds < 0:
        return _bad("seconds must not be negative")
    sim.clock.step(seconds)
    return JSONResponse({"now": sim.sync(), "paused": sim.clock.paused})


@_control
async def speed(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    try:
        sim.clock.set_speed(float(body["speed"]))
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"speed: {exc}")
    return JSONResponse({"speed": sim.clock.speed})


@_control
async def faults(request: Request) -> Response:
    sim = _state(request)
    if request.method == "POST":
        body = await _body(request)
        try:
            sim.faults.configure(**body)
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    return JSONResponse(sim.faults.settings.as_json())


@_control
async def rate_limit(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    per_minute = body.get("per_minute")
    try:
        sim.limiter.reset(None if per_minute is None else int(per_minute))
    except (TypeError, ValueError):
        return _bad("per_minute must be an integer")
    return JSONResponse({"rateLimitPerMinute": sim.limiter.per_minute})


@_control
async def authorize_as(request: Request) -> Response:
    """From now on /v1/authorize approves as the user of the selected org."""
    sim = _state(request)
    org = _org(request, sim)
    sim.signed_in_org_id = org.org_id
    return JSONResponse(org.spec.as_json())


# --- one org: its contact center, tokens and deliveries ----------------------------------


@_control
async def quiet(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    org.model.quiet()
    return JSONResponse(summary(sim, org))


@_control
async def arrival_rate(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    body = await _body(request)
    per_hour = body.get("per_hour")
    try:
        org.model.set_arrival_rate(
            body.get("queueId"), None if per_hour is None else float(per_hour)
        )
    except KeyError:
        return _bad("unknown queueId", 404)
    except (TypeError, ValueError):
        return _bad("per_hour must be a number or null")
    return JSONResponse(summary(sim, org)["queues"])


@_control
async def agent_login(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    try:
        org.model.login_agent(request.path_params["agent_id"])
    except KeyError:
        return _bad("unknown agent", 404)
    return JSONResponse({"loggedIn": True})


@_control
async def agent_logout(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    try:
        done = org.model.logout_agent(request.path_params["agent_id"])
    except KeyError:
        return _bad("unknown agent", 404)
    # An agent on a task is logged out when it finishes wrap-up.
    return JSONResponse({"loggedOut": done, "pending": not done})


@_control
async def agent_state(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    body = await _body(request)
    agent_id = request.path_params["agent_id"]
    if agent_id not in org.model.agents:
        return _bad("unknown agent", 404)
    try:
        if body.get("state") == "Available":
            org.model.set_agent_available(agent_id)
        elif body.get("state") == "Idle":
            org.model.set_agent_idle(agent_id, body.get("idleCode") or "Break")
        else:
            return _bad("state must be Available or Idle")
    except (ValueError, StopIteration) as exc:
        return _bad(str(exc) or "unknown idle code")
    return JSONResponse({"state": AGENT_STATE[org.model.agents[agent_id].state]})


def _optional_seconds(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ControlError(f"{name} must be a number") from None


def _seconds(body: dict[str, Any], name: str, default_s: float) -> float:
    value = _optional_seconds(body, name)
    return default_s if value is None else value


@_control
async def inject_task(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    body = await _body(request)
    if body.get("queueId") not in {queue.id for queue in org.model.topology.queues}:
        return _bad("queueId is required and must be a known queue")
    task = org.model.inject_task(
        body["queueId"],
        handle_s=_seconds(body, "handleSeconds", 60),
        wrapup_s=_seconds(body, "wrapupSeconds", 10),
        patience_s=_optional_seconds(body, "patienceSeconds"),
        ring_s=_seconds(body, "ringSeconds", 2),
        selfservice_s=_seconds(body, "selfserviceSeconds", 0),
    )
    sim.sync()
    return JSONResponse(_task_json(task), status_code=201)


@_control
async def get_task(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    task = org.model.tasks.get(request.path_params["task_id"])
    if task is None:
        return _bad("unknown task", 404)
    return JSONResponse(_task_json(task))


def _token_target(request: Request, sim: SimulatorState, body: dict[str, Any]) -> dict[str, Any]:
    """One access token when the body names it, else every token of the selected org."""
    token = body.get("access_token")
    if token is not None:
        if not isinstance(token, str):
            raise ControlError("access_token must be a string")
        return {"access_token": token}
    return {"org_id": _org(request, sim).org_id}


@_control
async def tokens_revoke(request: Request) -> Response:
    sim = _state(request)
    target = _token_target(request, sim, await _body(request))
    return JSONResponse({"revoked": sim.tokens.revoke(**target)})


@_control
async def tokens_expire(request: Request) -> Response:
    sim = _state(request)
    target = _token_target(request, sim, await _body(request))
    return JSONResponse({"expired": sim.tokens.expire(**target)})


@_control
async def deliveries(request: Request) -> Response:
    sim = _state(request)
    org = _org(request, sim)
    log = [entry for entry in sim.dispatcher.log if entry["orgId"] == org.org_id]
    return JSONResponse({"pending": sim.dispatcher.pending, "deliveries": log})


ROUTES = [
    Route("/_sim/state", get_state, methods=["GET"]),
    Route("/_sim/pause", pause, methods=["POST"]),
    Route("/_sim/resume", resume, methods=["POST"]),
    Route("/_sim/step", step, methods=["POST"]),
    Route("/_sim/speed", speed, methods=["POST"]),
    Route("/_sim/authorize-as", authorize_as, methods=["POST"]),
    Route("/_sim/quiet", quiet, methods=["POST"]),
    Route("/_sim/arrival-rate", arrival_rate, methods=["POST"]),
    Route("/_sim/agents/{agent_id}/login", agent_login, methods=["POST"]),
    Route("/_sim/agents/{agent_id}/logout", agent_logout, methods=["POST"]),
    Route("/_sim/agents/{agent_id}/state", agent_state, methods=["POST"]),
    Route("/_sim/inject-task", inject_task, methods=["POST"]),
    Route("/_sim/tasks/{task_id}", get_task, methods=["GET"]),
    Route("/_sim/faults", faults, methods=["GET", "POST"]),
    Route("/_sim/rate-limit", rate_limit, methods=["POST"]),
    Route("/_sim/tokens/revoke", tokens_revoke, methods=["POST"]),
    Route("/_sim/tokens/expire", tokens_expire, methods=["POST"]),
    Route("/_sim/webhooks/deliveries", deliveries, methods=["GET"]),
]
