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


class WxccBudgetExhausted(WxccRateLimited):
    """Our own share of the integration's request budget is spent for now (no request was
    sent): wait `retry_after_s`. Bulk readers stop and resume later; nothing is blocked."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(retry_after_s, reason="shared request budget spent")


class WxccForbidden(WxccBadRequest):
    """WxCC answered 403: the token lacks `needed_scope`, or its user lacks the role."""

    def __init__(
        self,
        reason: str,
        *,
        needed_scope: str,
        key: str = "",
        descriptions: tuple[str, ...] = (),
        tracking_id: str = "",
    ) -> None:
        super().__init__(403, key=key, descriptions=descriptions, tracking_id=tracking_id)
        self.args = (reason,)
        self.needed_scope = needed_scope


class WxccDestinationRefused(WxccBadRequest):
    """A webhook destination Webex would refuse (checked before asking it): `problems` says
    which of its rules the URL breaks."""

    def __init__(self, url: str, problems: tuple[str, ...]) -> None:
        intro = f"Webex would refuse {url!r} as the webhook destination"
        super().__init__(None, key="destination_url", descriptions=(intro, *problems))
        self.args = (f"{intro}: {'; '.join(problems)}",)
        self.problems = problems
