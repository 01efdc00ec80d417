"""Password reset: off (404, not offered) unless mail works; when on, it works and its link
never reaches the log."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

OLD_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a fresh and longer passphrase 42"


@pytest.fixture
def user(db: None):  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user(
        "erin", email="erin@example.com", password=OLD_PASSWORD
    )


def test_reset_is_off_by_default_without_a_mail_server(user, settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.PASSWORD_RESET_ENABLED is False
    client = Client()

    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": user.email}).status_code == 404
    assert client.get("/accounts/reset/MQ/abc-123/").status_code == 404
    assert "Forgot your password" not in client.get("/accounts/login/").content.decode()
    assert mail.outbox == []


def test_with_mail_working_a_reset_link_sets_a_new_password_and_never_reaches_the_log(
    user, settings, written_log
) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_RESET_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = Client()
    assert "Forgot your password" in client.get("/accounts/login/").content.decode()

    assert client.post("/accounts/password_reset/", {"email": user.email}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0).split("testserver", 1)[1]
    token = path.rstrip("/").rsplit("/", 1)[1]
    # Someone mistypes the link first: the 404 is logged ("Not Found: <path>").
    client.get(path.replace("/reset/", "/reset/x") + "x/")
    set_password_page = client.get(path, follow=True)
    form_path = set_password_page.redirect_chain[-1][0]
    done = client.post(form_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    logged = written_log.getvalue()
    assert "Not Found" in logged  # the log did see the mistyped link's request
    assert token not in logged
