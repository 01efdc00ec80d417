"""How one contact counts: its outcome, its wait and its handle time.

Every figure built from contacts (boards, queue summaries, intervals, agent performance)
classifies a contact with these functions and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import IntEnum

from .inputs import Contact, HandleType


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
    return max(0, whole_ms(end - start))


def whole_ms(span: timedelta) -> int:
    """`span // timedelta(milliseconds=1)`, exactly, at a third of its cost: dividing one
    timedelta by another converts both to big integers first. A timedelta keeps days,
    seconds (0 to 86,399) and microseconds (0 to 999,999), so the floor is exact by parts."""
    days = span.days
    ms = span.seconds * 1000 + span.microseconds // 1000
    return ms + days * 86_400_000 if days else ms


def threshold_ms(threshold_s: float) -> int:
    return round(threshold_s * 1000)


# How one contact counts: (outcome, wait ms, handled, talk ms, hold ms, wrap-up ms).
# A plain tuple because the engine makes one per contact per computation.
Classification = tuple[Outcome, int, bool, int, int, int]
_OPEN: Classification = (Outcome.OPEN, 0, False, 0, 0, 0)


def classify(contact: Contact, *, short_abandon_threshold_ms: int) -> Classification:
    """How `contact` counts (see `classify_positional`)."""
    return classify_positional(contact, short_abandon_threshold_ms)


def classify_positional(contact: Contact, short_abandon_threshold_ms: int, /) -> Classification:
    """How a contact counts: its outcome and wait (`outcome_and_wait`) and, when handled, its
    handle time.

    Handled: answered and finished, so it has a handle time, counted when it ended. Talk,
    hold and wrap-up are WxCC's durations when known; unknown hold and wrap-up count 0;
    unknown talk is answer-to-end minus hold.

    Positional, for the tallies that call it once per contact: a call with a keyword costs
    a tenth of the classification.
    """
    handle_type = contact.handle_type
    answered_at = contact.answered_at
    ended_at = contact.ended_at
    outcome, waited = outcome_and_wait(
        None if handle_type is None else _FROM_HANDLE_TYPE[handle_type],
        answered_at,
        contact.is_open,
        contact.arrived_at,
        contact.created_at,
        ended_at,
        contact.queue_ms,
        short_abandon_threshold_ms,
    )
    if outcome is _OPEN_OUTCOME:
        return _OPEN
    if outcome is not _ANSWERED or ended_at is None or contact.is_open:
        return (outcome, waited, False, 0, 0, 0)

    hold = contact.hold_ms or 0
    wrapup = contact.wrapup_ms or 0
    talk = contact.talk_ms
    if talk is None:
        talk = elapsed_ms(answered_at, ended_at) - hold if answered_at is not None else 0
        talk = talk if talk > 0 else 0
    return (outcome, waited, True, talk, hold, wrapup)


_OPEN_WAIT = (Outcome.OPEN, 0)


def outcome_and_wait(
    handle_outcome: Outcome | None,
    answered_at: datetime | None,
    is_open: bool,
    arrived_at: datetime,
    created_at: datetime | None,
    ended_at: datetime | None,
    queue_ms: int | None,
    short_abandon_threshold_ms: int,
    /,
) -> tuple[Outcome, int]:
    """The one place that decides a contact's outcome and wait.

    Outcome: WxCC's `contactHandleType` when it has classified the contact (`handle_outcome`,
    its outcome). Otherwise answered when an agent answered; still open while it has not
    ended; else abandoned, and short when it ended less than the short threshold after it
    started (WxCC's short-call rule counts from the start of the contact: `created_at`, else
    arrival).

    Wait: arrival to answer (answered) or to end (abandoned); without those times WxCC's
    `queueDuration`, else 0. Negative spans from clock skew count 0.
    """
    if handle_outcome is not None:
        outcome = handle_outcome
    elif answered_at is not None:
        outcome = _ANSWERED
    elif is_open:
        return _OPEN_WAIT
    elif ended_at is not None and (
        whole_ms(ended_at - (created_at or arrived_at)) < short_abandon_threshold_ms
    ):
        outcome = _SHORT_ABANDONED
    else:
        outcome = _ABANDONED
    if outcome is _OPEN_OUTCOME:
        return _OPEN_WAIT
    until = answered_at if outcome is _ANSWERED else ended_at
    if until is None:
        return (outcome, queue_ms or 0)
    # `whole_ms(until - arrived_at)`, inlined: this runs once per contact per computation.
    span = until - arrived_at
    days = span.days
    if days == 0:
        return (outcome, span.seconds * 1000 + span.microseconds // 1000)
    return (outcome, whole_ms(span) if days > 0 else 0)


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
# HandleType is a StrEnum: its members and WxCC's plain words find the same outcome.
_FROM_HANDLE_WORD: dict[str, Outcome] = {str(k): v for k, v in _FROM_HANDLE_TYPE.items()}


def outcomes_and_waits(
    facts: Iterable[WaitFacts], *, short_abandon_threshold_ms: int
) -> list[tuple[Outcome, int]]:
    """`outcome_and_wait` for many contacts at once, read from their plain fields: a list of
    a million contacts that is only written out would spend more on building a `Contact`
    each than on the rule. A word WxCC has no such handle type for counts as none."""
    from_handle_word = _FROM_HANDLE_WORD.get
    decide = outcome_and_wait
    short_ms = short_abandon_threshold_ms
    return [
        decide(
            from_handle_word(handle_type) if handle_type else None,
            answered_at,
            is_open,
            arrived_at,
            created_at,
            ended_at,
            queue_ms,
            short_ms,
        )
        for handle_type, answered_at, is_open, arrived_at, created_at, ended_at, queue_ms in facts
    ]


def contact_outcome(contact: Contact, *, short_abandon_threshold_ms: int) -> Outcome:
    """Answered, abandoned, short-abandoned or still open (see `classify`)."""
    return classify(contact, short_abandon_threshold_ms=short_abandon_threshold_ms)[0]
