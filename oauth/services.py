"""Writes and side effects of the Webex connection: the authorization-code flow (connect and
"Login with Webex"), single-flight token refresh, re-consent, disconnect.

Tokens are read and written only here and in `oauth.client`. Functions that hold token
material are marked `sensitive_variables` so Django's error reports redact them.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from oauth import identity
from oauth.exceptions import (
    ConsentDenied,
    InvalidState,
    LoginRejected,
    NotConnected,
    OrgMismatch,
    ReconsentRequired,
    TokenEndpointError,
    TokenRefreshFailed,
)
from oauth.identity import Pkce, TokenGrant, WebexPerson
from oauth.models import ConnectionStatus, Membership, Organization, Role, WebexConnection
from oauth.signals import connection_status_changed

logger = logging.getLogger(__name__)

SESSION_KEY = "oauth_pending_flows"
PENDING_FLOW_TTL_S = 600
MAX_PENDING_FLOWS = 5
LOGIN_SCOPES = ["spark:people_read"]
REFRESH_LOCK_TIMEOUT_S = 60
REFRESH_LOCK_WAIT_S = 45


class Purpose:
    CONNECT = "connect"
    LOGIN = "login"


@dataclass(frozen=True)
class PendingFlow:
    """What `start_*` remembered in the session for one `state`."""

    purpose: str
    code_verifier: str
    created_at: float
    user_id: int | None = None
    org_id: int | None = None
    region: str = ""


# --- authorization-code flow ---------------------------------------------------------------


def _remember_flow(request: HttpRequest, state: str, flow: PendingFlow) -> None:
    now = time.time()
    pending: dict[str, dict[str, Any]] = {
        s: f
        for s, f in request.session.get(SESSION_KEY, {}).items()
        if now - float(f.get("created_at", 0)) < PENDING_FLOW_TTL_S
    }
    pending[state] = flow.__dict__.copy()
    # Keep a few (several tabs), newest last, so the session cannot grow without bound.
    request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING_FLOWS:])


def pop_pending_flow(request: HttpRequest, state: str) -> PendingFlow:
    """The flow this session started with `state`, removed so it cannot be replayed.
    Raises InvalidState for an unknown, reused or expired state."""
    pending: dict[str, dict[str, Any]] = request.session.get(SESSION_KEY, {})
    raw = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if raw is None:
        raise InvalidState(
            "The reply from Webex does not match a sign-in started in this browser, or it "
            "was already used. Start again from the app."
        )
    flow = PendingFlow(**raw)
    if time.time() - flow.created_at >= PENDING_FLOW_TTL_S:
        raise InvalidState("The sign-in took too long and expired. Start again from the app.")
    return flow


def _start(request: HttpRequest, flow_fields: dict[str, Any], scopes: list[str]) -> str:
    state = secrets.token_urlsafe(32)
    pkce = Pkce.generate()
    _remember_flow(
        request,
        state,
        PendingFlow(code_verifier=pkce.verifier, created_at=time.time(), **flow_fields),
    )
    return identity.authorize_url(state=state, code_challenge=pkce.challenge, scopes=scopes)


def start_connect(request: HttpRequest, org: Organization, region: str) -> str:
    """Begin connecting `org` (in `region`) for the signed-in admin; returns the Webex
    authorize URL to redirect to."""
    logger.info("event=connect_started org_id=%s region=%s", org.pk, region)
    return _start(
        request,
        {
            "purpose": Purpose.CONNECT,
            "user_id": request.user.pk,
            "org_id": org.pk,
            "region": region,
        },
        list(settings.WEBEX_SCOPES),
    )


def start_login(request: HttpRequest) -> str:
    """Begin "Login with Webex"; returns the Webex authorize URL."""
    return _start(request, {"purpose": Purpose.LOGIN}, LOGIN_SCOPES)


@sensitive_variables("code", "grant")
def complete_connect(
    request: HttpRequest, flow: PendingFlow, *, code: str, error: str = ""
) -> Organization:
    """Finish connecting: exchange the code, learn the org id, store the connection.
    Raises a ConnectFlowError (and stores nothing) when consent was denied, the user is not
    the one who started, Webex refused, or the Webex org is not this org's."""
    if flow.purpose != Purpose.CONNECT or flow.org_id is None or flow.user_id != request.user.pk:
        raise InvalidState("This reply belongs to a different sign-in. Start again.")
    org = Organization.objects.filter(pk=flow.org_id).first()
    if org is None:
        raise InvalidState("That contact center no longer exists.")
    if error or not code:
        logger.info("event=connect_denied org_id=%s error=%s", org.pk, error[:40] or "no_code")
        raise ConsentDenied(
            "Webex did not grant access, so nothing was connected. An administrator of the "
            "Webex Contact Center organization must accept the requested permissions."
        )
    now = timezone.now()
    try:
        grant = identity.exchange_code(code, flow.code_verifier, now=now)
        person = identity.people_me(grant.access_token)
    except TokenEndpointError as exc:
        logger.warning(
            "event=connect_failed org_id=%s http_status=%s error=%s",
            org.pk,
            exc.http_status,
            exc.error,
        )
        raise
    store_connection(org, grant, person, region=flow.region, user=request.user, now=now)
    return org


