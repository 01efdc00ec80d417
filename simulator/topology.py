"""The simulated contact center's fixed configuration: sites, teams, queues, entry points,
agents, idle codes and the daily arrival curve. Built deterministically from the seed."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

TELEPHONY = "telephony"
CHAT = "chat"
EMAIL = "email"
CHANNEL_TYPES = (TELEPHONY, CHAT, EMAIL)

# Relative arrival intensity per local hour of day (0..23, SimConfig.timezone): quiet
# nights, a morning peak around 10:00 and a smaller afternoon one, as contact-center volume
# usually looks.
DAILY_CURVE = (
    0.10, 0.06, 0.05, 0.05, 0.06, 0.12, 0.30, 0.60, 0.95, 1.25, 1.40, 1.35,
    1.10, 1.15, 1.30, 1.25, 1.10, 0.90, 0.70, 0.55, 0.40, 0.30, 0.20, 0.14,
)  # fmt: skip
DAILY_CURVE_MAX = max(DAILY_CURVE)
DAILY_CURVE_SUM = sum(DAILY_CURVE)


@dataclass(frozen=True)
class Site:
    id: str
    name: str


@dataclass(frozen=True)
class EntryPoint:
    id: str
    name: str
    channel_type: str
    # What the customer dialled or wrote to; becomes the task's `destination`.
    address: str


@dataclass(frozen=True)
class Queue:
    id: str
    name: str
    channel_type: str
    entry_point_id: str
    # Share of the day's volume that arrives in this queue.
    volume_share: float
    # Means of the model's distributions, in seconds.
    patience_mean_s: float
    handle_mean_s: float
    wrapup_mean_s: float
    service_level_threshold_s: int


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    site_id: str
    # Queues whose tasks this team's agents are skilled for, in preference order.
    queue_ids: tuple[str, ...]


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    email: str
    team_id: str
    dial_number: str
    # Daily shift, local time (SimConfig.timezone).
    shift_start_h: float
    shift_length_h: float


@dataclass(frozen=True)
class IdleCode:
    id: str
    name: str


@dataclass(frozen=True)
class Topology:
    sites: tuple[Site, ...]
    entry_points: tuple[EntryPoint, ...]
    queues: tuple[Queue, ...]
    teams: tuple[Team, ...]
    agents: tuple[Agent, ...]
    idle_codes: tuple[IdleCode, ...]

    def queue(self, queue_id: str) -> Queue:
        return self._index["queues"][queue_id]

    def team(self, team_id: str) -> Team:
        return self._index["teams"][team_id]

    def agent(self, agent_id: str) -> Agent:
        return self._index["agents"][agent_id]

    def site(self, site_id: str) -> Site:
        return self._index["sites"][site_id]

    def entry_point(self, entry_point_id: str) -> EntryPoint:
        return self._index["entry_points"][entry_point_id]

    def idle_code(self, name: str) -> IdleCode:
        return next(code for code in self.idle_codes if code.name == name)

    @cached_property
    def _index(self) -> dict[str, dict[str, Any]]:
        """Each kind's items by id: a search builds thousands of rows, each naming its agent,
        team and queues (a scan of 5,000 agents per name cost seconds per request)."""
        kinds = ("sites", "entry_points", "queues", "teams", "agents")
        return {kind: {item.id: item for item in getattr(self, kind)} for kind in kinds}


_FIRST_NAMES = (
    "Grace", "Daniel", "Aisha", "Marco", "Lena", "Tomás", "Priya", "Owen", "Mei", "Jonas",
    "Fatima", "Lucas", "Sofia", "Noah", "Yuki", "Elena", "Ravi", "Chloe", "Kwame", "Ines",
    "Mateo", "Hana", "Liam", "Zara", "Felix", "Amara", "Hugo", "Nina", "Omar", "Clara",
)  # fmt: skip
_LAST_NAMES = (
    "Loh", "Garrett", "Khan", "Rossi", "Fischer", "Silva", "Nair", "Hughes", "Chen", "Berg",
    "Haddad", "Moreau", "Costa", "Walsh", "Tanaka", "Petrova", "Iyer", "Dubois", "Mensah", "Lopes",
)  # fmt: skip

# Queue definitions: name, channel, share of volume, patience, handle, wrap-up (mean seconds),
# service-level threshold (s). Telephony callers are impatient; email is answered in hours.
_QUEUES = (
    ("Sales", TELEPHONY, 0.26, 150, 270, 45, 20),
    ("Support", TELEPHONY, 0.30, 180, 360, 60, 30),
    ("Billing", TELEPHONY, 0.12, 150, 240, 45, 30),
    ("Web Chat", CHAT, 0.18, 240, 420, 30, 60),
    ("Email Support", EMAIL, 0.14, 6 * 3600, 480, 60, 3600),
)
# Teams and the queues they serve (skills), by queue name.
_TEAMS = (
    ("Sales Team", ("Sales", "Web Chat")),
    ("Support Team", ("Support", "Billing")),
    ("Digital Team", ("Web Chat", "Email Support", "Support")),
)
_IDLE_CODES = ("Break", "Lunch", "Meeting", "Training", "RONA")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _queue_definitions(queue_count: int) -> list[tuple[str, str, str, float, int, int, int, int]]:
    """(template name, name, channel, share, ...) of `queue_count` queues: the named five,
    then repeats of them ("Sales 2"), each template's volume shared by its repeats."""
    count = max(1, queue_count)
    repeats = [len(range(i, count, len(_QUEUES))) for i in range(len(_QUEUES))]
    definitions = []
    for index in range(count):
        name, channel, share, patience, handle, wrapup, sl = _QUEUES[index % len(_QUEUES)]
        copy = index // len(_QUEUES)
        shown = name if copy == 0 else f"{name} {copy + 1}"
        shared = share / repeats[index % len(_QUEUES)]
        definitions.append((name, shown, channel, shared, patience, handle, wrapup, sl))
    return definitions


