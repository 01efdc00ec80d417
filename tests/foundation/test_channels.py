"""A group message sent through the real Redis channel layer reaches a real websocket client."""

from __future__ import annotations

import asyncio
import json

import websockets
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels_redis.core import RedisChannelLayer
from django.urls import path

from tests.fixtures.servers import serve_asgi

GROUP = "foundation-test-group"


class GroupRelayConsumer(AsyncJsonWebsocketConsumer):
    """Joins one group and relays its messages to the socket, like a board consumer does."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"joined": GROUP})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def relay_message(self, event: dict[str, str]) -> None:
        await self.send_json({"relayed": event["text"]})


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/relay/", GroupRelayConsumer.as_asgi())])}
)


def test_group_message_reaches_a_websocket_client_through_redis() -> None:
    layer = get_channel_layer()
    # channels_redis's layer (ours adds a send for the push: wallboard.channel_layer).
    assert isinstance(layer, RedisChannelLayer)

    async def exchange(ws_url: str) -> list[dict[str, str]]:
        async with websockets.connect(ws_url) as ws:
            received = [json.loads(await asyncio.wait_for(ws.recv(), 10))]
            await layer.group_send(GROUP, {"type": "relay.message", "text": "queue 3 changed"})
            received.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            return received

    with serve_asgi(application) as base_url:
        ws_url = base_url.replace("http://", "ws://") + "/ws/relay/"
        received = asyncio.run(exchange(ws_url))

    assert received == [{"joined": GROUP}, {"relayed": "queue 3 changed"}]