@sensitive_variables("grant")
def store_connection(
    org: Organization,
    grant: TokenGrant,
    person: WebexPerson,
    *,
    region: str,
    user: Any = None,
    now: datetime | None = None,
) -> WebexConnection:
    """Save a fresh grant for `org`, binding it to the Webex org the consenting user is in."""
    now = now or timezone.now()
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if org.webex_org_id and org.webex_org_id != person.org_id:
            raise OrgMismatch(
                "You signed in to a different Webex organization than the one this "
                "contact center was connected to before. Sign in with an account of that "
                "organization, or ask for a new contact center to be set up."
            )
        if Organization.objects.filter(webex_org_id=person.org_id).exclude(pk=org.pk).exists():
            raise OrgMismatch("That Webex organization is already connected to another team.")
        org.webex_org_id = person.org_id
        if region:
            org.region = region
        org.save(update_fields=["webex_org_id", "region"])
        conn, _ = WebexConnection.objects.select_for_update().get_or_create(organization=org)
        conn.status = ConnectionStatus.CONNECTED
        _apply_grant(conn, grant, now)
        conn.scopes = grant.scope or " ".join(settings.WEBEX_SCOPES)
        conn.connected_at = now
        conn.connected_by = user if getattr(user, "is_authenticated", False) else None
        conn.save()
        transaction.on_commit(lambda: _announce(org, ConnectionStatus.CONNECTED))
    logger.info(
        "event=connected org_id=%s webex_org_id=%s region=%s generation=%s",
        org.pk,
        org.webex_org_id,
        org.region,
        conn.token_generation,
    )
    return conn


@sensitive_variables("code", "grant")
def complete_login(
    request: HttpRequest, flow: PendingFlow, *, code: str, error: str = ""
) -> AbstractBaseUser:
    """Finish "Login with Webex": the Webex user's email must match one of our users whose
    org is the connected org with the same Webex org id. The tokens are not kept."""
    if flow.purpose != Purpose.LOGIN:
        raise InvalidState("This reply belongs to a different sign-in. Start again.")
    if error or not code:
        raise ConsentDenied("Webex sign-in was cancelled. You can sign in with your password.")
    grant = identity.exchange_code(code, flow.code_verifier, now=timezone.now())
    person = identity.people_me(grant.access_token)
    user = _user_for_person(person)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    logger.info(
        "event=login_with_webex org_id=%s user_id=%s", user.membership.organization_id, user.pk
    )
    return user


