"""What a supervisor sees, in headless Chromium against our live ASGI server: filtering the
agent table (the filter lands in the URL), rows changing and joining live over the websocket, the
queue table and a queue's drill-down with its chart, on a desktop and a 390 px phone.
Screenshots go to artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from tests.fixtures.browser import ARTIFACTS, headless_chromium
from tests.fixtures.factories import MembershipFactory
from tests.fixtures.wxcc_factories import QueueFactory
from tests.wallboard.supervisor_floor import Floor, add_task, build_floor
from wallboard.live import push_change
from wxcc.models import Agent, AgentSession, AgentState, TaskStatus
from wxcc.signals import LiveStateChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def browser(live_asgi: str, settings: Any) -> Iterator[Any]:
    """Chromium on our live server. Rows are created before entering: the ORM must not run
    on the thread whose event loop Playwright owns."""
    with headless_chromium(settings) as chromium:
        yield chromium


def busy_floor() -> Floor:
    """60 agents, four queues, contacts waiting, handled today and yesterday."""
    now = timezone.now()
    floor = build_floor(agents=60, now=now)
    floor.queues += [
        QueueFactory.create(organization=floor.org, name="Support"),
        QueueFactory.create(organization=floor.org, name="Retention"),
    ]
    for i, agent in enumerate(floor.agents):
        queue = floor.queues[i % len(floor.queues)]
        for n in range(i % 4):
            add_task(
                floor,
                queue=queue,
                agent=agent,
                now=now,
                status=TaskStatus.ENDED,
                arrived_s_ago=600 + 900 * n + 7 * i,
                wait_s=5 + i % 40,
                talk_s=120 + 9 * i,
                wrapup_s=30,
            )
        if i % 5 == 3:  # connected
            add_task(
                floor,
                queue=queue,
                agent=agent,
                now=now,
                status=TaskStatus.CONNECTED,
                arrived_s_ago=90,
            )
        if i % 5 == 2:  # ringing
            add_task(
                floor,
                queue=queue,
                agent=agent,
                now=now,
                status=TaskStatus.OFFERED,
                arrived_s_ago=20,
            )
    for i in range(5):
        add_task(
            floor,
            queue=floor.queues[0],
            now=now,
            status=TaskStatus.QUEUED,
            arrived_s_ago=30 + 40 * i,
        )
        add_task(
            floor,
            queue=floor.queues[0],
            now=now,
            status=TaskStatus.ENDED,
            arrived_s_ago=400 + 800 * i,
            wait_s=45,
        )  # abandoned
    for i in range(40):
        add_task(
            floor,
            queue=floor.queues[i % 4],
            agent=floor.agents[i],
            now=now - timedelta(days=1),
            status=TaskStatus.ENDED,
            arrived_s_ago=300 + 500 * i,
            wait_s=3 + i,
            talk_s=200,
        )
    MembershipFactory.create(organization=floor.org, user__username="sam")
    return floor


def sign_in(page: Any) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign in", exact=True).click()


def goes_to_lunch(floor: Floor, agent_pk: int) -> None:
    """On another thread (Playwright owns this one): an agent's state changes and is pushed."""

    def run() -> None:
        AgentSession.objects.filter(agent_id=agent_pk).update(
            state=AgentState.IDLE, idle_code="Coaching", state_since=timezone.now()
        )
        push_change(LiveStateChange.of(floor.org.pk, agent_ids=[agent_pk]))
        connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


def logs_in(floor: Floor) -> int:
    """A new agent of the first team logs in (on another thread); its pk."""
    made: list[int] = []

    def run() -> None:
        now = timezone.now()
        agent = Agent.objects.create(
            organization=floor.org, wxcc_id="late-1", name="Zoe Late", team=floor.teams[0]
        )
        AgentSession.objects.create(
            organization=floor.org,
            agent=agent,
            team=floor.teams[0],
            state=AgentState.AVAILABLE,
            state_since=now,
            state_at=now,
            login_at=now,
        )
        push_change(LiveStateChange.of(floor.org.pk, agent_ids=[agent.pk]))
        made.append(agent.pk)
        connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return made[0]


