"""OAuth2 as webexapis.com does it: authorization codes (with optional PKCE), access and
refresh tokens with real expiry, revocation, and the bearer check every WxCC call goes through.

Every code and token is bound to the org of the user who consented and remembers the scopes
granted at authorize. Token lifetimes run on real wall time (not the simulated clock) so a test
can configure a two-second access token and watch it expire whatever the model's speed, and so
that tokens keep their meaning across a restart (see simulator/persistence.py). Codes and tokens
are stored under the SHA-256 digest of their value; the values themselves are never kept.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from simulator.config import SimConfig

# Scopes a WxCC integration asks for (CONTRACT.md, OAuth2); granted as requested.
DEFAULT_SCOPE = "cjp:config_read spark:people_read"


class OAuthError(Exception):
    """A token-endpoint failure, answered as RFC 6749 section 5.2 describes."""

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


class InvalidToken(Exception):
    """A bearer token that is unknown, expired or revoked."""


def token_digest(value: str) -> str:
    """The key a code or token is stored under (its value is never kept)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def scope_set(scope: str) -> frozenset[str]:
    """The scopes of an OAuth `scope` string (space-separated, RFC 6749 section 3.3)."""
    return frozenset(scope.split())


@dataclass(frozen=True)
class Consent:
    """Who approved an authorization: the user and their org."""

    org_id: str
    user_email: str


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    scope: str
    org_id: str
    user_email: str
    expires_at: float
    code_challenge: str | None
    code_challenge_method: str | None
    used: bool = False


@dataclass
class AccessToken:
    client_id: str
    org_id: str
    user_email: str
    scope: str
    expires_at: float
    revoked: bool = False

    @property
    def scopes(self) -> frozenset[str]:
        return scope_set(self.scope)


@dataclass
class RefreshToken:
    client_id: str
    org_id: str
    user_email: str
    scope: str
    expires_at: float
    used: bool = False
    revoked: bool = False


