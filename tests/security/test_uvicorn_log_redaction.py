"""The token filter on its own: what it rewrites, what it leaves, and that uvicorn's access
formatter (which unpacks the record's arguments) still formats a filtered record."""

from __future__ import annotations

import io
import logging

import pytest
from uvicorn.logging import AccessFormatter

from config.log_redaction import REDACTED, RedactSecretsFilter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /tv/lobby/?token=Ab-1_x HTTP/1.1", f"GET /tv/lobby/?token={REDACTED} HTTP/1.1"),
        ('"WebSocket /ws/tv/a/?token=abc&x=1"', f'"WebSocket /ws/tv/a/?token={REDACTED}&x=1"'),
        ("/api/boards/a/snapshot?x=1&token=zz", f"/api/boards/a/snapshot?x=1&token={REDACTED}"),
        ("refresh_token=r1&access_token=a1", f"refresh_token={REDACTED}&access_token={REDACTED}"),
        ("tokens=5 and a token word", "tokens=5 and a token word"),
        ("token=", "token="),
        ("event=x code=%s token=%s state=%s", "event=x code=%s token=%s state=%s"),
    ],
)
def test_redact_replaces_only_token_values(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_a_filtered_uvicorn_access_record_is_still_formatted_without_the_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    )
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("tests.uvicorn.access")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/tv/x/?token=s3cret", "1.1", 200
        )
    finally:
        logger.removeHandler(handler)

    line = stream.getvalue()
    assert "s3cret" not in line
    assert f"/tv/x/?token={REDACTED}" in line
    assert "200" in line


def test_a_message_template_keeps_its_placeholders_so_the_record_still_formats() -> None:
    record = logging.LogRecord(
        "wxcc.receiver", logging.INFO, __file__, 1, "event=x code=%s token=%s", ("bad", "s3"), None
    )
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "event=x code=bad token=s3"
