"""How one contact counts: its outcome, its wait and its handle time.

Every figure built from contacts (boards, queue summaries, intervals, agent performance)
classifies a contact with these functions and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import IntEnum

from .inputs import Contact, HandleType

_MS = timedelta(milliseconds=1)


class Outcome(IntEnum):
    OPEN = 0  # no outcome yet: waiting, ringing or in self-service
    ANSWERED = 1
    ABANDONED = 2
    SHORT_ABANDONED = 3


# Module-level names for the members: reading `Outcome.ANSWERED` goes through the enum
# class and costs more than the rest of `classify` on a contact.
_OPEN_OUTCOME, _ANSWERED, _ABANDONED, _SHORT_ABANDONED = Outcome

_FROM_HANDLE_TYPE = {
    HandleType.NORMAL: Outcome.ANSWERED,
    HandleType.ABANDONED: Outcome.ABANDONED,
    HandleType.SHORT: Outcome.SHORT_ABANDONED,
}


def elapsed_ms(start: datetime, end: datetime) -> int:
    """Whole milliseconds from start to end, never negative (clock skew between sources)."""
    return max(0, (end - start) // _MS)


def threshold_ms(threshold_s: float) -> int:
    return round(threshold_s * 1000)


# How one contact counts: (outcome, wait ms, handled, talk ms, hold ms, wrap-up ms).
# A plain tuple because the engine makes one per contact per computation.
Classification = tuple[Outcome, int, bool, int, int, int]
_OPEN: Classification = (Outcome.OPEN, 0, False, 0, 0, 0)


def classify(contact: Contact, *, short_abandon_threshold_ms: int) -> Classification:
    """The one place that decides how a contact counts.

    Outcome: WxCC's `contactHandleType` when it has classified the contact. Otherwise
    answered when an agent answered; still open while it has not ended; else abandoned, and
    short when it ended less than the short threshold after it started (WxCC's short-call rule
    counts from the start of the contact: `created_at`, else arrival).

    Wait: arrival to answer (answered) or to end (abandoned); without those times WxCC's
    `queueDuration`, else 0. Negative spans from clock skew count 0.

    Handled: answered and finished, so it has a handle time, counted when it ended. Talk,
    hold and wrap-up are WxCC's durations when known; unknown hold and wrap-up count 0;
    unknown talk is answer-to-end minus hold.
    """
    arrived_at = contact.arrived_at
    answered_at = contact.answered_at
    ended_at = contact.ended_at
    if contact.handle_type is not None:
        outcome = _FROM_HANDLE_TYPE[contact.handle_type]
    elif answered_at is not None:
        outcome = _ANSWERED
    elif contact.is_open:
        return _OPEN
    elif ended_at is not None and (
        (ended_at - (contact.created_at or arrived_at)) // _MS < short_abandon_threshold_ms
    ):
        outcome = _SHORT_ABANDONED
    else:
        outcome = _ABANDONED
    if outcome is _OPEN_OUTCOME:
        return _OPEN

    until = answered_at if outcome is _ANSWERED else ended_at
    if until is not None:
        waited = (until - arrived_at) // _MS
        waited = waited if waited > 0 else 0
    else:
        waited = contact.queue_ms or 0
    if outcome is not _ANSWERED or ended_at is None or contact.is_open:
        return (outcome, waited, False, 0, 0, 0)

    hold = contact.hold_ms or 0
    wrapup = contact.wrapup_ms or 0
    talk = contact.talk_ms
    if talk is None:
        talk = elapsed_ms(answered_at, ended_at) - hold if answered_at is not None else 0
        talk = talk if talk > 0 else 0
    return (outcome, waited, True, talk, hold, wrapup)


# What a contact's outcome and wait are decided from, in this order: handle_type (a HandleType,
# its word as WxCC wrote it, or ""/None before WxCC classified the contact), answered_at,
# is_open, arrived_at, created_at, ended_at, queue_ms.
WaitFacts = tuple[
    str | None,
    datetime | None,
    bool,
    datetime,
    datetime | None,
    datetime | None,
    int | None,
]
_OPEN_WAIT = (Outcome.OPEN, 0)
# HandleType is a StrEnum: its members and WxCC's plain words find the same outcome.
_FROM_HANDLE_WORD: dict[str, Outcome] = {str(k): v for k, v in _FROM_HANDLE_TYPE.items()}


def outcomes_and_waits(
    facts: Iterable[WaitFacts], *, short_abandon_threshold_ms: int
) -> list[tuple[Outcome, int]]:
    """`classify`'s outcome and wait (its first two values) for many contacts at once, read
    from their plain fields: a list of a million contacts that is only written out would spend
    more on building a `Contact` each than on the rule. The same rule, step for step, and
    tested against `classify`; a word WxCC has no such handle type for counts as none.
    """
    from_handle_word = _FROM_HANDLE_WORD.get
    short_ms = short_abandon_threshold_ms
    decided: list[tuple[Outcome, int]] = []
    append = decided.append
    for handle_type, answered_at, is_open, arrived_at, created_at, ended_at, queue_ms in facts:
        outcome = from_handle_word(handle_type) if handle_type else None
        if outcome is None:
            if answered_at is not None:
                outcome = _ANSWERED
            elif is_open:
                append(_OPEN_WAIT)
                continue
            elif ended_at is not None and (
                (ended_at - (created_at or arrived_at)) // _MS < short_ms
            ):
                outcome = _SHORT_ABANDONED
            else:
                outcome = _ABANDONED
        until = answered_at if outcome is _ANSWERED else ended_at
        if until is not None:
            waited = (until - arrived_at) // _MS
            append((outcome, waited if waited > 0 else 0))
        else:
            append((outcome, queue_ms or 0))
    return decided


def contact_outcome(contact: Contact, *, short_abandon_threshold_ms: int) -> Outcome:
    """Answered, abandoned, short-abandoned or still open (see `classify`)."""
    return classify(contact, short_abandon_threshold_ms=short_abandon_threshold_ms)[0]
