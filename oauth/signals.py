"""Signals other apps listen to instead of importing them back: the wxcc poller stops or
starts, boards show or hide the re-consent banner."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit with `organization` (Organization) and `status` (ConnectionStatus value).
connection_status_changed = Signal()
