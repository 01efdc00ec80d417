"""The control API under `/_sim/`: for tests and demos, never part of the WxCC surface.
JSON in, JSON out, no authentication (the simulator is a development tool)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.records import AGENT_STATE, Task
from simulator.state import SimulatorState


def _state(request: Request) -> SimulatorState:
    sim: SimulatorState = request.app.state.sim
    sim.sync()
    return sim


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


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


def summary(sim: SimulatorState) -> dict[str, Any]:
    model = sim.model
    topology = model.topology
    return {
        "now": sim.clock.now_ms(),
        "paused": sim.clock.paused,
        "speed": sim.clock.speed,
        "orgId": sim.config.org_id,
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
        "subscriptions": len(sim.subscriptions.subscriptions),
        "webhooksPending": sim.dispatcher.pending,
        "fault": sim.faults.settings.as_json(),
        "rateLimitPerMinute": sim.limiter.per_minute,
    }


async def get_state(request: Request) -> Response:
    return JSONResponse(summary(_state(request)))


async def pause(request: Request) -> Response:
    sim = _state(request)
    sim.clock.pause()
    return JSONResponse({"now": sim.clock.now_ms(), "paused": True})


async def resume(request: Request) -> Response:
    sim = _state(request)
    sim.clock.resume()
    return JSONResponse({"now": sim.clock.now_ms(), "paused": False})


async def step(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    seconds = float(body.get("seconds", 0))
    if seconds < 0:
        return _bad("seconds must not be negative")
    sim.clock.step(seconds)
    return JSONResponse({"now": sim.sync(), "paused": sim.clock.paused})


async def speed(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    try:
        sim.clock.set_speed(float(body["speed"]))
    except (KeyError, ValueError) as exc:
        return _bad(f"speed: {exc}")
    return JSONResponse({"speed": sim.clock.speed})


async def quiet(request: Request) -> Response:
    sim = _state(request)
    sim.model.quiet()
    return JSONResponse(summary(sim))


async def arrival_rate(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    per_hour = body.get("per_hour")
    try:
        sim.model.set_arrival_rate(
            body.get("queueId"), None if per_hour is None else float(per_hour)
        )
    except KeyError:
        return _bad("unknown queueId", 404)
    return JSONResponse(summary(sim)["queues"])


async def agent_login(request: Request) -> Response:
    sim = _state(request)
    try:
        sim.model.login_agent(request.path_params["agent_id"])
    except KeyError:
        return _bad("unknown agent", 404)
    return JSONResponse({"loggedIn": True})


async def agent_logout(request: Request) -> Response:
    sim = _state(request)
    try:
        done = sim.model.logout_agent(request.path_params["agent_id"])
    except KeyError:
        return _bad("unknown agent", 404)
    # An agent on a task is logged out when it finishes wrap-up.
    return JSONResponse({"loggedOut": done, "pending": not done})


async def agent_state(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    agent_id = request.path_params["agent_id"]
    if agent_id not in sim.model.agents:
        return _bad("unknown agent", 404)
    try:
        if body.get("state") == "Available":
            sim.model.set_agent_available(agent_id)
        elif body.get("state") == "Idle":
            sim.model.set_agent_idle(agent_id, body.get("idleCode") or "Break")
        else:
            return _bad("state must be Available or Idle")
    except (ValueError, StopIteration) as exc:
        return _bad(str(exc) or "unknown idle code")
    return JSONResponse({"state": AGENT_STATE[sim.model.agents[agent_id].state]})


async def inject_task(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    try:
        task = sim.model.inject_task(
            body["queueId"],
            handle_s=float(body.get("handleSeconds", 60)),
            wrapup_s=float(body.get("wrapupSeconds", 10)),
            patience_s=None
            if body.get("patienceSeconds") is None
            else float(body["patienceSeconds"]),
            ring_s=float(body.get("ringSeconds", 2)),
            selfservice_s=float(body.get("selfserviceSeconds", 0)),
        )
    except KeyError:
        return _bad("queueId is required and must be a known queue")
    sim.sync()
    return JSONResponse(_task_json(task), status_code=201)


async def get_task(request: Request) -> Response:
    sim = _state(request)
    task = sim.model.tasks.get(request.path_params["task_id"])
    if task is None:
        return _bad("unknown task", 404)
    return JSONResponse(_task_json(task))


async def faults(request: Request) -> Response:
    sim = _state(request)
    if request.method == "POST":
        body = await _body(request)
        try:
            sim.faults.configure(**body)
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    return JSONResponse(sim.faults.settings.as_json())


async def rate_limit(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    per_minute = body.get("per_minute")
    sim.limiter.reset(None if per_minute is None else int(per_minute))
    return JSONResponse({"rateLimitPerMinute": sim.limiter.per_minute})


async def tokens_revoke(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    return JSONResponse({"revoked": sim.tokens.revoke(body.get("access_token"))})


async def tokens_expire(request: Request) -> Response:
    sim = _state(request)
    body = await _body(request)
    return JSONResponse({"expired": sim.tokens.expire(body.get("access_token"))})


async def deliveries(request: Request) -> Response:
    sim = _state(request)
    return JSONResponse({"pending": sim.dispatcher.pending, "deliveries": list(sim.dispatcher.log)})


ROUTES = [
    Route("/_sim/state", get_state, methods=["GET"]),
    Route("/_sim/pause", pause, methods=["POST"]),
    Route("/_sim/resume", resume, methods=["POST"]),
    Route("/_sim/step", step, methods=["POST"]),
    Route("/_sim/speed", speed, methods=["POST"]),
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
