"""Websocket routes for the boards' live updates: a screen with its display token, or a
signed-in member (one consumer for both; `connect()` decides), and the supervisor pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from wallboard.consumers import BoardConsumer
from wallboard.supervisor.consumers import SupervisorConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/tv/<slug:slug>/", BoardConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/boards/<slug:slug>/", BoardConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/supervisor/", SupervisorConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/supervisor/queues/<int:queue_id>/", SupervisorConsumer.as_asgi()),  # type: ignore[arg-type]
]
