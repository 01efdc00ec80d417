"""Encryption at rest for tokens and secrets: Fernet keys from settings.TOKEN_ENCRYPTION_KEYS
through a MultiFernet, so the first key encrypts and every key decrypts (rotation: put the
new key first, run `manage.py rotate_encryption_keys`, then drop the old key).

`EncryptedTextField` stores ciphertext and hands plaintext to Python code; other apps reuse
it (webhook subscription secrets). Ciphertext is non-deterministic, so these columns cannot
be filtered on.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

logger = logging.getLogger(__name__)

__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "multi_fernet"]


def multi_fernet() -> MultiFernet:
    """The MultiFernet for the current settings (cached per key set, so tests can override)."""
    return _multi_fernet(
        tuple(settings.TOKEN_ENCRYPTION_KEYS), bool(settings.DEBUG), str(settings.SECRET_KEY)
    )


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...], debug: bool, secret_key: str) -> MultiFernet:
    if not keys:
        if not debug:
            raise ImproperlyConfigured(
                "TOKEN_ENCRYPTION_KEYS is empty: set at least one Fernet key (see .env.example)."
            )
        # Only for DEBUG runs (demo, development): a stable key derived from SECRET_KEY, so a
        # restart can still read what it stored. Production must configure real keys.
        logger.warning(
            "event=encryption_key_derived reason=TOKEN_ENCRYPTION_KEYS_empty debug=true "
            "note=derived_from_SECRET_KEY_set_real_keys_in_production"
        )
        digest = hashlib.sha256(f"wallboard-token-encryption:{secret_key}".encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    fernets = []
    for position, key in enumerate(keys):
        try:
            fernets.append(Fernet(key.strip()))
        except ValueError:
            # Never echo the key itself.
            raise ImproperlyConfigured(
                f"TOKEN_ENCRYPTION_KEYS entry #{position + 1} is not a valid Fernet key."
            ) from None
    return MultiFernet(fernets)


def encrypt(plaintext: str) -> str:
    """Encrypt with the first configured key."""
    return multi_fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt with whichever configured key matches; raises `InvalidToken` if none does."""
    return multi_fernet().decrypt(ciphertext.encode()).decode()


def rotate(ciphertext: str) -> str:
    """Re-encrypt `ciphertext` under the first key (whichever key it was made with)."""
    return multi_fernet().rotate(ciphertext.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; Python code sees plaintext. An empty string
    and NULL are stored as they are (nothing to hide)."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
