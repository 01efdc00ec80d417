"""Board specs kept per process between pushes: the push path reads every listening board's
pages and tiles on each change, which at a hundred boards cost more than rendering them.

A version token in Redis says when to read again. Any saved or deleted board, page or tile,
a board's queues or teams, or an organization's zone drops the token, and drops it again
once the change has committed; the next reader sets a new random one. The token is read
before the database (so specs read before a commit are never kept under the token that
follows it), and one global token for every org keeps invalidation simple: board edits are
rare.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from django.db import transaction

from wallboard import keys
from wallboard.redis_client import get_redis
from wallboard.specs import BoardSpec, board_specs

# Entries kept per process: (org, listening boards) pairs, each a few KB.
_MAX_ENTRIES = 256
_TOKEN_TTL_S = 86_400

_lock = threading.Lock()
_cache: OrderedDict[tuple[int, tuple[int, ...] | None], tuple[bytes, list[BoardSpec]]] = (
    OrderedDict()
)


def _token() -> bytes:
    """The current version token (set here if there is none). One round trip."""
    pipe = get_redis().pipeline(transaction=False)
    pipe.set(keys.boards_version(), secrets.token_hex(8), nx=True, ex=_TOKEN_TTL_S)
    pipe.get(keys.boards_version())
    _, token = pipe.execute()
    return bytes(token)


def cached_board_specs(*, org_id: int, board_ids: Collection[int] | None = None) -> list[BoardSpec]:
    """As `specs.board_specs`, read from the database only after a board changed."""
    token = _token()
    key = (org_id, None if board_ids is None else tuple(sorted(board_ids)))
    with _lock:
        found = _cache.get(key)
        if found is not None and found[0] == token:
            _cache.move_to_end(key)
            return found[1]
    specs = board_specs(org_id=org_id, board_ids=board_ids)
    with _lock:
        _cache[key] = (token, specs)
        while len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)
    return specs


def _drop_token() -> None:
    get_redis().delete(keys.boards_version())


def boards_changed(sender: object = None, **kwargs: Any) -> None:
    """Signal receiver: drop the version token now (this process may read its own change
    before it commits) and again once the surrounding transaction commits (others may have
    read what was there before under a token set in between)."""
    _drop_token()
    transaction.on_commit(_drop_token)


def organization_saved(
    sender: object, update_fields: Collection[str] | None = None, **kwargs: Any
) -> None:
    """Signal receiver: an organization's zone is every board's default zone."""
    if update_fields is None or "timezone" in update_fields:
        boards_changed()
