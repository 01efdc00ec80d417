"""How one contact counts: outcome, wait and handle time (`classify`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wallboard.metrics import Contact, HandleType, Outcome
from wallboard.metrics.contacts import WaitFacts, classify, outcomes_and_waits, whole_ms

from .builders import abandoned, answered, at, contact, s, waiting

SHORT_MS = 5_000


def outcome_of(c: Contact) -> Outcome:
    return classify(c, short_abandon_threshold_ms=SHORT_MS)[0]


def test_wxcc_handle_type_wins_over_what_we_derive() -> None:
    quick_hang_up = abandoned("c1", arrived=at(9), wait_s=2)
    assert outcome_of(quick_hang_up) is Outcome.SHORT_ABANDONED
    assert outcome_of(replace(quick_hang_up, handle_type=HandleType.ABANDONED)) is (
        Outcome.ABANDONED
    )
    long_wait = abandoned("c2", arrived=at(9), wait_s=60)
    assert outcome_of(replace(long_wait, handle_type=HandleType.SHORT)) is Outcome.SHORT_ABANDONED
    answered_late = answered("c3", arrived=at(9), wait_s=60, talk_s=30)
    assert outcome_of(replace(answered_late, handle_type=HandleType.NORMAL)) is Outcome.ANSWERED


def test_unclassified_contacts_are_derived_from_their_times() -> None:
    assert outcome_of(answered("c1", arrived=at(9), wait_s=10, talk_s=60)) is Outcome.ANSWERED
    assert outcome_of(abandoned("c2", arrived=at(9), wait_s=30)) is Outcome.ABANDONED
    assert outcome_of(waiting("c3", arrived=at(9))) is Outcome.OPEN


def test_an_abandon_exactly_at_the_short_threshold_is_not_short() -> None:
    assert outcome_of(abandoned("c1", arrived=at(9), wait_s=5)) is Outcome.ABANDONED
    assert outcome_of(abandoned("c2", arrived=at(9), wait_s=4.999)) is Outcome.SHORT_ABANDONED


def test_the_short_threshold_counts_from_the_start_of_the_contact_when_known() -> None:
    # 30 s in self-service, then 2 s in queue: WxCC's rule counts from the start of the call.
    after_ivr = contact(id="c1", created_at=at(9), arrived_at=at(9, 0, 30), ended_at=at(9, 0, 32))
    assert outcome_of(after_ivr) is Outcome.ABANDONED
    unknown_start = contact(id="c2", arrived_at=at(9, 0, 30), ended_at=at(9, 0, 32))
    assert outcome_of(unknown_start) is Outcome.SHORT_ABANDONED


def test_wait_is_arrival_to_answer_or_to_abandon() -> None:
    _, answer_wait, *_ = classify(
        answered("c1", arrived=at(9), wait_s=12.5, talk_s=60), short_abandon_threshold_ms=SHORT_MS
    )
    _, abandon_wait, *_ = classify(
        abandoned("c2", arrived=at(9), wait_s=42), short_abandon_threshold_ms=SHORT_MS
    )
    assert (answer_wait, abandon_wait) == (12_500, 42_000)


def test_wait_falls_back_to_wxcc_queue_duration_and_never_goes_negative() -> None:
    handled_without_times = contact(handle_type=HandleType.NORMAL, queue_ms=7_000)
    assert classify(handled_without_times, short_abandon_threshold_ms=SHORT_MS)[1] == 7_000
    skewed = contact(arrived_at=at(9), answered_at=at(9) - s(2), ended_at=at(9, 5))
    assert classify(skewed, short_abandon_threshold_ms=SHORT_MS)[1] == 0


def test_handle_time_parts_use_wxcc_durations_and_derive_unknown_talk() -> None:
    known = answered("c1", arrived=at(9), wait_s=5, talk_s=100, hold_s=20, wrapup_s=30)
    assert classify(known, short_abandon_threshold_ms=SHORT_MS)[2:] == (
        True,
        100_000,
        20_000,
        30_000,
    )
    # 120 s from answer to end with 20 s on hold: talk is 100 s; no wrap-up known yet.
    unknown_talk = contact(
        arrived_at=at(9), answered_at=at(9, 0, 5), ended_at=at(9, 2, 5), hold_ms=20_000
    )
    assert classify(unknown_talk, short_abandon_threshold_ms=SHORT_MS)[2:] == (
        True,
        100_000,
        20_000,
        0,
    )


def test_an_answered_contact_still_open_has_no_handle_time_yet() -> None:
    talking = answered("c1", arrived=at(9), wait_s=5, talk_s=60, ended=False)
    assert classify(talking, short_abandon_threshold_ms=SHORT_MS)[2] is False


def test_whole_ms_floors_like_timedelta_division_across_days_and_signs() -> None:
    # 1 day, 2 s and 3,999 us is 86,402,003.999 ms: 86,402,003 whole.
    assert whole_ms(timedelta(days=1, seconds=2, microseconds=3_999)) == 86_402_003
    # 999 us short of a whole ms rounds down to 0; 1 us before zero is -1 ms (the floor).
    assert whole_ms(timedelta(microseconds=999)) == 0
    assert whole_ms(timedelta(microseconds=-1)) == -1
    # -1.5 ms floors to -2, as -1500 us // 1000 us does.
    assert whole_ms(timedelta(microseconds=-1_500)) == -2


def test_a_wait_of_a_day_or_more_is_counted_in_full_and_sub_ms_rests_are_dropped() -> None:
    arrived = at(9)
    late = answered("c1", arrived=arrived, wait_s=10, talk_s=60)
    day_later = replace(
        late, answered_at=arrived + timedelta(days=1, milliseconds=20, microseconds=900)
    )
    assert classify(day_later, short_abandon_threshold_ms=SHORT_MS)[1] == 86_400_020


def _facts(c: Contact) -> WaitFacts:
    return (
        c.handle_type,
        c.answered_at,
        c.is_open,
        c.arrived_at,
        c.created_at,
        c.ended_at,
        c.queue_ms,
    )


def test_many_contacts_at_once_get_the_outcome_and_wait_of_each() -> None:
    facts = [
        # 30 s in self-service, 2 s in the queue: abandoned (from the start), waited 2 s.
        ("", None, False, at(9, 0, 30), at(9), at(9, 0, 32), None),
        # 4.999 s in the queue: short; exactly the 5 s threshold is not.
        (None, None, False, at(9), None, at(9, 0, 4.999), None),
        (None, None, False, at(9), None, at(9, 0, 5), None),
        # WxCC's plain word for a handle type counts as the handle type.
        ("abandoned", at(9, 0, 20), False, at(9), None, at(9, 1), None),
        (HandleType.SHORT, None, False, at(9), None, None, 1_234),
        # Answered 12.5 s after arriving; a word WxCC has no handle type for counts as none.
        ("transferred", at(9, 0, 12.5), False, at(9), None, at(9, 5), None),
        (None, None, True, at(9), None, None, 9_000),
        # Answered before it arrived (clock skew): waited 0.
        ("normal", at(9) - s(2), False, at(9), None, at(9, 5), None),
    ]
    assert outcomes_and_waits(facts, short_abandon_threshold_ms=SHORT_MS) == [
        (Outcome.ABANDONED, 2_000),
        (Outcome.SHORT_ABANDONED, 4_999),
        (Outcome.ABANDONED, 5_000),
        (Outcome.ABANDONED, 60_000),
        (Outcome.SHORT_ABANDONED, 1_234),
        (Outcome.ANSWERED, 12_500),
        (Outcome.OPEN, 0),
        (Outcome.ANSWERED, 0),
    ]


# Whole seconds near 09:00, a microsecond either side of them, or none: so ties with the
# short threshold and skewed clocks come up often.
_MOMENTS = st.one_of(
    st.none(),
    st.builds(
        lambda seconds, us: at(9) + timedelta(seconds=seconds, microseconds=us),
        st.integers(min_value=-10, max_value=40),
        st.sampled_from([0, 1, 999_999]),
    ),
)


@given(
    handle_type=st.sampled_from([None, *HandleType]),
    answered_at=_MOMENTS,
    is_open=st.booleans(),
    created_at=_MOMENTS,
    ended_at=_MOMENTS,
    queue_ms=st.one_of(st.none(), st.integers(min_value=0, max_value=600_000)),
    short_ms=st.sampled_from([0, 5_000, 10_000]),
)
def test_outcomes_and_waits_agree_with_classify_on_any_contact(
    handle_type: HandleType | None,
    answered_at: object,
    is_open: bool,
    created_at: object,
    ended_at: object,
    queue_ms: int | None,
    short_ms: int,
) -> None:
    c = contact(
        handle_type=handle_type,
        answered_at=answered_at,
        is_open=is_open,
        created_at=created_at,
        ended_at=ended_at,
        queue_ms=queue_ms,
    )
    expected = classify(c, short_abandon_threshold_ms=short_ms)[:2]
    as_words = (str(handle_type) if handle_type else "", *_facts(c)[1:])
    assert outcomes_and_waits([_facts(c)], short_abandon_threshold_ms=short_ms) == [expected]
    assert outcomes_and_waits([as_words], short_abandon_threshold_ms=short_ms) == [expected]

    # Times as the database returns them for the abandoned list: epoch seconds.
    def seconds(moment: datetime | None) -> float | None:
        return None if moment is None else moment.timestamp()

    as_seconds: WaitFacts = (
        c.handle_type,
        seconds(c.answered_at),
        c.is_open,
        c.arrived_at.timestamp(),
        seconds(c.created_at),
        seconds(c.ended_at),
        c.queue_ms,
    )
    assert outcomes_and_waits([as_seconds], short_abandon_threshold_ms=short_ms) == [expected]
