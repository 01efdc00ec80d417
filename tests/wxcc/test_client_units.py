"""Client pieces that need no server: error bodies, GraphQL literals, back-off, aggregates."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcc.api_types import TaskRecord
from wxcc.client_support import backoff_s, error_details, next_cursor, parse_all
from wxcc.exceptions import WxccUnexpectedAnswer
from wxcc.ratelimit import MAX_RETRY_AFTER_S, retry_after_seconds
from wxcc.search_queries import Enum, graphql_literal, sum_queue_groups


def test_a_subscriptions_error_key_is_an_integer_and_is_kept_as_text() -> None:
    response = httpx.Response(
        400,
        json={
            "trackingId": "NOTIFS_1",
            "error": {"key": 400, "message": [{"description": "Body is invalid JSON."}]},
        },
    )
    assert error_details(response) == ("400", ("Body is invalid JSON.",), "NOTIFS_1")


def test_a_search_error_key_is_a_string() -> None:
    response = httpx.Response(
        403, json={"trackingId": "t", "error": {"key": "403", "message": [{"description": "no"}]}}
    )
    assert error_details(response)[0] == "403"


def test_an_error_body_that_is_not_json_gives_no_details() -> None:
    assert error_details(httpx.Response(400, text="<html>")) == ("", (), "")


def test_graphql_literals_quote_strings_and_leave_enums_bare() -> None:
    rendered = graphql_literal(
        {"and": [{"channelType": {"equals": Enum("telephony")}}, {"status": {"equals": "ended"}}],
         "isActive": {"equals": True}, "createdTime": {"gte": 5}}
    )  # fmt: skip
    assert rendered == (
        '{and: [{channelType: {equals: telephony}}, {status: {equals: "ended"}}], '
        "isActive: {equals: true}, createdTime: {gte: 5}}"
    )


@given(attempt=st.integers(1, 20), base=st.floats(0.001, 5))
def test_back_off_stays_between_zero_and_the_capped_exponential(attempt: int, base: float) -> None:
    assert 0 <= backoff_s(attempt, base, cap_s=10) <= min(10, base * 2 ** (attempt - 1))


def test_retry_after_in_seconds_is_honoured_and_a_missing_one_uses_the_default() -> None:
    assert retry_after_seconds("4", 30) == 4
    assert retry_after_seconds(None, 30) == 30
    assert retry_after_seconds("soon", 30) == 30


def test_a_retry_after_that_is_not_a_sane_number_cannot_stop_polling_for_days() -> None:
    assert retry_after_seconds("nan", 30) == 30
    assert retry_after_seconds("inf", 30) == 30
    assert retry_after_seconds("1e12", 30) == MAX_RETRY_AFTER_S


def test_cursors_go_back_exactly_as_they_came_and_the_last_page_has_none() -> None:
    composite = "intervalStartTime=1669507200000::channelType=chat::lastEntryPoint.name=Ep7"
    assert next_cursor({"hasNextPage": True, "endCursor": composite}) == composite
    assert next_cursor({"hasNextPage": True, "endCursor": "0"}) == "0"
    assert next_cursor({"hasNextPage": True, "endCursor": 17}) == "17"
    assert next_cursor({"hasNextPage": False, "endCursor": "x"}) is None
    assert next_cursor({"hasNextPage": True, "endCursor": None}) is None
    with pytest.raises(WxccUnexpectedAnswer):
        next_cursor({"hasNextPage": True, "endCursor": {"page": 2}})


def agg(**values: float) -> list[dict[str, object]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def test_grouped_rows_sum_to_one_total_per_queue_counting_abandons_by_handle_type() -> None:
    q = {"id": "q1", "name": "Sales"}
    rows = [
        {"lastQueue": q, "isActive": True, "contactHandleType": None,
         "aggregation": agg(tasks=2.0, queueMs=10_000.0, maxQueueMs=8_000.0)},
        {"lastQueue": q, "isActive": False, "contactHandleType": "abandoned",
         "aggregation": agg(tasks=1.0, queueMs=30_000.0, maxQueueMs=30_000.0)},
        {"lastQueue": q, "isActive": False, "contactHandleType": "short",
         "aggregation": agg(tasks=2.0, queueMs=8_000.0, maxQueueMs=5_000.0)},
        {"lastQueue": q, "isActive": False, "contactHandleType": "normal",
         "aggregation": agg(tasks=3.0, queueMs=20_000.0, maxQueueMs=9_000.0,
                            connectedMs=300_000.0, holdMs=30_000.0, wrapupMs=30_000.0)},
        {"lastQueue": {"id": None}, "isActive": False, "contactHandleType": "normal",
         "aggregation": agg(tasks=7.0)},
    ]  # fmt: skip
    [total] = sum_queue_groups(rows)
    assert (total.offered, total.active, total.ended) == (8, 2, 6)
    assert (total.abandoned, total.short_abandoned, total.handled) == (1, 2, 3)
    assert total.max_queue_ms == 30_000
    assert total.avg_queue_ms == pytest.approx(68_000 / 8)
    assert total.avg_handle_ms == pytest.approx(360_000 / 3)


def test_a_malformed_record_is_an_unexpected_answer_not_a_crash() -> None:
    with pytest.raises(WxccUnexpectedAnswer):
        parse_all(TaskRecord.parse, [{"id": "t1", "status": "parked"}])  # no createdTime
