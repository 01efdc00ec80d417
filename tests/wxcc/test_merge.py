"""The merge rules on hand-worked cases: what changes, what is recorded, what boards see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.wxcc.memory_store import AgentStore, TaskStore, pk
from wxcc.merge import TaskView, close_task, merge_task
from wxcc.merge_agents import (
    SessionView,
    close_session,
    merge_agent,
    state_since_from_history,
)
from wxcc.models import AgentState, Source, TaskStatus
from wxcc.observations import (
    AgentObservation,
    Ref,
    TaskClassification,
    TaskDurations,
    TaskObservation,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANN = Ref("a-ann", "Ann")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_new_task_is_created_with_every_field_and_one_history_row() -> None:
    result = merge_task(
        None,
        TaskObservation("t-1", TaskStatus.QUEUED, at(5), queue=Ref("q"), created_at=at(0)),
        queue_id=7,
        agent_id=None,
        source=Source.POLL,
    )
    assert result.before is None
    assert result.visible
    assert result.state.queue_id == 7
    assert (result.state.created_at, result.state.queued_at) == (at(0), at(5))
    assert [(r.status, r.at, r.queue_wxcc_id) for r in result.history] == [
        (TaskStatus.QUEUED, at(5), "q")
    ]


def test_news_older_than_the_status_fills_milestones_but_leaves_the_status() -> None:
    stored = TaskView(status=TaskStatus.CONNECTED, status_at=at(30), created_at=at(0))
    result = merge_task(
        stored,
        TaskObservation("t-1", TaskStatus.QUEUED, at(4), queue=Ref("q")),
        queue_id=3,
        agent_id=None,
        source=Source.WEBHOOK,
    )
    assert result.state.status == TaskStatus.CONNECTED
    assert result.state.queued_at == at(4)
    assert result.changed_fields == {"queued_at", "queue_id", "queue_at"}
    assert result.visible  # the queue is new to the board
    assert len(result.history) == 1  # every webhook is history


def test_durations_fill_in_without_erasing_what_a_partial_report_left_out() -> None:
    stored = TaskView(
        status=TaskStatus.ENDED,
        status_at=at(90),
        created_at=at(0),
        ended_at=at(90),
        hold_duration_ms=1_000,
    )
    result = merge_task(
        stored,
        TaskObservation("t-1", TaskStatus.ENDED, at(90), durations=TaskDurations(total_ms=90_000)),
        queue_id=None,
        agent_id=None,
        source=Source.POLL,
    )
    assert (result.state.total_duration_ms, result.state.hold_duration_ms) == (90_000, 1_000)
    assert result.changed_fields == {"total_duration_ms", "source"}
    assert result.history == ()
    assert not result.visible


def test_a_task_the_poll_no_longer_lists_ends_at_the_polls_time() -> None:
    stored = TaskView(status=TaskStatus.QUEUED, status_at=at(5), created_at=at(0), queue_id=2)
    result = close_task(stored, at(60))
    assert (result.state.status, result.state.ended_at, result.state.source) == (
        TaskStatus.ENDED,
        at(60),
        Source.POLL,
    )
    assert result.changed_fields == {"status", "status_at", "ended_at", "source"}


def session(**values: object) -> SessionView:
    base: dict[str, object] = {
        "key": 1,
        "state": AgentState.AVAILABLE,
        "state_since": at(0),
        "state_at": at(0),
        "login_at": at(0),
    }
    base.update(values)
    return SessionView(**base)  # type: ignore[arg-type]


def test_a_late_state_inside_a_run_splits_it_and_moves_when_the_state_began() -> None:
    store = AgentStore()
    store.apply(AgentObservation(ANN, AgentState.AVAILABLE, at(0)))
    store.apply(AgentObservation(ANN, AgentState.AVAILABLE, at(100)))
    assert store.view("a-ann")[0][2] == at(0)  # available since the login
    # A break from 50 s (reported late) means the current run began at 100 s.
    store.apply(AgentObservation(ANN, AgentState.IDLE, at(50), idle_code="Break"))
    state, _, since, login, _ = store.view("a-ann")[0]
    assert (state, since, login) == (AgentState.AVAILABLE, at(100), at(0))


def test_late_news_without_the_sessions_history_reads_the_session_as_its_history() -> None:
    current = session(state_at=at(100), state_since=at(0))
    result = merge_agent(
        [current],
        AgentObservation(ANN, AgentState.IDLE, at(50), idle_code="Break"),
        team_id=None,
        source=Source.WEBHOOK,
    )
    (after,) = result.sessions
    # Available since 0, a break at 50: the available run that is current began at 100.
    assert (after.state, after.state_since) == (AgentState.AVAILABLE, at(100))
    assert result.visible  # "available for ..." on a board changes


def test_a_finished_session_from_before_the_open_one_becomes_its_own_closed_session() -> None:
    """What the backfill brings: the agent's morning session, while the afternoon one (known
    from webhooks) is open."""
    store = AgentStore()
    store.apply(AgentObservation(ANN, AgentState.AVAILABLE, at(7200), login_at=at(7200)))
    store.apply(AgentObservation(ANN, AgentState.LOGGED_OUT, at(3600), login_at=at(0)), Source.POLL)
    assert store.view("a-ann") == [
        (AgentState.LOGGED_OUT, "", at(3600), at(0), at(3600)),
        (AgentState.AVAILABLE, "", at(7200), at(7200), None),
    ]
    # Read again (the next backfill): nothing changes, nothing is recorded.
    again = store.apply(
        AgentObservation(ANN, AgentState.LOGGED_OUT, at(3600), login_at=at(0)), Source.POLL
    )
    assert again.history == ()
    assert not again.visible


def test_an_agent_the_poll_no_longer_lists_is_logged_out_at_the_polls_time() -> None:
    result = close_session(session(state=AgentState.IDLE, idle_code="Lunch"), at(60))
    (closed,) = result.sessions
    assert (closed.state, closed.idle_code, closed.logout_at, closed.state_since) == (
        AgentState.LOGGED_OUT,
        "",
        at(60),
        at(60),
    )
    assert result.visible


def test_state_since_is_the_start_of_the_newest_run_of_the_current_state() -> None:
    from wxcc.merge_agents import ChangeRow

    rows = [
        ChangeRow(1, AgentState.IDLE, at(0), Source.WEBHOOK, "Login", seq=1),
        ChangeRow(1, AgentState.AVAILABLE, at(10), Source.WEBHOOK, seq=2),
        ChangeRow(1, AgentState.AVAILABLE, at(20), Source.POLL, seq=3),
        ChangeRow(1, AgentState.AVAILABLE, at(99), Source.WEBHOOK, seq=4),  # after state_at
    ]
    assert state_since_from_history(rows, AgentState.AVAILABLE, "", at(30)) == at(10)
    assert state_since_from_history(rows, AgentState.IDLE, "Login", at(5)) == at(0)


def test_a_task_store_and_its_history_agree_on_a_transfer() -> None:
    store = TaskStore()
    store.apply(TaskObservation("t-1", TaskStatus.QUEUED, at(0), queue=Ref("q-a")))
    store.apply(TaskObservation("t-1", TaskStatus.QUEUED, at(60), queue=Ref("q-b")))
    store.apply(TaskObservation("t-1", TaskStatus.QUEUED, at(30), queue=Ref("q-a")))  # late
    task = store.tasks["t-1"]
    assert (task.queue_id, task.queue_at, task.queued_at) == (pk(Ref("q-b")), at(60), at(0))
    assert [r.queue_wxcc_id for r in store.history["t-1"]] == ["q-a", "q-b", "q-a"]


# --- how a contact ended: search's word once it has ended ------------------------------------

SHORT = TaskClassification(
    contact_handle_type="short",
    abandoned_type="queue",
    terminating_end="Customer",
    termination_reason="Customer Left",
)


def webhook_end(seconds: float) -> TaskObservation:
    """task:ended as the receiver maps it: the reason as the termination type, no handle type."""
    return TaskObservation("t-1", TaskStatus.ENDED, at(seconds), termination_type="Customer Left")


def search_end(seconds: float) -> TaskObservation:
    return TaskObservation(
        "t-1",
        TaskStatus.ENDED,
        at(seconds),
        ended_at=at(seconds),
        termination_type="abandoned",
        classification=SHORT,
    )


def classified(store: TaskStore) -> tuple[str, str, str, str, str]:
    task = store.tasks["t-1"]
    return (
        task.termination_type,
        task.contact_handle_type,
        task.abandoned_type,
        task.terminating_end,
        task.termination_reason,
    )


SEARCH_SAYS = ("abandoned", "short", "queue", "Customer", "Customer Left")


def test_searchs_classification_replaces_what_a_webhook_said_about_an_ended_task() -> None:
    store = TaskStore()
    store.apply(TaskObservation("t-1", TaskStatus.QUEUED, at(0), queue=Ref("q")))
    store.apply(webhook_end(9))
    assert classified(store)[:2] == ("Customer Left", "")
    store.apply(search_end(8), Source.POLL)  # search's end time is a little earlier
    assert classified(store) == SEARCH_SAYS


def test_a_later_webhook_does_not_undo_searchs_classification() -> None:
    store = TaskStore()
    store.apply(search_end(8), Source.POLL)
    store.apply(webhook_end(9))
    assert classified(store) == SEARCH_SAYS


def test_a_task_open_again_keeps_no_classification() -> None:
    store = TaskStore()
    store.apply(search_end(8), Source.POLL)
    store.apply(TaskObservation("t-1", TaskStatus.QUEUED, at(20), queue=Ref("q")))
    assert classified(store) == ("", "", "", "", "")
    # ...and an older ending read late does not classify it while it is open.
    store.apply(search_end(8), Source.POLL)
    assert classified(store) == ("", "", "", "", "")


@given(order=st.permutations(range(4)))
def test_the_classification_does_not_depend_on_the_order_news_arrives_in(
    order: list[int],
) -> None:
    news = [
        (TaskObservation("t-1", TaskStatus.QUEUED, at(0), queue=Ref("q")), Source.WEBHOOK),
        (TaskObservation("t-1", TaskStatus.QUEUED, at(1), queue=Ref("q")), Source.POLL),
        (webhook_end(9), Source.WEBHOOK),
        (search_end(8), Source.POLL),
    ]
    store = TaskStore()
    for index in order:
        obs, source = news[index]
        store.apply(obs, source)
    assert classified(store) == SEARCH_SAYS
    assert store.tasks["t-1"].status == TaskStatus.ENDED