def build_topology(seed: int, agent_count: int = 30, queue_count: int = len(_QUEUES)) -> Topology:
    """The contact center a given seed serves. Same seed, same ids and names."""
    rng = random.Random(f"topology/{seed}")
    sites = (Site(_uuid(rng), "Austin"), Site(_uuid(rng), "Dublin"))
    entry_points: list[EntryPoint] = []
    queues: list[Queue] = []
    templates: dict[str, list[str]] = {}
    for index, (template, name, channel, share, patience, handle, wrapup, sl) in enumerate(
        _queue_definitions(queue_count)
    ):
        address = {
            TELEPHONY: f"+1800555{index:04d}",
            CHAT: "https://www.example.com/chat",
            EMAIL: "support@example.com",
        }[channel]
        entry_point = EntryPoint(_uuid(rng), f"{name} Entry Point", channel, address)
        entry_points.append(entry_point)
        queues.append(
            Queue(_uuid(rng), name, channel, entry_point.id, share, patience, handle, wrapup, sl)
        )
        templates.setdefault(template, []).append(queues[-1].id)
    teams = tuple(
        Team(
            _uuid(rng),
            name,
            sites[index % len(sites)].id,
            tuple(queue_id for q in served for queue_id in templates.get(q, [])),
        )
        for index, (name, served) in enumerate(_TEAMS)
    )
    agents: list[Agent] = []
    # Staggered shifts cover 06:00-23:00 local time with most agents at the morning peak, plus a
    # thin night shift so the center never fully closes.
    shift_starts = (6.0, 7.0, 7.5, 8.0, 8.0, 8.5, 9.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 22.0)
    for index in range(agent_count):
        first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(index * 7) % len(_LAST_NAMES)]
        team = teams[index % len(teams)]
        agents.append(
            Agent(
                id=_uuid(rng),
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}@example.com",
                team_id=team.id,
                dial_number=f"+1512555{1000 + index}",
                shift_start_h=shift_starts[index % len(shift_starts)],
                shift_length_h=8.5,
            )
        )
    idle_codes = tuple(IdleCode(_uuid(rng), name) for name in _IDLE_CODES)
    return Topology(sites, tuple(entry_points), tuple(queues), teams, tuple(agents), idle_codes)
