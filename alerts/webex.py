"""Posting to a Webex space as a bot: `POST /v1/messages` {roomId, markdown} with the bot's
token (docs/wxcc-contract.md §7). Answers become specific exceptions the Celery task decides
on: rate limits and outages are retried, a refused token or request is not."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx
from django.conf import settings

from wxcc.ratelimit import retry_after_seconds

# Webex's REST root (webexapis.com/v1) serves identity and messaging alike.
_TIMEOUT_S = 10.0


class WebexSendError(Exception):
    """A post Webex did not accept; `reason` is safe to show and log (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WebexRefused(WebexSendError):
    """401/403/400/404: retrying the same post cannot succeed."""


class WebexRateLimited(WebexSendError):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"rate limited (Retry-After {retry_after_s} s)")
        self.retry_after_s = retry_after_s


class WebexUnavailable(WebexSendError):
    """A network failure or a 5xx: worth retrying."""


@dataclass(frozen=True, slots=True)
class PostedMessage:
    id: str
    room_id: str


def messages_url() -> str:
    return f"{str(settings.WEBEX_IDENTITY_URL).rstrip('/')}/messages"


def _webex_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:200] if message else ""


def post_message(*, bot_token: str, room_id: str, markdown: str) -> PostedMessage:
    try:
        response = httpx.post(
            messages_url(),
            headers={"Authorization": f"Bearer {bot_token}"},
            json={"roomId": room_id, "markdown": markdown},
            timeout=_TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise WebexUnavailable(f"network error: {type(exc).__name__}") from None
    if response.status_code == 429:
        waited_s = retry_after_seconds(response.headers.get("Retry-After"), 60.0)
        raise WebexRateLimited(max(1, math.ceil(waited_s)))
    if response.status_code >= 500:
        raise WebexUnavailable(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        detail = _webex_message(response)
        raise WebexRefused(f"HTTP {response.status_code}" + (f": {detail}" if detail else ""))
    body = response.json()
    return PostedMessage(id=str(body.get("id", "")), room_id=str(body.get("roomId", room_id)))
