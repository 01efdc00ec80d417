"""Every agent's current status as columns: the snapshot's agents.

A large center has thousands of agents. As one frozen object each, they cost more to make,
to count per team, and above all to pickle into Redis and back on every change than the
figures they feed; as columns, counting per team is one `bincount` and storing them is a
few arrays. The table reads as a mapping of agent id to `AgentFigures`, made on first read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .agents import AgentFigures
from .columns import MISSING, STATES, Int64s, epoch_us, from_epoch_us, merged_ids
from .inputs import AgentState, AgentStatus

_STATE_CODES = {state: code for code, state in enumerate(STATES)}
_LOGGED_OUT = _STATE_CODES[AgentState.LOGGED_OUT]
_IDLE = _STATE_CODES[AgentState.IDLE]
_CONNECTED = _STATE_CODES[AgentState.CONNECTED]
# Per state code, the rank of its name in alphabetical order (how a board orders states).
_STATE_NAME_RANK = np.argsort(np.argsort([state.value for state in STATES]))
# Counted like a state: connected agents on hold (so `connected` excludes them).
_ON_HOLD = len(STATES)
_N_COUNTED = len(STATES) + 1
# AgentCounts' fields after logged_in: available, idle, reserved, connected (then on hold
# and wrap-up).
_COUNTED_STATES = (
    AgentState.LOGGED_OUT,
    AgentState.AVAILABLE,
    AgentState.IDLE,
    AgentState.RESERVED,
    AgentState.CONNECTED,
)


class AgentTable(Mapping[str, AgentFigures]):
    """Agents by row: id, team (a code into `team_ids`), state (into STATES), since when and
    since when logged in (epoch us; MISSING: not known), idle code (into `idle_codes`; only
    while idle) and on hold (only while connected)."""

    __slots__ = (
        "_figures",
        "_row_of",
        "idle",
        "idle_codes",
        "ids",
        "login_us",
        "on_hold",
        "since_us",
        "state",
        "team",
        "team_ids",
    )

    def __init__(
        self,
        ids: tuple[str, ...],
        team_ids: tuple[str | None, ...],
        team: npt.NDArray[np.int32],
        state: npt.NDArray[np.int8],
        since_us: Int64s,
        login_us: Int64s,
        idle_codes: tuple[str, ...],
        idle: npt.NDArray[np.int32],
        on_hold: npt.NDArray[np.bool_],
    ) -> None:
        self.ids = ids
        self.team_ids = team_ids
        self.team = team
        self.state = state
        self.since_us = since_us
        self.login_us = login_us
        self.idle_codes = idle_codes
        self.idle = idle
        self.on_hold = on_hold
        self._row_of: dict[str, int] | None = None
        self._figures: dict[str, AgentFigures] = {}

    @classmethod
    def of(cls, statuses: Iterable[AgentStatus]) -> AgentTable:
        """The table of these statuses (the last one of an agent listed twice counts)."""
        latest = {status.id: status for status in statuses}
        listed = list(latest.values())
        state_codes = _STATE_CODES
        states = [state_codes[s.state] for s in listed]
        teams: dict[str | None, int] = {}
        team = [teams.setdefault(s.team_id, len(teams)) for s in listed]
        codes: dict[str, int] = {"": 0}
        idle = [
            codes.setdefault(s.idle_code, len(codes)) if code == _IDLE else 0
            for s, code in zip(listed, states, strict=True)
        ]
        return cls(
            tuple(latest),
            tuple(teams),
            np.array(team, dtype=np.int32),
            np.array(states, dtype=np.int8),
            np.array([epoch_us(s.state_since) for s in listed], dtype=np.int64),
            np.array(
                [MISSING if s.login_at is None else epoch_us(s.login_at) for s in listed],
                dtype=np.int64,
            ),
            tuple(codes),
            np.array(idle, dtype=np.int32),
            np.array(
                [s.on_hold and code == _CONNECTED for s, code in zip(listed, states, strict=True)],
                dtype=np.bool_,
            ),
        )

    # -- the mapping: agent id -> AgentFigures ------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self.row_of

    def __getitem__(self, agent_id: str) -> AgentFigures:
        found = self._figures.get(agent_id)
        if found is None:
            found = self._figures[agent_id] = self._make(self.row_of[agent_id])
        return found

    def _make(self, row: int) -> AgentFigures:
        login = int(self.login_us[row])
        return AgentFigures(
            agent_id=self.ids[row],
            team_id=self.team_ids[int(self.team[row])],
            state=STATES[int(self.state[row])],
            idle_code=self.idle_codes[int(self.idle[row])],
            on_hold=bool(self.on_hold[row]),
            state_since=from_epoch_us(int(self.since_us[row])),
            login_at=None if login == MISSING else from_epoch_us(login),
        )

    @property
    def row_of(self) -> dict[str, int]:
        if self._row_of is None:
            self._row_of = {agent_id: row for row, agent_id in enumerate(self.ids)}
        return self._row_of

    def __getstate__(self) -> tuple[Any, ...]:
        # The columns only: figures and the index are remade on first read.
        return (
            self.ids,
            self.team_ids,
            self.team,
            self.state,
            self.since_us,
            self.login_us,
            self.idle_codes,
            self.idle,
            self.on_hold,
        )

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    # -- reads for the roll-up ------------------------------------------------------------------

    def team_of(self) -> dict[str, str | None]:
        """Each agent's team."""
        names = self.team_ids
        return dict(zip(self.ids, [names[t] for t in self.team.tolist()], strict=True))

    def logged_in_ids(self, team_ids: Collection[str | None] | None = None) -> list[str]:
        """Agents not logged out, of these teams (None: of any team), as a board lists them:
        by state (its name), then longest in it, then id. From the columns: no figures are
        made, so a list shows its first rows of thousands of agents at the cost of those."""
        rows = self.state != _LOGGED_OUT
        if team_ids is not None:
            wanted = [code for code, name in enumerate(self.team_ids) if name in team_ids]
            rows &= np.isin(self.team, np.array(wanted, dtype=np.int32))
        picked = np.flatnonzero(rows)
        ids = [self.ids[row] for row in picked.tolist()]
        if not ids:
            return []
        order = np.lexsort(
            (np.array(ids), self.since_us[picked], _STATE_NAME_RANK[self.state[picked]])
        )
        return [ids[i] for i in order.tolist()]

    def counts_by_team(
        self,
    ) -> tuple[tuple[str | None, ...], Int64s, tuple[str, ...], Int64s]:
        """Agents by current state per team of at least one agent: (teams, counts in
        `AgentCounts` field order, idle codes, idle agents per team and code)."""
        n_teams, n_codes = len(self.team_ids), len(self.idle_codes)
        counted = np.where(self.on_hold, _ON_HOLD, self.state.astype(np.int64))
        by_state = np.bincount(
            self.team.astype(np.int64) * _N_COUNTED + counted, minlength=n_teams * _N_COUNTED
        ).reshape(n_teams, _N_COUNTED)
        idle_rows = self.state == _IDLE
        by_code = np.bincount(
            self.team[idle_rows].astype(np.int64) * n_codes + self.idle[idle_rows],
            minlength=n_teams * n_codes,
        ).reshape(n_teams, n_codes)
        present = np.flatnonzero(by_state.sum(axis=1))
        by_state = by_state[present]
        counts = np.stack(
            [
                by_state.sum(axis=1) - by_state[:, _LOGGED_OUT],
                *(by_state[:, _STATE_CODES[state]] for state in _COUNTED_STATES[1:5]),
                by_state[:, _ON_HOLD],
                by_state[:, _STATE_CODES[AgentState.WRAPUP]],
            ],
            axis=1,
        ).astype(np.int64)
        return (
            tuple(self.team_ids[team] for team in present.tolist()),
            counts.reshape(len(present), 7),
            self.idle_codes,
            by_code[present].astype(np.int64),
        )

    def updated(self, statuses: Sequence[AgentStatus]) -> AgentTable:
        """This table with these agents' statuses taken (new agents added at the end)."""
        fresh = AgentTable.of(statuses)
        kept = np.array([agent_id not in fresh.row_of for agent_id in self.ids], dtype=np.bool_)
        team_ids, fresh_team = merged_ids(self.team_ids, fresh.team_ids)
        idle_codes, fresh_idle = merged_ids(self.idle_codes, fresh.idle_codes)
        return AgentTable(
            tuple(a for a, keep in zip(self.ids, kept.tolist(), strict=True) if keep) + fresh.ids,
            team_ids,
            np.concatenate([self.team[kept], fresh_team[fresh.team]]),
            np.concatenate([self.state[kept], fresh.state]),
            np.concatenate([self.since_us[kept], fresh.since_us]),
            np.concatenate([self.login_us[kept], fresh.login_us]),
            idle_codes,
            np.concatenate([self.idle[kept], fresh_idle[fresh.idle]]),
            np.concatenate([self.on_hold[kept], fresh.on_hold]),
        )
