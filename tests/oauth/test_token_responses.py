"""Token-endpoint answers whose details Webex does not document (docs/wxcc-contract.md §4.2):
served by a tiny identity stand-in over real HTTP, since the simulator always rotates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from oauth import identity
from oauth.exceptions import TokenEndpointError
from tests.fixtures.servers import serve_asgi

ANSWERS: list[dict[str, object]] = []


async def access_token(request: Request) -> JSONResponse:
    return JSONResponse(ANSWERS.pop(0))


@pytest.fixture
def identity_stand_in(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    app = Starlette(routes=[Route("/v1/access_token", access_token, methods=["POST"])])
    with serve_asgi(app) as url:
        settings.WEBEX_IDENTITY_URL = f"{url}/v1"
        yield
    ANSWERS.clear()


def test_a_refresh_answer_without_a_refresh_token_keeps_the_current_one(identity_stand_in) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    known_expiry = now + timedelta(days=50)
    ANSWERS.append({"access_token": "AT-new", "expires_in": 43199, "token_type": "Bearer"})

    grant = identity.refresh("RT-current", now=now, refresh_token_expires_at=known_expiry)

    assert grant.access_token == "AT-new"
    assert grant.refresh_token == "RT-current"
    assert grant.refresh_token_expires_at == known_expiry
    assert grant.access_token_expires_at == now + timedelta(seconds=43199)


def test_a_code_exchange_answer_without_a_refresh_token_is_refused(identity_stand_in) -> None:  # type: ignore[no-untyped-def]
    ANSWERS.append({"access_token": "AT-new", "expires_in": 43199})

    with pytest.raises(TokenEndpointError, match="could not read"):
        identity.exchange_code("code", "verifier", now=timezone.now())
