"""Tokens and secrets are encrypted at rest with rotatable Fernet keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from oauth import crypto
from oauth.models import WebexConnection
from tests.fixtures.factories import WebexConnectionFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_token_columns(conn_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM oauth_webexconnection WHERE id = %s",
            [conn_id],
        )
        return cursor.fetchone()


@given(st.text())
def test_decrypt_returns_exactly_what_encrypt_was_given(plaintext: str) -> None:
    assert crypto.decrypt(crypto.encrypt(plaintext)) == plaintext


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    assert "very-secret-token" not in crypto.encrypt("very-secret-token")


@pytest.mark.django_db
def test_tokens_are_stored_encrypted_in_the_database_column() -> None:
    conn = WebexConnectionFactory.create(access_token="AT-plain-123", refresh_token="RT-plain-456")

    raw_access, raw_refresh = raw_token_columns(conn.pk)

    assert "AT-plain-123" not in raw_access
    assert "RT-plain-456" not in raw_refresh
    assert crypto.decrypt(raw_access) == "AT-plain-123"
    assert crypto.decrypt(raw_refresh) == "RT-plain-456"
    reloaded = WebexConnection.objects.get(pk=conn.pk)
    assert (reloaded.access_token, reloaded.refresh_token) == ("AT-plain-123", "RT-plain-456")


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_under_the_first_key_so_old_keys_can_go(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    conn = WebexConnectionFactory.create(access_token="AT-rotate", refresh_token="RT-rotate")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    # Both keys decrypt while the rotation is pending.
    assert WebexConnection.objects.get(pk=conn.pk).access_token == "AT-rotate"

    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    raw_access, raw_refresh = raw_token_columns(conn.pk)
    assert Fernet(NEW_KEY.encode()).decrypt(raw_access.encode()) == b"AT-rotate"
    assert Fernet(NEW_KEY.encode()).decrypt(raw_refresh.encode()) == b"RT-rotate"
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]
    assert WebexConnection.objects.get(pk=conn.pk).refresh_token == "RT-rotate"


@pytest.mark.django_db
def test_a_value_under_a_removed_key_cannot_be_read(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    conn = WebexConnectionFactory.create(access_token="AT-lost")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(crypto.InvalidToken):
        WebexConnection.objects.get(pk=conn.pk)


def test_production_without_keys_refuses_to_start(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.TOKEN_ENCRYPTION_KEYS = []

    with pytest.raises(ImproperlyConfigured, match="TOKEN_ENCRYPTION_KEYS"):
        crypto.encrypt("x")


def test_debug_without_keys_derives_a_stable_key_from_the_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.TOKEN_ENCRYPTION_KEYS = []
    ciphertext = crypto.encrypt("demo-token")

    settings.SECRET_KEY = "another-secret"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(ciphertext)
    settings.SECRET_KEY = "test-only-secret-key"
    assert crypto.decrypt(ciphertext) == "demo-token"


def test_a_malformed_key_is_reported_without_echoing_it(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_ENCRYPTION_KEYS = ["not-a-fernet-key-but-secret"]

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt("x")
    assert "not-a-fernet-key-but-secret" not in str(excinfo.value)
