"""ASGI entry point: Django for HTTP, Channels for the boards' websockets."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config import log_redaction  # noqa: E402
from wallboard.metrics.collector import freeze_startup_objects  # noqa: E402
from wallboard.routing import websocket_urlpatterns  # noqa: E402
from wxcc.receiver import webhook_app  # noqa: E402

WEBHOOK_PATH = "/webhooks/wxcc/"


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The webhook receiver straight from the server (no middleware: it is authenticated by
    its signature and must keep up with WxCC); everything else through Django."""
    if scope["path"] == WEBHOOK_PATH:
        await webhook_app(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


async def lifespan_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The server's start-up and shutdown. Once the process is ready to serve, what it
    loaded (Django, Channels, the app) lives as long as it does: out of the collector's
    way (`freeze_startup_objects`). Only a server sends this, never an import."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if settings.GC_FREEZE_AT_STARTUP:
                # First what the first requests would load (every URL conf and view module).
                get_resolver().url_patterns  # noqa: B018 - read for its imports
                freeze_startup_objects()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


# uvicorn logs paths with their query strings; TV links carry their token there.
log_redaction.install()

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "lifespan": lifespan_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
