"""The log filter's pure core: whatever a secret in a URL looks like, it is blanked, and the
rest of the line is kept."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from config.log_redaction import REDACTED, RedactSecretsFilter, redact

secret_values = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.~"),
    min_size=8,
    max_size=80,
)


@given(secret=secret_values, name=st.sampled_from(["token", "access_token", "code", "state"]))
def test_a_secret_query_parameter_is_blanked_and_the_path_kept(secret: str, name: str) -> None:
    line = f'127.0.0.1:5 - "GET /tv/lobby/?page=2&{name}={secret} HTTP/1.1" 200'
    cleaned = redact(line)
    assert secret not in cleaned
    assert f"/tv/lobby/?page=2&{name}={REDACTED} HTTP/1.1" in cleaned


@given(uid=secret_values, token=secret_values)
def test_a_password_reset_link_is_blanked(uid: str, token: str) -> None:
    cleaned = redact(f"Not Found: /accounts/reset/{uid}/{token}/")
    assert token not in cleaned.replace(f"/reset/{uid}/", "")
    assert cleaned == f"Not Found: /accounts/reset/{uid}/{REDACTED}/"


def test_the_filter_blanks_the_message_and_its_arguments() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s"',
        ("127.0.0.1", "GET", "/ws/tv/a/?token=s3cret-value"),
        None,
    )
    assert RedactSecretsFilter().filter(record)
    assert "s3cret-value" not in record.getMessage()
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [redacted]"
