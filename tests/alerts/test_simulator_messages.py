"""The simulator's Webex messaging behaves as Webex's does for a bot (docs/wxcc-contract.md
§7): 401 for a token that is not a bot's, 400 without a destination or a body, 429 with
Retry-After when limited, and the message back on success."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.alerts.conftest import create_bot
from tests.fixtures.simulator import RunningSimulator


def post(sim: RunningSimulator, token: str, body: object) -> httpx.Response:
    return httpx.post(
        f"{sim.base_url}/v1/messages",
        headers={"Authorization": f"Bearer {token}"},
        json=body,
        timeout=10,
    )


def test_a_bot_posts_markdown_to_a_room_and_reads_it_back(simulator: RunningSimulator) -> None:
    token = create_bot(simulator)
    room_id = "room-post-and-read"

    response = post(simulator, token, {"roomId": room_id, "markdown": "**Queue** in breach"})

    assert response.status_code == 200
    body = response.json()
    assert body["roomId"] == room_id
    assert body["markdown"] == "**Queue** in breach"
    assert body["id"]
    assert body["created"].endswith("Z")
    listed = httpx.get(
        f"{simulator.base_url}/v1/messages",
        params={"roomId": room_id},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["items"]
    assert [m["id"] for m in listed] == [body["id"]]


def test_a_token_that_is_not_a_bots_is_refused_with_401(simulator: RunningSimulator) -> None:
    response = post(simulator, "not-a-bot-token", {"roomId": "r", "markdown": "hi"})
    assert response.status_code == 401
    assert response.json()["message"]


def test_a_message_without_a_destination_or_a_body_is_refused_with_400(
    simulator: RunningSimulator,
) -> None:
    token = create_bot(simulator)
    no_room = post(simulator, token, {"markdown": "hi"})
    no_text = post(simulator, token, {"roomId": "r"})
    blank_text = post(simulator, token, {"roomId": "r", "markdown": "  "})
    to_person = post(simulator, token, {"toPersonEmail": "sam@example.com", "text": "hi"})

    assert (no_room.status_code, no_text.status_code, blank_text.status_code) == (400, 400, 400)
    assert "roomId" in no_room.json()["message"]
    assert to_person.status_code == 200


def test_a_limited_post_gets_429_with_retry_after_and_the_next_one_goes_through(
    make_simulator: Callable[..., RunningSimulator],
) -> None:
    sim = make_simulator()  # limits are global: not on the shared one
    token = create_bot(sim)
    sim.control("POST", "messaging/limit", {"posts": 1, "retry_after_s": 7})

    limited = post(sim, token, {"roomId": "r", "markdown": "one"})
    after = post(sim, token, {"roomId": "r", "markdown": "two"})

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert after.status_code == 200
    assert [m["markdown"] for m in sim.control("GET", "messaging/messages")["items"]] == ["two"]
