"""Token material never reaches logs or error reports."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone
from django.views.debug import ExceptionReporter

from oauth import identity
from oauth.exceptions import TokenEndpointError
from tests.fixtures.factories import WebexConnectionFactory

# Built at run time so the literal never appears in the source lines a report quotes.
REFRESH_TOKEN = "-".join(["RT", "must", "not", "leak"])


@pytest.mark.django_db
def test_an_error_report_from_a_failed_refresh_does_not_contain_the_refresh_token(
    settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    conn = WebexConnectionFactory.create(refresh_token=REFRESH_TOKEN)
    settings.DEBUG = False  # production error reports (emails, logs) are the ones cleansed
    settings.WEBEX_IDENTITY_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    caplog.set_level(logging.DEBUG)

    try:
        identity.refresh(conn.refresh_token, now=timezone.now())
    except TokenEndpointError as exc:
        report = ExceptionReporter(None, type(exc), exc, exc.__traceback__).get_traceback_html()
        message = str(exc)
    else:
        pytest.fail("refreshing against a closed port should raise TokenEndpointError")

    assert "identity.py" in report  # the frames that held the token are in the report
    assert REFRESH_TOKEN not in report
    assert REFRESH_TOKEN not in message
    assert REFRESH_TOKEN not in caplog.text
    assert "Could not reach Webex" in message
