"""The identity surface, as webexapis.com serves it: `GET /v1/authorize`,
`POST /v1/access_token` and `GET /v1/people/me`.

Which org's user consents at /v1/authorize (a simulator-only choice; Webex knows who is
signed in): the org named by the query parameter `SIM_ORG_PARAM` when given, else the org set
with `POST /_sim/authorize-as`, else org 1. The user is auto-approved.
"""

from __future__ import annotations

import base64
import uuid
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from simulator.auth import Consent, OAuthError
from simulator.guard import STYLE_IDENTITY, Caller, apply_fault, error_response, guarded, webex_id
from simulator.state import SimulatorState
from simulator.tenancy import UnknownOrg

# Simulator-only /v1/authorize parameter: the org (id or 1-based number) whose user consents.
SIM_ORG_PARAM = "sim_org"


# RFC 6749 section 5.2 error body; Webex's exact token-error body is unconfirmed
# (docs/wxcc-contract.md 4.3), so this one function is the place to change it.
def oauth_error_response(exc: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status_code,
        headers={"Cache-Control": "no-store"},
    )


async def _identity_fault(request: Request, state: SimulatorState) -> Response | None:
    fault = state.faults.take("identity")
    if fault is None:
        return None
    return await apply_fault(request, fault.mode, fault, STYLE_IDENTITY)


async def authorize(request: Request) -> Response:
    """Auto-approves the configured demo user and redirects back with `code` and `state`."""
    state: SimulatorState = request.app.state.sim
    if (early := await _identity_fault(request, state)) is not None:
        return early
    params = request.query_params
    client_id = params.get("client_id")
    redirect_uri = params.get("redirect_uri") or ""
    if client_id != state.config.client_id:
        return PlainTextResponse("Invalid client_id", status_code=400)
    if not state.tokens.redirect_uri_allowed(redirect_uri):
        # Never redirect to an unregistered URI; show the error instead, as IdPs do.
        return PlainTextResponse("Invalid redirect_uri", status_code=400)
    try:
        org = state.org(params.get(SIM_ORG_PARAM) or state.signed_in_org_id)
    except UnknownOrg:
        return PlainTextResponse(f"Unknown {SIM_ORG_PARAM}", status_code=400)
    back: dict[str, str] = {}
    if params.get("state") is not None:
        back["state"] = params["state"]
    if params.get("response_type") != "code":
        back["error"] = "unsupported_response_type"
    else:
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method") or ("plain" if challenge else None)
        if method is not None and method not in ("S256", "plain"):
            back["error"] = "invalid_request"
        else:
            back["code"] = state.tokens.issue_code(
                client_id=client_id,
                redirect_uri=redirect_uri,
                scope=params.get("scope") or "",
                consent=Consent(org.org_id, org.spec.user_email),
                code_challenge=challenge,
                code_challenge_method=method,
            )
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(back)}", status_code=302)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


async def access_token(request: Request) -> Response:
    state: SimulatorState = request.app.state.sim
    if (early := await _identity_fault(request, state)) is not None:
        return early
    # Parsed by hand: Starlette's form parser needs python-multipart, which we do not ship.
    form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    client_id, client_secret = _client_credentials(request, form)
    grant_type = form.get("grant_type")
    try:
        if grant_type == "authorization_code":
            grant = state.tokens.exchange_code(
                client_id,
                client_secret,
                form.get("code"),
                form.get("redirect_uri"),
                form.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            grant = state.tokens.refresh(client_id, client_secret, form.get("refresh_token"))
        else:
            raise OAuthError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
    except OAuthError as exc:
        return oauth_error_response(exc)
    return JSONResponse(grant.as_json(), headers={"Cache-Control": "no-store"})


@guarded("identity", STYLE_IDENTITY)
async def people_me(request: Request, state: SimulatorState, caller: Caller) -> Response:
    """The user who consented to the caller's token, in their org."""
    spec = caller.org.spec
    person_id = str(uuid.uuid5(uuid.UUID(spec.org_id), spec.user_email))
    first, _, last = spec.user_name.partition(" ")
    return JSONResponse(
        {
            "id": webex_id("PEOPLE", person_id),
            "emails": [spec.user_email],
            "phoneNumbers": [],
            "displayName": spec.user_name,
            "nickName": first,
            "firstName": first,
            "lastName": last,
            "orgId": webex_id("ORGANIZATION", spec.org_id),
            "type": "person",
        }
    )


__all__ = ["access_token", "authorize", "error_response", "people_me"]