def _user_for_person(person: WebexPerson) -> Any:
    rejected = LoginRejected(
        "Your Webex account is not linked to a user of this app. Ask an administrator to "
        "add you with the same email address you use in Webex."
    )
    org = Organization.objects.filter(
        webex_org_id=person.org_id,
        connection__status__in=[ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONSENT],
    ).first()
    if org is None or not person.emails:
        raise rejected
    same_email = Q()
    for email in person.emails:
        same_email |= Q(email__iexact=email)
    users = list(
        get_user_model()
        .objects.filter(same_email, is_active=True, membership__organization=org)
        .select_related("membership")[:2]
    )
    if len(users) != 1:  # none, or ambiguous: never guess who someone is
        raise rejected
    return users[0]


# --- refresh ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@contextmanager
def _refresh_lock(org_id: int) -> Iterator[None]:
    """One refresher per org across every process: a Redis lock (released on exit, expiring
    on its own if the holder dies)."""
    lock = _redis(settings.REDIS_URL).lock(
        f"wb:oauth:refresh:{org_id}",
        timeout=REFRESH_LOCK_TIMEOUT_S,
        blocking_timeout=REFRESH_LOCK_WAIT_S,
    )
    if not lock.acquire():
        raise TokenRefreshFailed(f"org {org_id}: another refresh is taking too long")
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            # Our lock expired while we held it; the row lock still kept us single-flight.
            logger.warning("event=refresh_lock_expired org_id=%s", org_id)


def current_generation(org: Organization) -> int | None:
    return (
        WebexConnection.objects.filter(organization=org)
        .values_list("token_generation", flat=True)
        .first()
    )


@sensitive_variables("grant")
def refresh_connection(
    org: Organization,
    *,
    seen_generation: int | None = None,
    min_remaining: timedelta | None = None,
) -> None:
    """Refresh `org`'s access token, once across all workers.

    A caller that met a 401 passes the `seen_generation` of the token it used: if someone
    else stored newer tokens meanwhile, nothing is refreshed. The beat task passes
    `min_remaining`: tokens valid longer than that are left alone. With neither, the
    generation is read now, so concurrent callers still refresh only once.

    Raises NotConnected, ReconsentRequired (after marking the org and emailing its admins)
    or TokenRefreshFailed (transient; the tokens are unchanged).
    """
    if seen_generation is None and min_remaining is None:
        seen_generation = current_generation(org)
    reconsent_reason = ""
    transient_error = ""
    with _refresh_lock(org.pk):
        with transaction.atomic():
            conn = WebexConnection.objects.select_for_update().filter(organization=org).first()
            if conn is None or conn.status == ConnectionStatus.DISCONNECTED:
                raise NotConnected(f"org {org.pk} is not connected to Webex")
            if conn.status == ConnectionStatus.NEEDS_RECONSENT:
                raise ReconsentRequired(org.pk, conn.last_error or "re-consent pending")
            now = timezone.now()
            if seen_generation is not None and conn.token_generation != seen_generation:
                logger.info("event=refresh_skipped org_id=%s reason=already_refreshed", org.pk)
                return
            if (
                min_remaining is not None
                and conn.access_token_expires_at is not None
                and conn.access_token_expires_at - now > min_remaining
            ):
                return
            if conn.refresh_token_expires_at is not None and conn.refresh_token_expires_at <= now:
                reconsent_reason = "refresh token expired"
            else:
                try:
                    grant = identity.refresh(
                        conn.refresh_token,
                        now=now,
                        refresh_token_expires_at=conn.refresh_token_expires_at,
                    )
                except TokenEndpointError as exc:
                    if exc.http_status in (400, 401):
                        reconsent_reason = (
                            f"Webex refused the refresh token (HTTP {exc.http_status}"
                            + (f", {exc.error}" if exc.error else "")
                            + ")"
                        )
                    else:
                        transient_error = str(exc)[:300]
                        conn.last_error = transient_error
                        conn.last_error_at = now
                        conn.save(update_fields=["last_error", "last_error_at", "updated_at"])
                else:
                    _apply_grant(conn, grant, now)
                    conn.last_refreshed_at = now
                    conn.save()
                    logger.info(
                        "event=token_refreshed org_id=%s generation=%s expires_at=%s",
                        org.pk,
                        conn.token_generation,
                        grant.access_token_expires_at.isoformat(),
                    )
        if reconsent_reason:
            mark_needs_reconsent(org, reconsent_reason)
    if reconsent_reason:
        raise ReconsentRequired(org.pk, reconsent_reason)
    if transient_error:
        logger.warning("event=refresh_failed org_id=%s error=%r", org.pk, transient_error)
        raise TokenRefreshFailed(f"org {org.pk}: {transient_error}")


