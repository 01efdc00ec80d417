"""The org's queues and teams as WxCC's Config API describes them (docs/wxcc-contract.md §6):
names, channel types and each queue's service-level threshold, so boards list queues that had
no traffic yet today and the metrics use the threshold WxCC is configured with.

`sync_configuration` reads both lists (a few requests: one per 100 queues or teams) and
writes them in a constant number of queries however many there are: one SELECT per model,
then one INSERT for the new rows and one UPDATE for the changed ones, only when there are
any. The poller runs it every settings.WXCC_CONFIG_SYNC_INTERVAL_S and when it backfills.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from oauth.models import Organization
from wxcc.api_types import ConfigQueue, ConfigTeam
from wxcc.client import Priority, WxccClient
from wxcc.exceptions import WxccBadRequest, WxccBudgetExhausted
from wxcc.models import Queue, Team
from wxcc.signals import LiveStateChange, notify_live_state_changed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigSyncResult:
    queues: int = 0  # queues WxCC listed
    teams: int = 0
    queues_written: int = 0  # created or changed here
    teams_written: int = 0
    requests: int = 0


def queue_fields(queue: ConfigQueue) -> dict[str, object]:
    """What we keep of a configured queue, as Queue's field values. An absent name or
    channel keeps what we know (search may have named it)."""
    fields: dict[str, object] = {"service_level_threshold_s": queue.service_level_threshold_s}
    if queue.name:
        fields["name"] = queue.name
    if queue.channel_type:
        fields["channel_type"] = queue.channel_type
    return fields


def upsert_configured_queues(*, org: Organization, queues: Sequence[ConfigQueue]) -> list[int]:
    """Create or update the org's queues as configured; returns the pks written."""
    wanted = {q.id: queue_fields(q) for q in queues}
    return _upsert(Queue, org, wanted)


def upsert_configured_teams(*, org: Organization, teams: Sequence[ConfigTeam]) -> list[int]:
    wanted: dict[str, dict[str, object]] = {
        t.id: ({"name": t.name} if t.name else {}) for t in teams
    }
    return _upsert(Team, org, wanted)


def _upsert(
    model: type[Queue] | type[Team], org: Organization, wanted: dict[str, dict[str, object]]
) -> list[int]:
    if not wanted:
        return []
    with transaction.atomic():
        rows = {
            row.wxcc_id: row
            for row in model.objects.select_for_update()
            .filter(organization=org, wxcc_id__in=list(wanted))
            .order_by("pk")
        }
        new = [
            model(organization=org, wxcc_id=wxcc_id, **fields)  # type: ignore[misc]
            for wxcc_id, fields in wanted.items()
            if wxcc_id not in rows
        ]
        changed = []
        names: set[str] = set()
        for wxcc_id, row in rows.items():
            differs = {k: v for k, v in wanted[wxcc_id].items() if getattr(row, k) != v}
            if differs:
                for name, value in differs.items():
                    setattr(row, name, value)
                changed.append(row)
                names |= set(differs)
        if new:
            # A concurrent poll (or search naming a queue) may insert the same row.
            model.objects.bulk_create(new, ignore_conflicts=True)  # type: ignore[arg-type]
        if changed:
            model.objects.bulk_update(changed, sorted(names))  # type: ignore[arg-type]
    written = [row.pk for row in changed]
    if new:
        written += list(
            model.objects.filter(
                organization=org, wxcc_id__in=[row.wxcc_id for row in new]
            ).values_list("pk", flat=True)
        )
    return written


def sync_configuration(*, org: Organization, client: WxccClient) -> ConfigSyncResult:
    """Read the org's queues and teams from WxCC and store them."""
    first_request = client.requests_made
    queues = client.list_queues()
    teams = client.list_teams()
    queues_written = upsert_configured_queues(org=org, queues=queues)
    teams_written = upsert_configured_teams(org=org, teams=teams)
    if queues_written or teams_written:
        notify_live_state_changed(
            LiveStateChange.of(org.pk, queue_ids=queues_written, team_ids=teams_written)
        )
    result = ConfigSyncResult(
        queues=len(queues),
        teams=len(teams),
        queues_written=len(queues_written),
        teams_written=len(teams_written),
        requests=client.requests_made - first_request,
    )
    logger.info(
        "event=wxcc_config_synced org_id=%s queues=%d teams=%d queues_written=%d "
        "teams_written=%d requests=%d",
        org.pk,
        result.queues,
        result.teams,
        result.queues_written,
        result.teams_written,
        result.requests,
    )
    return result


def sync_configuration_in_bulk(*, org: Organization, client: WxccClient) -> tuple[int, bool]:
    """The Config API's queues and teams, as a bulk read: nothing live waits for them. A
    refusal is logged and the poll goes on (search still names queues and teams); when the
    budget has nothing for bulk reads it is tried again next poll. Returns the requests it
    made and whether it is done until its next interval."""
    before = client.requests_made
    synced = True
    try:
        with client.prioritised(Priority.BULK):
            sync_configuration(org=org, client=client)
    except WxccBudgetExhausted:
        synced = False
    except WxccBadRequest as exc:
        logger.warning("event=wxcc_config_sync_failed org_id=%s reason=%s", org.pk, exc)
    return client.requests_made - before, synced
