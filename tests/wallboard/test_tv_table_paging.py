"""A TV's agents list longer than its tile pages through every agent (a page every 10 s,
"page 1/3" in its footer) instead of cutting the last ones off at the bottom of the screen;
past TABLE_MAX_ROWS the list stops and its caption says how many were left out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.browser import ARTIFACTS
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import AgentSessionFactory, TeamFactory, data_current_at
from tests.wallboard.tv_browser import chromium, open_tv
from wallboard.rendering import TABLE_MAX_ROWS
from wxcc.models import AgentState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENTS = 75

# Per agent row of the list: is it shown, and does it end inside its tile's box.
ROWS_JS = """
() => {
  const tile = document.querySelector('.board-page.is-current .tile-agents_list');
  const box = tile.getBoundingClientRect();
  const rows = [...tile.querySelectorAll('tbody tr[id]')];
  const shown = rows.filter((row) => row.offsetParent !== null);
  return {
    shown: shown.map((row) => row.id),
    outside: shown.filter((row) => row.getBoundingClientRect().bottom > box.bottom).length,
    overflowing: tile.scrollHeight > tile.clientHeight + 1,
    label: tile.querySelector('.tile-page').textContent,
    total: rows.length,
  };
}
"""


def _board_with_agents(count: int) -> str:
    """A one-page board whose only tile is the agents list, `count` agents logged in."""
    org = OrganizationFactory.create()
    team = TeamFactory.create(organization=org, name="Floor")
    now = timezone.now()
    for n in range(count):
        AgentSessionFactory.create(
            organization=org,
            team=team,
            agent__name=f"Agent {n:03d}",
            agent__team=team,
            state=AgentState.AVAILABLE,
            state_since=now - timedelta(seconds=n),
            login_at=now - timedelta(hours=1),
        )
    data_current_at(org, now)
    board = BoardFactory.create(organization=org, slug="floor", columns=4)
    page = BoardPageFactory.create(board=board, position=0, title="People")
    TileFactory.create(page=page, kind="agents_list", metric="", width=4)
    screen = ScreenFactory.create(board=board)
    return f"/tv/floor/?token={screen.token}"


@pytest.mark.timeout(180)
def test_a_long_agents_list_pages_through_every_agent_and_cuts_none_off(
    live_asgi: str, settings: Any
) -> None:
    path = _board_with_agents(AGENTS)
    pages: list[dict[str, Any]] = []
    with chromium(settings) as browser:
        tv = open_tv(browser, f"{live_asgi}{path}")
        tv.wait_for_function(
            "document.querySelectorAll('.tile-agents_list tbody tr[id]').length > 0"
        )
        tv.screenshot(path=str(ARTIFACTS / "tv-agents-paged-1080p.png"))
        first = tv.evaluate(ROWS_JS)
        assert first["label"].startswith("page 1/"), first
        for _ in range(int(first["label"].split("/")[1])):
            pages.append(tv.evaluate(ROWS_JS))
            tv.evaluate("() => window.boardNextTablePage()")
        back_to_first = tv.evaluate(ROWS_JS)

    page_count = len(pages)
    assert page_count >= 2, first
    assert first["total"] == AGENTS
    assert [p["label"] for p in pages] == [
        f"page {i}/{page_count}" for i in range(1, 1 + page_count)
    ]
    assert all(p["outside"] == 0 and not p["overflowing"] for p in pages), pages
    shown = [row for p in pages for row in p["shown"]]
    assert len(shown) == AGENTS
    assert len(set(shown)) == AGENTS
    assert back_to_first["shown"] == pages[0]["shown"]


def test_past_the_row_limit_the_list_stops_and_its_caption_says_how_many_are_left_out(
    client: Any,
) -> None:
    path = _board_with_agents(TABLE_MAX_ROWS + 5)

    html = client.get(path).content.decode()

    assert html.count('class="state-available"') == TABLE_MAX_ROWS
    assert f"first {TABLE_MAX_ROWS} of {TABLE_MAX_ROWS + 5} agents" in html
    # Those listed first: the longest in their state (agent n has been available n seconds).
    longest, shortest = f"Agent {TABLE_MAX_ROWS + 4:03d}", "Agent 005"
    assert longest in html
    assert shortest in html
    assert html.index(longest) < html.index(shortest)
    assert "Agent 004" not in html
