"""Exceptions raised at the WxCC API boundary (`wxcc.client`), caught by the edges that can
decide what to do (the poll task, the management command, the admin action).

Messages carry a status and WxCC's error key/description, never a token or a request body.
"""

from __future__ import annotations


class WxccError(Exception):
    """Base class for every failure talking to WxCC."""


class WxccRateLimited(WxccError):
    """WxCC answered 429 (or our own shared budget is spent): wait `retry_after_s`."""

    def __init__(self, retry_after_s: float, *, reason: str = "429 Too Many Requests") -> None:
        super().__init__(f"rate limited for {retry_after_s:g}s ({reason})")
        self.retry_after_s = retry_after_s
        self.reason = reason


class WxccUnavailable(WxccError):
    """5xx answers or network errors that outlasted our retries."""


class WxccUnexpectedAnswer(WxccError):
    """WxCC answered 2xx with a body we cannot read (not JSON, or missing required fields)."""


class WxccBadRequest(WxccError):
    """A 4xx other than 429 (and a 401 that survived the token refresh), or GraphQL errors.

    `key` is WxCC's `error.key`: an int on the subscriptions API, a string on search and
    statistics (docs/wxcc-contract.md §1.2, §2.1); we keep it as a string either way.
    """

    def __init__(
        self,
        status: int | None,
        *,
        key: str = "",
        descriptions: tuple[str, ...] = (),
        tracking_id: str = "",
    ) -> None:
        detail = "; ".join(descriptions)[:200]
        super().__init__(
            f"WxCC answered {status if status is not None else 'an error'}"
            + (f" key={key}" if key else "")
            + (f": {detail}" if detail else "")
        )
        self.status = status
        self.key = key
        self.descriptions = descriptions
        self.tracking_id = tracking_id
