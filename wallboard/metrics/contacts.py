"""How one contact counts: its outcome, its wait and its handle time.

Every figure built from contacts (boards, queue summaries, intervals, agent performance,
abandoned-contact lists) classifies contacts with `classify_columns` and nothing else: one
rule, written once over columns of contacts (`columns.ContactColumns`) so that a center's
hundred thousand contacts are classified as array operations. The per-contact functions
below (`classify`, `outcomes_and_waits`) put their contacts into columns and call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .columns import (
    HANDLE_TYPE_CODES,
    MISSING,
    NO_CODE,
    NO_HANDLE_TYPE,
    Bools,
    ContactColumns,
    Int64s,
    contact_columns,
    seconds_to_us,
    times_us,
)
from .inputs import Contact, Outcome

_OUTCOMES = tuple(Outcome)


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


@dataclass(frozen=True, slots=True, eq=False)
class Classified:
    """How each contact of some columns counts (row i: contact i). Times in ms.

    `outcome` holds `Outcome` values; `handled` is answered and finished, with its talk,
    hold and wrap-up (0 for the others)."""

    outcome: np.ndarray
    waited_ms: Int64s
    handled: Bools
    talk_ms: Int64s
    hold_ms: Int64s
    wrapup_ms: Int64s


def _whole_ms_between(start_us: Int64s, end_us: Int64s) -> Int64s:
    """Whole ms from start to end, floored like `whole_ms` (also for negative spans)."""
    return (end_us - start_us) // 1000


def outcomes_and_waits_of(
    columns: ContactColumns, *, short_abandon_threshold_ms: int
) -> tuple[np.ndarray, Int64s]:
    """The one place that decides contacts' outcomes and waits.

    Outcome: WxCC's `contactHandleType` when it has classified the contact. Otherwise
    answered when an agent answered; still open while it has not ended; else abandoned, and
    short when it ended less than the short threshold after it started (WxCC's short-call
    rule counts from the start of the contact: `created_at`, else arrival).

    Wait: arrival to answer (answered) or to end (abandoned); without those times WxCC's
    `queueDuration`, else 0. Negative spans from clock skew count 0.
    """
    c = columns
    answered = c.answered_us != MISSING
    ended = c.ended_us != MISSING
    started_us = np.where(c.created_us != MISSING, c.created_us, c.arrived_us)
    short = ended & (
        _whole_ms_between(started_us, np.where(ended, c.ended_us, started_us))
        < short_abandon_threshold_ms
    )
    derived = np.where(
        answered,
        Outcome.ANSWERED,
        np.where(
            c.is_open,
            Outcome.OPEN,
            np.where(short, Outcome.SHORT_ABANDONED, Outcome.ABANDONED),
        ),
    ).astype(np.int8)
    outcome = np.where(c.handle_type != NO_HANDLE_TYPE, c.handle_type, derived).astype(np.int8)
    until_us = np.where(outcome == Outcome.ANSWERED, c.answered_us, c.ended_us)
    has_until = until_us != MISSING
    span_ms = _whole_ms_between(c.arrived_us, np.where(has_until, until_us, c.arrived_us))
    queue_ms = np.where(c.queue_ms != MISSING, c.queue_ms, 0)
    waited = np.where(has_until, np.maximum(span_ms, 0), queue_ms)
    waited[outcome == Outcome.OPEN] = 0
    return outcome, waited


def classify_columns(columns: ContactColumns, *, short_abandon_threshold_ms: int) -> Classified:
    """How each contact counts: its outcome and wait (`outcomes_and_waits_of`) and, when
    handled, its handle time.

    Handled: answered and finished, so it has a handle time, counted when it ended. Talk,
    hold and wrap-up are WxCC's durations when known; unknown hold and wrap-up count 0;
    unknown talk is answer-to-end minus hold.
    """
    c = columns
    outcome, waited = outcomes_and_waits_of(
        c, short_abandon_threshold_ms=short_abandon_threshold_ms
    )
    ended = c.ended_us != MISSING
    handled = (outcome == Outcome.ANSWERED) & ended & ~c.is_open
    hold = np.where(handled & (c.hold_ms != MISSING), c.hold_ms, 0)
    wrapup = np.where(handled & (c.wrapup_ms != MISSING), c.wrapup_ms, 0)
    answered = c.answered_us != MISSING
    answer_to_end = np.maximum(
        _whole_ms_between(
            np.where(answered, c.answered_us, 0), np.where(answered & ended, c.ended_us, 0)
        ),
        0,
    )
    derived_talk = np.where(answered, np.maximum(answer_to_end - hold, 0), 0)
    talk = np.where(handled, np.where(c.talk_ms != MISSING, c.talk_ms, derived_talk), 0)
    return Classified(outcome, waited, handled, talk, hold, wrapup)


# How one contact counts: (outcome, wait ms, handled, talk ms, hold ms, wrap-up ms).
Classification = tuple[Outcome, int, bool, int, int, int]


def classify(contact: Contact, *, short_abandon_threshold_ms: int) -> Classification:
    """How `contact` counts (`classify_columns` of that one contact)."""
    got = classify_columns(
        contact_columns([contact]), short_abandon_threshold_ms=short_abandon_threshold_ms
    )
    return (
        _OUTCOMES[int(got.outcome[0])],
        int(got.waited_ms[0]),
        bool(got.handled[0]),
        int(got.talk_ms[0]),
        int(got.hold_ms[0]),
        int(got.wrapup_ms[0]),
    )


# What a contact's outcome and wait are decided from, in this order: handle_type (a HandleType,
# its word as WxCC wrote it, or ""/None before WxCC classified the contact), answered_at,
# is_open, arrived_at, created_at, ended_at, queue_ms. Each time column is aware datetimes
# or epoch seconds (floats, as the database returns them: no conversion per value).
Moment = datetime | float
WaitFacts = tuple[
    str | None,
    Moment | None,
    bool,
    Moment,
    Moment | None,
    Moment | None,
    int | None,
]


def outcomes_and_waits(
    facts: Iterable[WaitFacts], *, short_abandon_threshold_ms: int
) -> list[tuple[Outcome, int]]:
    """`outcomes_and_waits_of` for contacts given by their plain fields: a list of a million
    contacts that is only written out would spend more on building a `Contact` each than on
    the rule. A word WxCC has no such handle type for counts as none."""
    listed = facts if isinstance(facts, list) else list(facts)
    if not listed:
        return []
    n = len(listed)
    (handle_types, answered, is_open, arrived, created, ended, queue_ms) = zip(*listed, strict=True)
    words = HANDLE_TYPE_CODES
    # Only the fields the rule reads; the rest are constant (no ids, no durations).
    no_code = np.full(n, NO_CODE, dtype=np.int32)
    no_duration = np.full(n, MISSING, dtype=np.int64)
    no_text = np.full(n, "", dtype=object)
    columns = ContactColumns(
        queue_ids=(),
        team_ids=(),
        agent_ids=(),
        ids=no_text,
        channel_types=no_text,
        queue=no_code,
        team=no_code,
        agent=no_code,
        arrived_us=_moments_us(arrived),
        answered_us=_moments_us(answered),
        ended_us=_moments_us(ended),
        created_us=_moments_us(created),
        handle_type=np.array(
            [words.get(h, NO_HANDLE_TYPE) if h else NO_HANDLE_TYPE for h in handle_types],
            dtype=np.int8,
        ),
        queue_ms=np.array([MISSING if q is None else q for q in queue_ms], dtype=np.int64),
        talk_ms=no_duration,
        hold_ms=no_duration,
        wrapup_ms=no_duration,
        transfer_count=np.zeros(n, dtype=np.int64),
        is_open=np.array(is_open, dtype=np.bool_),
        is_waiting=np.zeros(n, dtype=np.bool_),
    )
    outcome, waited = outcomes_and_waits_of(
        columns, short_abandon_threshold_ms=short_abandon_threshold_ms
    )
    outcomes = _OUTCOMES
    return [(outcomes[o], w) for o, w in zip(outcome.tolist(), waited.tolist(), strict=True)]


def _moments_us(moments: Sequence[datetime | float | None]) -> Int64s:
    """A column of aware datetimes, or of epoch seconds as the database returns them, as
    epoch microseconds."""
    first = next((m for m in moments if m is not None), None)
    if isinstance(first, datetime):
        return times_us(moments)  # type: ignore[arg-type]
    return seconds_to_us(moments)  # type: ignore[arg-type]


def contact_outcome(contact: Contact, *, short_abandon_threshold_ms: int) -> Outcome:
    """Answered, abandoned, short-abandoned or still open (see `classify`)."""
    return classify(contact, short_abandon_threshold_ms=short_abandon_threshold_ms)[0]
