"""The supervisor pages over the real database and Redis: the live agent table (filters in
the URL, sorting, handled and AHT today), the queue table and drill-down, query counts that
do not grow with the floor, and one org never seeing another's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oauth.models import Membership
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.wallboard.supervisor_floor import Floor, add_task, build_floor
from wallboard.models import QueueSettings
from wxcc.models import TaskStatus

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr id="agent-(\d+)"')


def member_client(floor: Floor) -> Client:
    membership: Membership = MembershipFactory.create(organization=floor.org)
    client = Client()
    client.force_login(membership.user)
    return client


def agent_ids(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


@pytest.fixture
def floor() -> Floor:
    return build_floor(agents=10, now=timezone.now())


def test_the_agent_table_lists_every_logged_in_agent_with_team_state_and_idle_code(
    floor: Floor,
) -> None:
    response = member_client(floor).get("/agents/")

    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(agent_ids(html)) == sorted(a.pk for a in floor.agents)
    idle = floor.agents[1]  # STATES[1] is idle, with the code "Lunch"
    row = re.search(rf'<tr id="agent-{idle.pk}".*?</tr>', html, re.S)
    assert row is not None
    assert "Bravo Team" in row.group(0)
    assert '<span class="state state-idle">Idle</span>' in row.group(0)
    assert "Lunch" in row.group(0)
    assert "Showing 10 of 10 logged-in agents" in html


def test_an_agent_who_logged_out_is_not_listed(floor: Floor) -> None:
    gone = floor.agents[0]
    gone.sessions.update(logout_at=timezone.now(), state="logged_out")

    html = member_client(floor).get("/agents/").content.decode()

    assert gone.pk not in agent_ids(html)
    assert len(agent_ids(html)) == 9


def test_filters_by_team_and_state_narrow_the_table(floor: Floor) -> None:
    alpha = floor.teams[0]
    html = member_client(floor).get(f"/agents/?team={alpha.pk}&state=available").content.decode()

    # Agents 0..9: team alpha is the even ones, available is i % 5 == 0: agents 0 and ... 10.
    expected = [a.pk for i, a in enumerate(floor.agents) if i % 2 == 0 and i % 5 == 0]
    assert agent_ids(html) == expected
    assert "Showing 1 of 10" in html


def test_the_queue_filter_keeps_agents_on_a_contact_of_that_queue(floor: Floor) -> None:
    now = timezone.now()
    billing, sales = floor.queues
    on_billing = floor.agents[3]
    add_task(floor, queue=billing, agent=on_billing, now=now, status=TaskStatus.CONNECTED)
    add_task(floor, queue=sales, agent=floor.agents[8], now=now, status=TaskStatus.CONNECTED)

    html = member_client(floor).get(f"/agents/?queue={billing.pk}").content.decode()

    assert agent_ids(html) == [on_billing.pk]
    assert "Telephony · " in html
    assert f'href="/queues/{billing.pk}/"' in html


def test_an_htmx_filter_request_gets_only_the_table(floor: Floor) -> None:
    response = member_client(floor).get("/agents/?state=idle", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="agent-table"')
    assert "<html" not in html
    assert len(agent_ids(html)) == 2


def test_an_unknown_filter_value_is_a_400_not_a_500(floor: Floor) -> None:
    stranger_team = OrganizationFactory.create()
    response = member_client(floor).get(
        f"/agents/?team=999999&state=asleep&sort=x{stranger_team.pk}"
    )

    assert response.status_code == 400
    assert "not understood" in response.content.decode()


def test_handled_today_and_aht_today_come_from_the_agents_ended_contacts(floor: Floor) -> None:
    now = timezone.now()
    agent = floor.agents[0]
    queue = floor.queues[0]
    # AHT = (100 + 20 + 200 + 40) / 2 = 180 s.
    add_task(
        floor,
        queue=queue,
        agent=agent,
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=900,
        talk_s=100,
        wrapup_s=20,
    )
    add_task(
        floor,
        queue=queue,
        agent=agent,
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=600,
        talk_s=200,
        wrapup_s=40,
    )

    html = member_client(floor).get("/agents/?sort=handled&dir=desc").content.decode()

    assert agent_ids(html)[0] == agent.pk
    row = re.search(rf'<tr id="agent-{agent.pk}".*?</tr>', html, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(.*?)</td>', row.group(0), re.S)
    assert cells[-2:] == ["2", "3:00"]


def test_sorting_by_time_in_state_puts_the_longest_first_and_marks_the_column(
    floor: Floor,
) -> None:
    html = member_client(floor).get("/agents/?sort=time&dir=desc").content.decode()

    # Agent i has been in its state for 60 + i seconds.
    assert agent_ids(html) == [a.pk for a in reversed(floor.agents)]
    assert 'aria-sort="descending"' in html


def queries_for(client: Client, url: str) -> int:
    client.get(url)  # the first view builds and stores the org's snapshot
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def busy_floor(agents: int) -> tuple[Floor, Client]:
    now = timezone.now()
    floor = build_floor(agents=agents, now=now)
    for i, agent in enumerate(floor.agents[: max(1, agents // 5)]):
        add_task(
            floor,
            queue=floor.queues[i % 2],
            agent=agent,
            now=now,
            status=TaskStatus.ENDED,
            arrived_s_ago=1800 + i,
            talk_s=60,
            wrapup_s=10,
        )
    add_task(floor, queue=floor.queues[0], now=now, status=TaskStatus.QUEUED)
    return floor, member_client(floor)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/agents/", 14),
        ("/agents/?state=idle&sort=aht&dir=desc", 14),
        ("/queues/", 14),
        ("/queues/{queue}/", 18),
        ("/queues/{queue}/waiting/", 6),
    ],
)
def test_pages_read_as_many_queries_for_500_agents_as_for_5(
    django_assert_max_num_queries: Any, path: str, limit: int
) -> None:
    small, small_client = busy_floor(5)
    big, big_client = busy_floor(500)

    small_count = queries_for(small_client, path.format(queue=small.queues[0].pk))
    big_count = queries_for(big_client, path.format(queue=big.queues[0].pk))
    with django_assert_max_num_queries(limit):
        big_client.get(path.format(queue=big.queues[0].pk))

    assert big_count == small_count
    if path == "/agents/":
        assert len(agent_ids(big_client.get(path).content.decode())) == 500


def test_the_queue_table_shows_each_queue_and_the_center_for_the_chosen_period(
    floor: Floor,
) -> None:
    now = timezone.now()
    billing, _ = floor.queues
    add_task(floor, queue=billing, now=now, status=TaskStatus.QUEUED, arrived_s_ago=30)
    add_task(
        floor,
        queue=billing,
        agent=floor.agents[0],
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=600,
        wait_s=12,
        talk_s=100,
    )

    html = member_client(floor).get("/queues/?period=15m").content.decode()

    assert 'data-period="15m"' in html
    row = re.search(rf'<tr id="queue-{billing.pk}".*?</tr>', html, re.S)
    assert row is not None
    assert f'href="/queues/{billing.pk}/">Billing</a>' in row.group(0)
    waiting = re.search(r'<td class="num has-waiting">(\d+)</td>', row.group(0))
    assert waiting is not None
    assert waiting.group(1) == "1"
    # Today: 2 offered, 1 answered; ASA 12 s.
    today = re.findall(r'<td class="num p p-today">(.*?)</td>', row.group(0))
    assert today[:3] == ["2", "1", "0"]
    assert today[4] == "0:12"
    assert 'id="queue-center"' in html
    assert 'id="supervisor-chart-data"' in html


def test_an_unknown_period_is_a_400(floor: Floor) -> None:
    assert member_client(floor).get("/queues/?period=week").status_code == 400
    assert member_client(floor).get("/queues/?interval=7").status_code == 400


def test_the_drill_down_lists_waiting_contacts_and_the_agents_who_handled_the_queue(
    floor: Floor,
) -> None:
    now = timezone.now()
    billing, sales = floor.queues
    add_task(floor, queue=billing, now=now, status=TaskStatus.QUEUED, arrived_s_ago=45)
    add_task(floor, queue=sales, now=now, status=TaskStatus.QUEUED, arrived_s_ago=45)
    handled_billing = floor.agents[2]
    add_task(
        floor,
        queue=billing,
        agent=handled_billing,
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=600,
        talk_s=60,
    )

    html = member_client(floor).get(f"/queues/{billing.pk}/").content.decode()

    waiting = re.search(rf'<div id="queue-{billing.pk}-waiting".*?</div>\s*</div>', html, re.S)
    assert waiting is not None
    assert waiting.group(0).count('<tr id="waiting-') == 1
    assert agent_ids(html) == [handled_billing.pk]
    assert "handled or are on a contact of this queue today" in html


def test_other_orgs_queue_is_not_found_on_page_and_fragment(floor: Floor) -> None:
    other = build_floor(agents=2, now=timezone.now())
    theirs = other.queues[0]
    client = member_client(floor)

    assert client.get(f"/queues/{theirs.pk}/").status_code == 404
    assert client.get(f"/queues/{theirs.pk}/waiting/").status_code == 404
    assert client.get(f"/queues/{floor.queues[0].pk}/waiting/").status_code == 200


def test_one_org_never_lists_another_orgs_agents(floor: Floor) -> None:
    other = build_floor(agents=3, now=timezone.now())

    html = member_client(floor).get("/agents/").content.decode()

    assert not set(agent_ids(html)) & {a.pk for a in other.agents}
    assert "Showing 10 of 10" in html


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/agents/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_with_serving_teams_set_the_drill_down_lists_those_teams_logged_in_agents(
    floor: Floor,
) -> None:
    billing = floor.queues[0]
    bravo = floor.teams[1]
    settings_row = QueueSettings.objects.create(queue=billing)
    settings_row.serving_teams.add(bravo)

    html = member_client(floor).get(f"/queues/{billing.pk}/").content.decode()

    # Team bravo has the odd-numbered agents.
    assert sorted(agent_ids(html)) == sorted(a.pk for i, a in enumerate(floor.agents) if i % 2)
    assert "teams serving this queue" in html
