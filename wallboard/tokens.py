"""Display tokens: made at random, stored encrypted, looked up by digest. Pure."""

from __future__ import annotations

import hashlib
import secrets

# 32 random bytes: as strong as the session keys that guard supervisor pages.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database indexes: a token cannot be recovered from it."""
    return hashlib.sha256(token.encode()).hexdigest()
