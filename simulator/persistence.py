"""What survives a simulator restart: tokens and subscriptions, in one JSON file.

Webex does not forget an integration's tokens or an org's subscriptions when a server
restarts, so neither does the simulator when it is given a state directory. The file is
replaced atomically (write a sibling, fsync, rename), so a crash mid-write leaves the previous
state intact. Token values are never written: the token store keeps only their SHA-256 digests.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_FILE_NAME = "simulator-state.json"
STATE_FORMAT_VERSION = 1


class StateFileInvalid(Exception):
    """The state file exists but cannot be read back; the message names the file."""


class StateFile:
    """The simulator's state file in `directory` (created on first save)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.path = Path(directory) / STATE_FILE_NAME

    def load(self) -> dict[str, Any] | None:
        """The saved snapshot, or None when nothing was saved yet."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileInvalid(f"cannot read {self.path}: {exc}") from exc
        try:
            snapshot = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise StateFileInvalid(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(snapshot, dict) or snapshot.get("version") != STATE_FORMAT_VERSION:
            raise StateFileInvalid(
                f"{self.path} is not a version {STATE_FORMAT_VERSION} simulator state file"
            )
        return snapshot

    def save(self, snapshot: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({**snapshot, "version": STATE_FORMAT_VERSION}, indent=1)
        fd, tmp_name = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
