"""Security headers: CSP without 'unsafe-inline', an explicit frame policy (the TV page may be
embedded only by the origins a setting names), HSTS and secure cookies behind TLS, and
`manage.py check --deploy` clean with production settings."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.fixtures.wallboard_factories import BoardFactory, ScreenFactory

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "lfKgZ0tFm4eUzfJuC8k4Ke4pE3zcZQPaQ0eNcBQ2xFs="


def _directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.django_db
def test_pages_refuse_every_frame_and_inline_code() -> None:
    response = Client().get("/accounts/login/")

    policy = _directives(response["Content-Security-Policy"])
    assert response["X-Frame-Options"] == "DENY"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_tv_page_refuses_frames_unless_a_setting_names_who_may_embed_it(settings) -> None:  # type: ignore[no-untyped-def]
    screen = ScreenFactory.create(board=BoardFactory.create(slug="foyer"))
    url = f"/tv/foyer/?token={screen.token}"

    closed = Client().get(url)
    settings.TV_FRAME_ANCESTORS = ["https://signage.example.com"]
    embeddable = Client().get(url)
    other_page = Client().get("/accounts/login/")

    assert closed.status_code == embeddable.status_code == 200
    assert closed["X-Frame-Options"] == "DENY"
    assert _directives(closed["Content-Security-Policy"])["frame-ancestors"] == "'none'"
    assert "X-Frame-Options" not in embeddable
    embed_policy = _directives(embeddable["Content-Security-Policy"])
    assert embed_policy["frame-ancestors"] == "https://signage.example.com"
    assert embed_policy["script-src"] == "'self'"
    assert other_page["X-Frame-Options"] == "DENY"


def _production_env(**overrides: str) -> dict[str, str]:
    dropped = {"DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "TOKEN_ENCRYPTION_KEYS": FERNET_KEY,
        "ALLOWED_HOSTS": "boards.example.com",
        **overrides,
    }


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_notices_a_production_setting_turned_off() -> None:
    # The check above can fail: with HSTS off, Django says so.
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=_production_env(SECURE_HSTS_SECONDS="0"),
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr


PRINT_TRANSPORT = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
    "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
    "list(settings.SECURE_PROXY_SSL_HEADER)]))"
)


def test_production_redirects_to_https_sends_hsts_and_secure_cookies_behind_the_proxy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_TRANSPORT],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    redirect, hsts_s, session_secure, csrf_secure, proxy_header = json.loads(result.stdout)
    assert redirect is True
    assert hsts_s >= 31536000
    assert session_secure is True
    assert csrf_secure is True
    assert proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
def test_a_request_the_proxy_marks_as_https_gets_hsts_and_a_plain_one_is_redirected(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()  # a new client builds its middleware, which reads these settings

    plain = client.get("/accounts/login/", headers={"host": "localhost"})
    behind_tls = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    health = client.get("/healthz")

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert behind_tls.status_code == 200
    assert "max-age=31536000" in behind_tls["Strict-Transport-Security"]
    assert health.status_code == 200


def test_a_view_that_allows_same_origin_frames_gets_frame_ancestors_self() -> None:
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.middleware.clickjacking import XFrameOptionsMiddleware
    from django.test import RequestFactory
    from django.views.decorators.clickjacking import xframe_options_sameorigin

    from config.middleware import KioskFramingMiddleware

    @xframe_options_sameorigin
    def preview(request: object) -> HttpResponse:
        return HttpResponse("<p>preview</p>")

    def plain(request: object) -> HttpResponse:
        return HttpResponse("<p>page</p>")

    def chain(view: Any) -> Any:  # the order of settings.MIDDLEWARE
        return CSPMiddleware(KioskFramingMiddleware(XFrameOptionsMiddleware(view)))  # type: ignore[arg-type]

    framed = chain(preview)(RequestFactory().get("/preview/"))
    refused = chain(plain)(RequestFactory().get("/page/"))

    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert _directives(framed["Content-Security-Policy"])["frame-ancestors"] == "'self'"
    assert refused["X-Frame-Options"] == "DENY"
    assert _directives(refused["Content-Security-Policy"])["frame-ancestors"] == "'none'"
