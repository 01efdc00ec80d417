"""Writes of the org's named WxCC entities (queues, teams, agents), many at a time.

A batch of observations names its entities by WxCC id; one call resolves them all to pks in
a constant number of queries: one SELECT, then an INSERT for the new ones and an UPDATE for
the renamed ones only when there are any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from oauth.models import Organization
from wxcc.models import Agent, Queue, Team
from wxcc.observations import Ref

NamedT = TypeVar("NamedT", Queue, Team, Agent)


@dataclass(frozen=True)
class NamedIds:
    """WxCC id -> pk of the rows a batch named; `touched` are the pks created or changed
    (boards may show a new name)."""

    ids: Mapping[str, int]
    touched: frozenset[int] = frozenset()

    def pk(self, ref: Ref | None) -> int | None:
        return self.ids.get(ref.wxcc_id) if ref is not None else None


def _wanted_names(refs: Iterable[Ref]) -> dict[str, str]:
    """WxCC id -> the last non-empty name given for it."""
    names: dict[str, str] = {}
    for ref in refs:
        if ref.name or ref.wxcc_id not in names:
            names[ref.wxcc_id] = ref.name or names.get(ref.wxcc_id, "")
    return names


def _upsert(
    model: type[NamedT],
    org: Organization,
    refs: Iterable[Ref],
    teams: Mapping[str, int] | None = None,
) -> NamedIds:
    names = _wanted_names(refs)
    if not names:
        return NamedIds({})
    rows = {r.wxcc_id: r for r in model.objects.filter(organization=org, wxcc_id__in=list(names))}
    touched: set[int] = set()
    missing = [wxcc_id for wxcc_id in names if wxcc_id not in rows]
    if missing:
        model.objects.bulk_create(
            [model(organization=org, wxcc_id=wxcc_id, name=names[wxcc_id]) for wxcc_id in missing],
            ignore_conflicts=True,  # a concurrent batch may create the same row
        )
        for row in model.objects.filter(organization=org, wxcc_id__in=missing):
            rows[row.wxcc_id] = row
            touched.add(row.pk)
    stale: list[NamedT] = []
    fields = ["name"] if teams is None else ["name", "team"]
    for wxcc_id, name in names.items():
        row = rows[wxcc_id]
        changed = False
        if name and row.name != name:
            row.name, changed = name, True
        team_id = (teams or {}).get(wxcc_id)
        if isinstance(row, Agent) and team_id is not None and row.team_id != team_id:
            row.team_id, changed = team_id, True
        if changed:
            stale.append(row)
            touched.add(row.pk)
    if stale:
        # In pk order, like every lock we take, so concurrent batches cannot deadlock.
        model.objects.bulk_update(sorted(stale, key=lambda r: r.pk), fields)
    return NamedIds({wxcc_id: row.pk for wxcc_id, row in rows.items()}, frozenset(touched))


def upsert_queues(*, org: Organization, refs: Iterable[Ref]) -> NamedIds:
    return _upsert(Queue, org, refs)


def upsert_teams(*, org: Organization, refs: Iterable[Ref]) -> NamedIds:
    return _upsert(Team, org, refs)


def upsert_agents(
    *, org: Organization, refs: Iterable[Ref], teams: Mapping[str, int] | None = None
) -> NamedIds:
    """Agents by WxCC id; `teams` (agent WxCC id -> Team pk) moves agents to their team."""
    return _upsert(Agent, org, refs, teams if teams is not None else {})
