"""Keep display tokens out of logs: TV links carry `?token=<secret>`, and uvicorn prints the
path with its query string on every access and websocket line.

`RedactTokens` rewrites `token=<value>` (also `access_token=`, `refresh_token=`) in a record's
message and arguments to `token=[redacted]`. It is wired twice, because two configurations
own the handlers: settings.LOGGING puts it on our console handler, and `install()` (called
from config/asgi.py, once Django is set up) puts it on uvicorn's own loggers, whichever log
configuration uvicorn was started with (the demo's, the Dockerfile's, the tests'). Pure
logging: no Django imports.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# A query parameter or form field whose name ends in "token", up to the next separator.
_TOKEN_PARAM = re.compile(r"((?:^|[?&\s;,\"'])[\w.-]*token=)[^&\s\"';,]+", re.IGNORECASE)
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    return _TOKEN_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


def _redact_arg(arg: object) -> object:
    return redact(arg) if isinstance(arg, str) else arg


class RedactTokens(logging.Filter):
    """Rewrites the record in place and never drops it. Arguments stay arguments (uvicorn's
    access formatter unpacks them), only their text changes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_arg(value) for key, value in record.args.items()}
        return True


_INSTALLED = RedactTokens()


def install(logger_names: tuple[str, ...] = UVICORN_LOGGERS) -> None:
    """Filter what uvicorn logs itself. Logger filters survive uvicorn's own dictConfig (it
    replaces handlers, not filters), and adding the same filter twice is a no-op."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_INSTALLED)