@dataclass(frozen=True)
class TokenGrant:
    """What /v1/access_token answers (field names as Cisco shows them)."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_token_expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret

    def as_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "refresh_token_expires_in": self.refresh_token_expires_in,
            "token_type": self.token_type,
        }


def pkce_s256(verifier: str) -> str:
    """The S256 code challenge for a verifier (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class TokenStore:
    """Every code and token the simulator issued, keyed by the digest of its value.

    `on_change` runs after every change worth keeping across a restart."""

    config: SimConfig
    clock: Callable[[], float] = time.time
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    on_change: Callable[[], None] = field(default=lambda: None, repr=False)

    def redirect_uri_allowed(self, redirect_uri: str) -> bool:
        return any(redirect_uri.startswith(prefix) for prefix in self.config.redirect_uri_prefixes)

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        consent: Consent,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        self.codes[token_digest(code)] = AuthorizationCode(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope or DEFAULT_SCOPE,
            org_id=consent.org_id,
            user_email=consent.user_email,
            expires_at=self.clock() + self.config.auth_code_ttl_s,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        self.on_change()
        return code

    def _check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.config.client_id or client_secret != self.config.client_secret:
            raise OAuthError("invalid_client", "Client authentication failed.", 401)

    def exchange_code(
        self,
        client_id: str | None,
        client_secret: str | None,
        code: str | None,
        redirect_uri: str | None,
        code_verifier: str | None,
    ) -> TokenGrant:
        self._check_client(client_id, client_secret)
        grant = self.codes.get(token_digest(code or ""))
        if grant is None or grant.used or grant.expires_at <= self.clock():
            raise OAuthError(
                "invalid_grant", "The authorization code is invalid, expired or already used."
            )
        grant.used = True
        self.on_change()
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization.")
        if grant.code_challenge is not None:
            if not code_verifier:
                raise OAuthError("invalid_grant", "code_verifier is required.")
            method = (grant.code_challenge_method or "plain").upper()
            expected = pkce_s256(code_verifier) if method == "S256" else code_verifier
            if not secrets.compare_digest(expected, grant.code_challenge):
                raise OAuthError("invalid_grant", "code_verifier does not match the challenge.")
        return self._issue(grant.client_id, grant.scope, Consent(grant.org_id, grant.user_email))

    def refresh(
        self, client_id: str | None, client_secret: str | None, refresh_token: str | None
    ) -> TokenGrant:
        self._check_client(client_id, client_secret)
        token = self.refresh_tokens.get(token_digest(refresh_token or ""))
        if (
            token is None
            or token.used
            or token.revoked
            or token.expires_at <= self.clock()
            or token.client_id != client_id
        ):
            raise OAuthError(
                "invalid_grant", "The refresh token is invalid, expired, revoked or already used."
            )
        # Rotation: a refresh token is good for one exchange.
        token.used = True
        return self._issue(token.client_id, token.scope, Consent(token.org_id, token.user_email))

    def _issue(self, client_id: str, scope: str, consent: Consent) -> TokenGrant:
        now = self.clock()
        access = secrets.token_urlsafe(48)
        refresh = secrets.token_urlsafe(48)
        self.access_tokens[token_digest(access)] = AccessToken(
            client_id=client_id,
            org_id=consent.org_id,
            user_email=consent.user_email,
            scope=scope,
            expires_at=now + self.config.access_token_ttl_s,
        )
        self.refresh_tokens[token_digest(refresh)] = RefreshToken(
            client_id=client_id,
            org_id=consent.org_id,
            user_email=consent.user_email,
            scope=scope,
            expires_at=now + self.config.refresh_token_ttl_s,
        )
        self.on_change()
        return TokenGrant(
            access_token=access,
            expires_in=int(self.config.access_token_ttl_s),
            refresh_token=refresh,
            refresh_token_expires_in=int(self.config.refresh_token_ttl_s),
        )

    def validate(self, access_token: str) -> AccessToken:
        token = self.access_tokens.get(token_digest(access_token))
        if token is None:
            raise InvalidToken("unknown token")
        if token.revoked:
            raise InvalidToken("revoked token")
        if token.expires_at <= self.clock():
            raise InvalidToken("expired token")
        return token

    def revoke(self, *, access_token: str | None = None, org_id: str | None = None) -> int:
        """Revoke one access token (and nothing else), or every access and refresh token of
        `org_id` (of every org when None too)."""
        count = 0
        if access_token is not None:
            token = self.access_tokens.get(token_digest(access_token))
            if token is not None and not token.revoked:
                token.revoked = True
                count = 1
        else:
            for token in self.access_tokens.values():
                if (org_id is None or token.org_id == org_id) and not token.revoked:
                    token.revoked = True
                    count += 1
            for refresh in self.refresh_tokens.values():
                if org_id is None or refresh.org_id == org_id:
                    refresh.revoked = True
        self.on_change()
        return count

    def expire(self, *, access_token: str | None = None, org_id: str | None = None) -> int:
        """Make access tokens expire now, as if their lifetime had run out: one token, or
        every token of `org_id` (of every org when None too)."""
        now = self.clock()
        if access_token is not None:
            token = self.access_tokens.get(token_digest(access_token))
            tokens = [token] if token is not None else []
        else:
            tokens = [t for t in self.access_tokens.values() if org_id in (None, t.org_id)]
        for token in tokens:
            token.expires_at = min(token.expires_at, now)
        self.on_change()
        return len(tokens)

    # --- surviving a restart -----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything still meaningful (unexpired), as JSON-ready data keyed by digest."""
        now = self.clock()

        def live(items: dict[str, Any]) -> dict[str, Any]:
            return {key: asdict(item) for key, item in items.items() if item.expires_at > now}

        return {
            "codes": live(self.codes),
            "accessTokens": live(self.access_tokens),
            "refreshTokens": live(self.refresh_tokens),
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.codes = {k: AuthorizationCode(**v) for k, v in snapshot["codes"].items()}
        self.access_tokens = {k: AccessToken(**v) for k, v in snapshot["accessTokens"].items()}
        self.refresh_tokens = {k: RefreshToken(**v) for k, v in snapshot["refreshTokens"].items()}