@sensitive_variables("grant")
def _apply_grant(conn: WebexConnection, grant: TokenGrant, now: datetime) -> None:
    conn.access_token = grant.access_token
    conn.refresh_token = grant.refresh_token
    conn.access_token_expires_at = grant.access_token_expires_at
    conn.refresh_token_expires_at = grant.refresh_token_expires_at
    conn.token_generation += 1
    conn.last_error = ""
    conn.last_error_at = None


# --- re-consent and disconnect --------------------------------------------------------------


def mark_needs_reconsent(org: Organization, reason: str) -> None:
    """The grant is dead: forget the tokens, flag the org (boards show a banner) and email
    its admins, once per transition."""
    now = timezone.now()
    with transaction.atomic():
        conn = WebexConnection.objects.select_for_update().filter(organization=org).first()
        if conn is None or conn.status != ConnectionStatus.CONNECTED:
            return
        conn.status = ConnectionStatus.NEEDS_RECONSENT
        _forget_tokens(conn)
        conn.last_error = reason[:300]
        conn.last_error_at = now
        conn.save()
    logger.warning("event=needs_reconsent org_id=%s reason=%r", org.pk, reason)
    _announce(org, ConnectionStatus.NEEDS_RECONSENT)
    _email_admins_about_reconsent(org, reason)


def disconnect(org: Organization) -> None:
    """Stop using Webex for `org`: tokens are deleted and the poller skips it. (Webex has no
    documented token-revocation endpoint for integrations; an admin can also remove the
    grant in Webex.)"""
    with transaction.atomic():
        conn = WebexConnection.objects.select_for_update().filter(organization=org).first()
        if conn is None:
            return
        conn.status = ConnectionStatus.DISCONNECTED
        _forget_tokens(conn)
        conn.last_error = ""
        conn.last_error_at = None
        conn.save()
    logger.info("event=disconnected org_id=%s", org.pk)
    _announce(org, ConnectionStatus.DISCONNECTED)


def _forget_tokens(conn: WebexConnection) -> None:
    conn.access_token = ""
    conn.refresh_token = ""
    conn.access_token_expires_at = None
    conn.refresh_token_expires_at = None


def _announce(org: Organization, status: str) -> None:
    connection_status_changed.send(sender=WebexConnection, organization=org, status=status)


def _email_admins_about_reconsent(org: Organization, reason: str) -> None:
    recipients = list(
        Membership.objects.filter(organization=org, role=Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        logger.warning("event=reconsent_email_skipped org_id=%s reason=no_admin_email", org.pk)
        return
    link = f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}{reverse('oauth:connection')}"
    try:
        send_mail(
            subject=f"Action needed: reconnect {org.name} to Webex",
            message=(
                f"The wallboard app can no longer read data from Webex Contact Center for "
                f"{org.name}: {reason}.\n\nBoards keep showing their last data with a "
                f"warning until an administrator connects the organization again:\n{link}\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except (smtplib.SMTPException, OSError) as exc:
        logger.error("event=reconsent_email_failed org_id=%s error=%s", org.pk, type(exc).__name__)
