"""Fixtures of the security tests: what the configured log handler writes."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils.log import configure_logging


@pytest.fixture
def written_log() -> Iterator[io.StringIO]:
    """Everything the configured console handler (settings.LOGGING: root, uvicorn.access)
    writes, at DEBUG, as production would write it."""
    # Importing the ASGI app runs django.setup(), which configures logging anew: do it first.
    import config.asgi  # noqa: F401

    # A uvicorn started earlier in this process (the simulator's) replaced the handlers of
    # uvicorn's loggers with its own; put back what settings.LOGGING says.
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    root = logging.getLogger()
    handlers = {
        h
        for logger in (root, logging.getLogger("uvicorn.access"))
        for h in logger.handlers
        if type(h) is logging.StreamHandler
    }
    assert handlers
    stream = io.StringIO()
    old_streams = {h: h.setStream(stream) for h in handlers}  # type: ignore[type-var]
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.setLevel(old_level)
        for handler, old_stream in old_streams.items():
            handler.setStream(old_stream)  # type: ignore[type-var]
