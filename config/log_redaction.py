"""A logging filter that blanks secrets carried in URLs before a record is written.

Two secrets travel in URLs by design: a TV's display token (`/tv/<slug>/?token=...`, also the
websocket URL) and a password-reset link (`/accounts/reset/<uid>/<token>/`). Access logs
(uvicorn.access), Django's request warnings ("Not Found: <path>") and anything else that
logs a path would otherwise write them out; this filter, attached to every handler in
settings.LOGGING, rewrites the message and its arguments. uvicorn configures its own
loggers (the demo's, the Dockerfile's and the tests' log configs differ), so `install()`,
called from config/asgi.py, puts the same filter on them too. Pure logging: no Django imports.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ?token=..., &token=..., access_token=..., refresh_token=..., code=... (OAuth callback)
    (
        re.compile(
            r"(?i)((?:^|[?&;\s,\"'])(?:[a-z_.-]*token|code|state|client_secret)=)[^&;\s\"',]+"
        ),
        rf"\1{REDACTED}",
    ),
    # /reset/<uidb64>/<token>/
    (re.compile(r"(/reset/[^/\s]+/)(?!set-password/)[^/\s\"']+"), rf"\1{REDACTED}"),
    # Authorization: Bearer <token>
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites the record in place and never drops it. Arguments stay arguments (uvicorn's
    access formatter unpacks them), only their text changes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")
_INSTALLED = RedactSecretsFilter()


def install(logger_names: tuple[str, ...] = UVICORN_LOGGERS) -> None:
    """Filter what uvicorn logs itself. Logger filters survive uvicorn's own dictConfig (it
    replaces handlers, not filters), and adding the same filter twice is a no-op."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_INSTALLED)
