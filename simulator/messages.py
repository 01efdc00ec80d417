"""Webex messaging as a bot sees it: `POST /v1/messages` to post into a space and
`GET /v1/messages?roomId=` to read a space back, with Webex's answers (docs/wxcc-contract.md
§7): 401 for a bearer token that is not a bot's, 400 without a destination (roomId,
toPersonId or toPersonEmail) or without text/markdown, 429 with Retry-After when limited.

Bots are created through the control API (`POST /_sim/messaging/bots` returns a token, as
developer.webex.com does once); `GET /_sim/messaging/messages` lists everything received and
`POST /_sim/messaging/limit` makes the next N posts answer 429. State lives in memory on the
app (`app.state.messages`), apart from the contact-center model.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Webex's documented ceiling for text and markdown.
MAX_MESSAGE_BYTES = 7439


def _webex_id(kind: str) -> str:
    """An id shaped like Webex's: base64 of a ciscospark:// URI."""
    raw = f"ciscospark://us/{kind}/{uuid.uuid4()}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass
class Message:
    id: str
    room_id: str | None
    to_person_email: str | None
    text: str | None
    markdown: str | None
    person_email: str
    created: str

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "personEmail": self.person_email,
            "created": self.created,
        }
        if self.room_id is not None:
            body["roomId"] = self.room_id
            body["roomType"] = "group"
        if self.to_person_email is not None:
            body["toPersonEmail"] = self.to_person_email
        if self.text is not None:
            body["text"] = self.text
        if self.markdown is not None:
            body["markdown"] = self.markdown
        return body


@dataclass
class MessageStore:
    """Bots (by token) and the messages they posted. Thread-safe: the control API and the
    test process may read while the app writes."""

    bots: dict[str, str] = field(default_factory=dict)  # token -> bot email
    messages: list[Message] = field(default_factory=list)
    limited_posts: int = 0
    retry_after_s: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def create_bot(self, name: str) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        email = f"{name.lower().replace(' ', '-') or 'bot'}@webex.bot"
        with self._lock:
            self.bots[token] = email
        return token, email

    def take_limit(self) -> int | None:
        """Retry-After seconds if this post is rate limited."""
        with self._lock:
            if self.limited_posts <= 0:
                return None
            self.limited_posts -= 1
            return self.retry_after_s


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    # Webex's error shape: a message, an errors list and a tracking id.
    body = {
        "message": message,
        "errors": [{"description": message}],
        "trackingId": f"SIM_{uuid.uuid4()}",
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _store(request: Request) -> MessageStore:
    store: MessageStore = request.app.state.messages
    return store


def _bot_email(request: Request, store: MessageStore) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return store.bots.get(token.strip())


def _text_field(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value.strip() else None


async def create_message(request: Request) -> Response:
    store = _store(request)
    bot_email = _bot_email(request, store)
    if bot_email is None:
        return _error(
            401,
            "The request requires a valid access token set in the Authorization request header.",
        )
    retry_after_s = store.take_limit()
    if retry_after_s is not None:
        return _error(429, "Too many requests.", {"Retry-After": str(retry_after_s)})
    try:
        body = json.loads(await request.body() or b"null")
    except json.JSONDecodeError:
        return _error(400, "Unable to parse the request body as JSON.")
    if not isinstance(body, dict):
        return _error(400, "The request body must be a JSON object.")
    room_id = _text_field(body, "roomId")
    to_person_email = _text_field(body, "toPersonEmail")
    to_person_id = _text_field(body, "toPersonId")
    if room_id is None and to_person_email is None and to_person_id is None:
        return _error(400, "Either roomId, toPersonId or toPersonEmail must be specified.")
    text = _text_field(body, "text")
    markdown = _text_field(body, "markdown")
    if text is None and markdown is None:
        return _error(400, "Either text, markdown, files or attachments must be specified.")
    for value in (text, markdown):
        if value is not None and len(value.encode()) > MAX_MESSAGE_BYTES:
            return _error(400, f"Message length cannot exceed {MAX_MESSAGE_BYTES} bytes.")
    message = Message(
        id=_webex_id("MESSAGE"),
        room_id=room_id,
        to_person_email=to_person_email,
        text=text,
        markdown=markdown,
        person_email=bot_email,
        created=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
    with store._lock:
        store.messages.append(message)
    return JSONResponse(message.as_json())


async def list_messages(request: Request) -> Response:
    store = _store(request)
    if _bot_email(request, store) is None:
        return _error(
            401,
            "The request requires a valid access token set in the Authorization request header.",
        )
    room_id = request.query_params.get("roomId")
    if not room_id:
        return _error(400, "roomId is required.")
    with store._lock:
        items = [m.as_json() for m in reversed(store.messages) if m.room_id == room_id]
    return JSONResponse({"items": items})


# --- control ---------------------------------------------------------------------------------


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


async def control_create_bot(request: Request) -> Response:
    body = await _json_object(request)
    name = str(body.get("name") or "Alerts Bot")
    token, email = _store(request).create_bot(name)
    return JSONResponse({"token": token, "email": email})


async def control_messages(request: Request) -> Response:
    store = _store(request)
    if request.method == "DELETE":
        with store._lock:
            store.messages.clear()
        return JSONResponse({"items": []})
    with store._lock:
        items = [m.as_json() for m in store.messages]
    return JSONResponse({"items": items})


async def control_limit(request: Request) -> Response:
    body = await _json_object(request)
    try:
        posts = int(body.get("posts", 1))
        retry_after_s = int(body.get("retry_after_s", 1))
    except (TypeError, ValueError):
        return JSONResponse({"error": "posts and retry_after_s must be integers"}, 400)
    store = _store(request)
    with store._lock:
        store.limited_posts = max(0, posts)
        store.retry_after_s = max(0, retry_after_s)
    return JSONResponse({"posts": store.limited_posts, "retry_after_s": store.retry_after_s})


ROUTES = [
    Route("/v1/messages", create_message, methods=["POST"]),
    Route("/v1/messages", list_messages, methods=["GET"]),
    Route("/_sim/messaging/bots", control_create_bot, methods=["POST"]),
    Route("/_sim/messaging/messages", control_messages, methods=["GET", "DELETE"]),
    Route("/_sim/messaging/limit", control_limit, methods=["POST"]),
]
