"""HTTP calls to the Webex identity service (global, settings.WEBEX_IDENTITY_URL): build the
authorize URL, exchange a code, refresh a token, read `people/me`. No database here; the
results are frozen dataclasses whose token fields never appear in a repr."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from oauth.exceptions import TokenEndpointError

IDENTITY_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_ORG_ID_IN_WEBEX_ID = re.compile(r"/ORGANIZATION/([0-9a-fA-F-]{36})$")


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime | None
    scope: str = ""


@dataclass(frozen=True)
class WebexPerson:
    org_id: str  # the WxCC org UUID, decoded from people/me `orgId`
    emails: tuple[str, ...]
    display_name: str


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def generate(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def identity_url(path: str) -> str:
    return f"{str(settings.WEBEX_IDENTITY_URL).rstrip('/')}/{path.lstrip('/')}"


def redirect_uri() -> str:
    """The callback URL registered with the Webex integration (one for connect and login)."""
    from django.urls import reverse

    return f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}{reverse('oauth:callback')}"


def authorize_url(*, state: str, code_challenge: str, scopes: list[str]) -> str:
    query = urlencode(
        {
            "client_id": settings.WEBEX_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri(),
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{identity_url('authorize')}?{query}"


def decode_org_id(webex_org_id: str) -> str:
    """The org UUID from people/me `orgId`: base64 of `ciscospark://<cloud>/ORGANIZATION/<uuid>`,
    or already a plain UUID. Raises ValueError otherwise."""
    candidate = webex_org_id.strip()
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        pass
    try:
        padded = candidate + "=" * (-len(candidate) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError("orgId is neither a UUID nor a base64 Webex id") from None
    match = _ORG_ID_IN_WEBEX_ID.search(decoded)
    if not match:
        raise ValueError("orgId does not name an ORGANIZATION")
    return str(uuid.UUID(match.group(1)))


def _client() -> httpx.Client:
    return httpx.Client(timeout=IDENTITY_TIMEOUT, headers={"Accept": "application/json"})


@sensitive_variables("form", "payload", "code", "code_verifier", "refresh_token")
def _post_token(form: dict[str, str], *, now: datetime) -> TokenGrant:
    try:
        with _client() as client:
            response = client.post(identity_url("access_token"), data=form)
    except httpx.HTTPError as exc:
        raise TokenEndpointError(
            f"Could not reach Webex ({type(exc).__name__}). Try again in a moment."
        ) from None
    if response.status_code != 200:
        error = _error_key(response)
        raise TokenEndpointError(
            f"Webex answered {response.status_code}"
            + (f" ({error})" if error else "")
            + " when asked for a token.",
            http_status=response.status_code,
            error=error,
        )
    try:
        payload: dict[str, Any] = response.json()
        access_token = str(payload["access_token"])
        # Whether Webex rotates refresh tokens is unconfirmed (docs/wxcc-contract.md §4.2):
        # a refresh answer without one means "keep using the current one" (see refresh()).
        refresh_token = str(payload.get("refresh_token") or "")
        expires_in_s = int(payload["expires_in"])
        if not refresh_token and form["grant_type"] != "refresh_token":
            raise KeyError("refresh_token")
    except (ValueError, KeyError, TypeError):
        raise TokenEndpointError(
            "Webex sent a token response we could not read.", http_status=200
        ) from None
    refresh_expires_in_s = payload.get("refresh_token_expires_in")
    return TokenGrant(
        access_token=access_token,
        refresh_token=refresh_token,
        access_token_expires_at=now + timedelta(seconds=expires_in_s),
        refresh_token_expires_at=(
            now + timedelta(seconds=int(refresh_expires_in_s))
            if refresh_expires_in_s is not None
            else None
        ),
        scope=str(payload.get("scope", "")),
    )


def _error_key(response: httpx.Response) -> str:
    """A short, safe description of an error body: the OAuth `error` key or Webex's
    `error.key`, truncated; never the raw body (it might echo what we sent)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("key")
    if isinstance(error, str | int) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", str(error)):
        return str(error)
    return ""


@sensitive_variables("code", "code_verifier")
def exchange_code(code: str, code_verifier: str, *, now: datetime) -> TokenGrant:
    return _post_token(
        {
            "grant_type": "authorization_code",
            "client_id": settings.WEBEX_CLIENT_ID,
            "client_secret": settings.WEBEX_CLIENT_SECRET,
            "code": code,
            "redirect_uri": redirect_uri(),
            "code_verifier": code_verifier,
        },
        now=now,
    )


@sensitive_variables("refresh_token", "grant")
def refresh(
    refresh_token: str, *, now: datetime, refresh_token_expires_at: datetime | None = None
) -> TokenGrant:
    """A new access token. If Webex sends no new refresh token, the current one (and its
    known expiry) carries over."""
    grant = _post_token(
        {
            "grant_type": "refresh_token",
            "client_id": settings.WEBEX_CLIENT_ID,
            "client_secret": settings.WEBEX_CLIENT_SECRET,
            "refresh_token": refresh_token,
        },
        now=now,
    )
    if grant.refresh_token:
        return grant
    return replace(
        grant,
        refresh_token=refresh_token,
        refresh_token_expires_at=grant.refresh_token_expires_at or refresh_token_expires_at,
    )


@sensitive_variables("access_token")
def people_me(access_token: str) -> WebexPerson:
    try:
        with _client() as client:
            response = client.get(
                identity_url("people/me"), headers={"Authorization": f"Bearer {access_token}"}
            )
    except httpx.HTTPError as exc:
        raise TokenEndpointError(f"Could not reach Webex ({type(exc).__name__}).") from None
    if response.status_code != 200:
        raise TokenEndpointError(
            f"Webex answered {response.status_code} when asked who signed in.",
            http_status=response.status_code,
            error=_error_key(response),
        )
    try:
        body = response.json()
        org_id = decode_org_id(str(body["orgId"]))
        emails = tuple(str(e).strip().lower() for e in body.get("emails") or [])
    except (ValueError, KeyError, TypeError):
        raise TokenEndpointError("Webex did not say which organization you belong to.") from None
    return WebexPerson(org_id=org_id, emails=emails, display_name=str(body.get("displayName", "")))
