"""Exceptions raised by the `oauth` app at its boundary. None of them ever carries token
material: messages name the org and the reason, nothing else."""

from __future__ import annotations


class OAuthError(Exception):
    """Base class for everything `oauth` raises on purpose."""


class NotConnected(OAuthError):
    """The org has no usable Webex connection (never connected, or disconnected)."""


class ReconsentRequired(OAuthError):
    """The refresh token is expired or revoked: an admin must connect the org again."""

    def __init__(self, org_id: int, reason: str) -> None:
        super().__init__(f"org {org_id} needs re-consent: {reason}")
        self.org_id = org_id
        self.reason = reason


class TokenRefreshFailed(OAuthError):
    """A refresh failed for a reason that may pass (network, 5xx, lock busy); try later."""


class ConnectFlowError(OAuthError):
    """The authorization-code flow could not complete; `title` and `message` are for people."""

    title = "Could not connect to Webex"
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidState(ConnectFlowError):
    title = "This sign-in link is no longer valid"


class ConsentDenied(ConnectFlowError):
    title = "Webex access was not granted"


class TokenEndpointError(ConnectFlowError):
    title = "Webex refused the sign-in"
    status_code = 502

    def __init__(self, message: str, *, http_status: int | None = None, error: str = "") -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error = error


class OrgMismatch(ConnectFlowError):
    title = "That Webex organization does not match"
    status_code = 409


class LoginRejected(ConnectFlowError):
    title = "Could not sign you in with Webex"
    status_code = 403
