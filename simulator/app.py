"""The simulator as one Starlette ASGI app: identity (`/v1/authorize`, `/v1/access_token`,
`/v1/people/me`), the WxCC API (`/search`, statistics, subscriptions, the Config API's queues
and teams), Webex messaging for bots (`/v1/messages`) and `/_sim/` control,
all on one port. The live model and webhook delivery run in the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator import config_api, control, identity, messages, wxcc_api
from simulator.config import SimConfig
from simulator.state import SimulatorState


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(config: SimConfig | None = None) -> Starlette:
    """Build a simulator; its history is generated here, its live model starts with the app."""
    config = config or SimConfig()
    sim = SimulatorState.build(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sim.start()
        try:
            yield
        finally:
            await sim.stop()

    subscription_methods = ["GET", "PATCH", "DELETE"]
    routes = [
        Route("/v1/authorize", identity.authorize, methods=["GET"]),
        Route("/v1/access_token", identity.access_token, methods=["POST"]),
        Route("/v1/people/me", identity.people_me, methods=["GET"]),
        Route("/search", wxcc_api.search, methods=["POST"]),
        Route("/v1/queues/statistics", wxcc_api.queues_statistics, methods=["GET"]),
        Route("/v1/agents/statistics", wxcc_api.agents_statistics, methods=["GET"]),
        Route("/v1/agents/activities", wxcc_api.agents_activities, methods=["GET"]),
        Route("/v1/subscriptions", wxcc_api.subscriptions, methods=["GET", "POST"]),
        Route("/v1/subscriptions/{id}", wxcc_api.subscription, methods=subscription_methods),
        Route("/v1/event-types", wxcc_api.event_types, methods=["GET"]),
        Route("/v2/subscriptions", wxcc_api.subscriptions, methods=["GET", "POST"]),
        Route("/v2/subscriptions/{id}", wxcc_api.subscription, methods=subscription_methods),
        Route("/v2/event-types", wxcc_api.event_types, methods=["GET"]),
        *(Route(path, endpoint, methods=["GET"]) for path, endpoint in config_api.ROUTES_SPEC),
        Route("/_sim/health", health, methods=["GET"]),
        *control.ROUTES,
        *messages.ROUTES,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim = sim
    app.state.messages = messages.MessageStore()
    return app
