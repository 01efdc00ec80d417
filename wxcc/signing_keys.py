"""The secrets that sign deliveries, looked up by subscription id for the webhook receiver.

The receiver's hot path reads them once per delivery, so they are kept in a small
process-local cache for SIGNING_KEY_TTL_S: one indexed read (and one decryption) per
subscription and process per TTL instead of per delivery. Not in Redis: secrets stay out of
shared caches, and the receiver must keep working while Redis is down.

A cached key can be stale after a change in another process (re-registration from a command)
for at most the TTL; saves and deletes in this process drop it at once, and a delivery that
no cached key verifies is checked again against the database before it is refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from oauth.models import Organization
from wxcc.models import WebhookSubscription

SIGNING_KEY_TTL_S = 30.0
SIGNING_KEYS_CACHED = 1024


@dataclass(frozen=True)
class SigningKey:
    """What the receiver needs of one subscription."""

    wxcc_subscription_id: str
    organization_id: int
    webex_org_id: str
    secret: str


_cache: dict[str, tuple[float, SigningKey]] = {}
_lock = threading.Lock()


def signing_keys(subscription_ids: Iterable[str], *, fresh: bool = False) -> list[SigningKey]:
    """The known subscriptions among `subscription_ids`, in that order (one query for those not
    cached, or for all with `fresh`)."""
    wanted = list(dict.fromkeys(subscription_ids))
    now = time.monotonic()
    found: dict[str, SigningKey] = {}
    if not fresh:
        with _lock:
            for sub_id in wanted:
                entry = _cache.get(sub_id)
                if entry is not None and entry[0] > now:
                    found[sub_id] = entry[1]
    missing = [sub_id for sub_id in wanted if sub_id not in found]
    if missing:
        rows = WebhookSubscription.objects.filter(wxcc_subscription_id__in=missing).select_related(
            "organization"
        )
        loaded = {
            row.wxcc_subscription_id: SigningKey(
                wxcc_subscription_id=row.wxcc_subscription_id,
                organization_id=row.organization_id,
                webex_org_id=row.organization.webex_org_id or "",
                secret=row.secret or "",
            )
            for row in rows
        }
        with _lock:
            if len(_cache) + len(loaded) > SIGNING_KEYS_CACHED:
                _cache.clear()
            for sub_id, key in loaded.items():
                _cache[sub_id] = (now + SIGNING_KEY_TTL_S, key)
        found.update(loaded)
    return [found[sub_id] for sub_id in wanted if sub_id in found]


def forget_signing_keys() -> None:
    with _lock:
        _cache.clear()


@receiver(post_save, sender=WebhookSubscription, dispatch_uid="wxcc.signing_keys.subscription")
@receiver(post_delete, sender=WebhookSubscription, dispatch_uid="wxcc.signing_keys.sub_gone")
@receiver(post_save, sender=Organization, dispatch_uid="wxcc.signing_keys.organization")
@receiver(post_delete, sender=Organization, dispatch_uid="wxcc.signing_keys.org_gone")
def _forget_on_change(sender: type[Any], **kwargs: Any) -> None:
    forget_signing_keys()