def test_a_supervisor_filters_the_agents_and_drills_into_a_queue(
    live_asgi: str, settings: Any
) -> None:
    floor = busy_floor()
    alpha = floor.teams[0]
    billing = floor.queues[0]
    watched = next(a for i, a in enumerate(floor.agents) if i % 2 == 0 and i % 5 == 0)
    with browser(live_asgi, settings) as chromium:
        page = chromium.new_page(
            bypass_csp=True, base_url=live_asgi, viewport={"width": 1360, "height": 900}
        )
        sign_in(page)
        page.get_by_role("link", name="Agents").first.click()
        page.wait_for_selector("#supervisor-status.is-live")
        page.get_by_label("Team").select_option(label=alpha.name)
        page.wait_for_url(f"**/agents/?*team={alpha.pk}*")
        page.get_by_label("State").select_option(label="Available")
        page.wait_for_url("**state=available*")
        shown = page.locator("#agent-rows tr:visible").count()
        count_text = page.locator("#agent-count").inner_text()
        page.get_by_role("link", name="Time in state").click()
        page.wait_for_url("**sort=time*")
        goes_to_lunch(floor, watched.pk)
        row = page.locator(f"#agent-{watched.pk}")
        row.locator(".state-idle").wait_for(state="attached")
        live_row_text = row.inner_text()
        row_hidden = row.is_hidden()  # no longer matches "Available"
        newcomer = logs_in(floor)
        page.locator(f"#agent-{newcomer}").wait_for(state="visible")
        rows_in_table = page.locator("#agent-rows tr").count()
        page.get_by_label("State").select_option(label="Any state")
        page.wait_for_function("!location.search.includes('state=available')")
        url_after_clearing_state = page.url
        page.screenshot(path=str(ARTIFACTS / "supervisor-agents.png"), full_page=False)

        page.get_by_role("link", name="Queues").first.click()
        page.wait_for_selector("#queue-table")
        page.wait_for_selector("#supervisor-status.is-live")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "supervisor-queues.png"), full_page=True)
        page.get_by_role("link", name="Billing").click()
        page.wait_for_url(f"**/queues/{billing.pk}/")
        page.wait_for_selector("#supervisor-status.is-live")
        waiting_rows = page.locator(f"#queue-{billing.pk}-waiting tbody tr").count()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "supervisor-queue-detail.png"), full_page=True)
        canvas_drawn = page.locator("#chart-volume").get_attribute("data-drawn")

        phone = chromium.new_page(
            bypass_csp=True, base_url=live_asgi, viewport={"width": 390, "height": 844}
        )
        sign_in(phone)
        phone.goto(f"/agents/?team={alpha.pk}")
        phone.wait_for_selector("#supervisor-status.is-live")
        phone.screenshot(path=str(ARTIFACTS / "supervisor-agents-phone.png"), full_page=False)
        phone_overflow = phone.evaluate("document.documentElement.scrollWidth")
        phone.goto("/queues/")
        phone.wait_for_selector("#supervisor-status.is-live")
        phone.screenshot(path=str(ARTIFACTS / "supervisor-queues-phone.png"), full_page=False)
        phone.goto(f"/queues/{billing.pk}/")
        phone.wait_for_selector("#supervisor-status.is-live")
        phone.screenshot(path=str(ARTIFACTS / "supervisor-queue-detail-phone.png"), full_page=True)

    alphas_available = sum(1 for i in range(60) if i % 2 == 0 and i % 5 == 0)
    assert shown == alphas_available
    assert count_text.startswith(f"Showing {alphas_available} of 60")
    assert "Idle" in live_row_text
    assert "Coaching" in live_row_text
    assert row_hidden
    # The filtered rows, the newcomer; no row of an agent who does not match was added.
    assert rows_in_table == alphas_available + 1
    assert "sort=time" in url_after_clearing_state  # the order survives a filter change
    assert f"team={alpha.pk}" in url_after_clearing_state
    # Five queued, and the contacts ringing Billing's agents (i % 5 == 2, i % 4 == 0).
    assert waiting_rows == 5 + sum(1 for i in range(60) if i % 5 == 2 and i % 4 == 0)
    assert canvas_drawn == "1"
    assert phone_overflow <= 390  # tables scroll inside their box, the page does not


def test_an_overnight_answer_hours_late_does_not_flatten_the_asa_chart(
    live_asgi: str, settings: Any
) -> None:
    # Ten intervals answered within a minute, and one contact answered five hours late (an
    # email left overnight): the ASA axis must still show the minute-scale intervals.
    now = timezone.now()
    floor = build_floor(agents=2, now=now)
    queue, agent = floor.queues[0], floor.agents[0]
    for n in range(10):
        add_task(
            floor,
            queue=queue,
            agent=agent,
            now=now,
            status=TaskStatus.ENDED,
            arrived_s_ago=1800 * (n + 1),
            wait_s=20 + 3 * n,
            talk_s=60,
        )
    add_task(
        floor,
        queue=queue,
        agent=agent,
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=1800 * 12 + 5 * 3600,
        wait_s=5 * 3600,
        talk_s=60,
    )
    MembershipFactory.create(organization=floor.org, user__username="sam")
    with browser(live_asgi, settings) as chromium:
        page = chromium.new_page(
            bypass_csp=True, base_url=live_asgi, viewport={"width": 1360, "height": 900}
        )
        sign_in(page)
        page.goto(f"/queues/{queue.pk}/")
        page.wait_for_selector("#chart-quality[data-drawn]")
        axis = page.evaluate(
            "() => { const s = window.Chart.getChart('chart-quality').scales.asa;"
            " return {max: s.max, title: s.options.title.text}; }"
        )
        page.screenshot(path=str(ARTIFACTS / "supervisor-queue-asa-outlier.png"), full_page=True)

    assert 47 <= axis["max"] < 600, axis  # the slowest ordinary interval (47 s) fits
    assert axis["title"] == "ASA (s) · higher values cut off"
