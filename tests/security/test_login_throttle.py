"""Sign-in throttling (django-axes): per account and per address, said on the page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db: None):  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("dana", password=PASSWORD)


def _sign_in(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_signs_in_and_the_page_states_the_throttle(user, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    page = client.get("/accounts/login/")
    assert f"After {settings.AXES_FAILURE_LIMIT} failed attempts" in page.content.decode()
    assert "15 minutes" in page.content.decode()

    response = _sign_in(client, "dana", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_after_150_wrong_passwords_the_right_one_does_not_work_at_once(user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    statuses = {_sign_in(client, "dana", f"guess-{n}").status_code for n in range(150)}

    response = _sign_in(client, "dana", PASSWORD)

    assert 429 in statuses
    assert response.status_code == 429
    assert not _signed_in(client)
    body = response.content.decode()
    assert 'id="login-locked"' in body
    assert "Sign-in is locked for 15 minutes" in body


def test_an_account_is_locked_whichever_address_the_guesses_come_from(user, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), "dana", "wrong")

    fresh = Client(REMOTE_ADDR="198.51.100.7")
    response = _sign_in(fresh, "dana", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(fresh)


def test_an_address_is_locked_whichever_accounts_it_tries(user, settings) -> None:  # type: ignore[no-untyped-def]
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, f"someone-{n}", "wrong")

    response = _sign_in(attacker, "dana", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(attacker)
    # Another address still signs dana in: the address, not the account, is locked.
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    assert _sign_in(elsewhere, "dana", PASSWORD).status_code == 302
    assert _signed_in(elsewhere)


def test_a_few_mistakes_then_the_right_password_signs_in_and_resets_the_count(
    user, settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "dana", "wrong").status_code == 400
    assert _sign_in(client, "dana", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "dana", "wrong").status_code == 400
    assert _sign_in(client, "dana", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_throttled_too(user, settings) -> None:  # type: ignore[no-untyped-def]
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "dana", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "dana", "password": PASSWORD})

    assert response.status_code == 429
    assert not _signed_in(client)
