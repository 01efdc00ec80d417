"""Supervisor pages: the live agent table, the live queue table with the center's interval
chart, and a queue's drill-down. Thin edges: parse the request, read the shared snapshot and
the supervisor selectors, render one template whose partials the push renders too."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from oauth.models import Organization
from oauth.permissions import org_member_required
from wallboard import selectors as board_selectors
from wallboard.live import current_snapshot
from wallboard.metrics import PERIODS, CenterSnapshot, Period
from wallboard.rendering import STATE_LABELS, epoch_ms
from wallboard.specs import Names, org_names
from wallboard.supervisor import charts, push, rows, selectors
from wallboard.supervisor.rows import FILTER_STATES, AgentFilter, AgentSort
from wxcc.models import Queue


class SupervisorRequest(HttpRequest):
    htmx: HtmxDetails
    organization: Organization


def _snapshot(org: Organization) -> CenterSnapshot:
    profile = selectors.supervisor_profile(org.timezone)
    return current_snapshot(org.pk, profile, now=timezone.now())


def _base_context(org: Organization, snapshot: CenterSnapshot) -> dict[str, Any]:
    return {
        "status_html": push.status_html(org.pk, now=snapshot.now, oob=False),
        "server_now_ms": epoch_ms(snapshot.now),
    }


class AgentTableForm(forms.Form):
    """The agent table's filters and order, as GET parameters (kept in the URL)."""

    team = forms.ChoiceField(required=False)
    queue = forms.ChoiceField(required=False)
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Any state"), *((s.value, STATE_LABELS[s]) for s in FILTER_STATES)],
    )
    sort = forms.ChoiceField(required=False, choices=[(s.value, s.value) for s in AgentSort])
    dir = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])

    def __init__(self, data: Any, *, names: Names) -> None:
        super().__init__(data)
        for name, choices, anything in (
            ("team", names.teams, "Any team"),
            ("queue", names.queues, "Any queue"),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", anything),
                *sorted(choices.items(), key=lambda item: item[1].casefold()),
            ]


SORT_COLUMNS = (
    (AgentSort.NAME, "Agent"),
    (AgentSort.TEAM, "Team"),
    (AgentSort.STATE, "State"),
    (AgentSort.TIME, "Time in state"),
    (AgentSort.QUEUE, "Contact · queue"),
    (AgentSort.HANDLED, "Handled today"),
    (AgentSort.AHT, "AHT today"),
)


@org_member_required
@require_GET
def agents(request: SupervisorRequest) -> HttpResponse:
    org = request.organization
    snapshot = _snapshot(org)
    names = org_names(org_id=org.pk, agent_ids=rows.logged_in_agent_ids(snapshot))
    form = AgentTableForm(request.GET, names=names)
    status = 200
    if form.is_valid():
        chosen = AgentFilter(
            form.cleaned_data["team"], form.cleaned_data["queue"], form.cleaned_data["state"]
        )
        sort = AgentSort(form.cleaned_data["sort"] or AgentSort.NAME)
        descending = form.cleaned_data["dir"] == "desc"
    else:
        status = 400
        chosen, sort, descending = AgentFilter(), AgentSort.NAME, False
    every = push.build_agent_rows(org.pk, snapshot, names, None)
    shown = rows.sort_agent_rows(
        [r for r in every if chosen.matches(r)], sort, descending=descending
    )
    query = {"team": chosen.team_id, "queue": chosen.queue_id, "state": chosen.state}
    columns = []
    for key, label in SORT_COLUMNS:
        active = key is sort
        next_dir = "asc" if not active or descending else "desc"
        params = {**query, "sort": key.value, "dir": next_dir}
        columns.append(
            {
                "key": key.value,
                "label": label,
                "href": "?" + "&".join(f"{k}={v}" for k, v in params.items() if v),
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
                "numeric": key in (AgentSort.TIME, AgentSort.HANDLED, AgentSort.AHT),
            }
        )
    context = {
        **_base_context(org, snapshot),
        "form": form,
        "agents": shown,
        "total": len(every),
        "filter": chosen,
        "sort": sort.value,
        "dir": "desc" if descending else "asc",
        "columns": columns,
        "ws_url": "/ws/supervisor/?view=agents",
    }
    template = "supervisor/agents.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#agent-table"
    return render(request, template, context, status=status)


def _choice(value: str | None, allowed: tuple[str, ...], default: str) -> str | None:
    """The parameter if allowed, the default when absent, None (a 400) otherwise."""
    if not value:
        return default
    return value if value in allowed else None


def _chart_context(
    org: Organization, snapshot: CenterSnapshot, *, queue_id: int | None, minutes: int
) -> dict[str, Any]:
    zone = ZoneInfo(snapshot.zone.key)
    contacts = board_selectors.contacts_since(
        org_id=org.pk,
        since=charts.yesterday_start(snapshot.now, zone),
        queue_ids=None if queue_id is None else [queue_id],
    )
    data, table = charts.interval_chart(
        contacts,
        queue_id=None if queue_id is None else str(queue_id),
        zone=zone,
        now=snapshot.now,
        minutes=minutes,
        config=snapshot.config,
    )
    return {
        "chart": data,
        "chart_rows": table,
        "interval_min": minutes,
        "intervals": charts.INTERVAL_CHOICES,
    }


def _bad_request(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "supervisor/bad_request.html", {"reason": reason}, status=400)


def _period_and_interval(request: HttpRequest) -> tuple[str, int] | None:
    period = _choice(request.GET.get("period"), tuple(p.value for p in PERIODS), Period.TODAY.value)
    interval = _choice(
        request.GET.get("interval"),
        tuple(str(m) for m in charts.INTERVAL_CHOICES),
        str(charts.DEFAULT_INTERVAL_MIN),
    )
    if period is None or interval is None:
        return None
    return period, int(interval)


@org_member_required
@require_GET
def queues(request: SupervisorRequest) -> HttpResponse:
    org = request.organization
    chosen = _period_and_interval(request)
    if chosen is None:
        return _bad_request(request, "Unknown period or interval.")
    period, interval = chosen
    snapshot = _snapshot(org)
    names = org_names(org_id=org.pk)
    context = {
        **_base_context(org, snapshot),
        **_chart_context(org, snapshot, queue_id=None, minutes=interval),
        "queues": rows.queue_rows(snapshot, names),
        "center_row": rows.queue_row("", "All queues", snapshot),
        "period": period,
        "periods": [(p.value, rows.PERIOD_LABELS[p]) for p in PERIODS],
        "chart_title": "All queues",
        "ws_url": "/ws/supervisor/?view=queues",
    }
    return render(request, "supervisor/queues.html", context)


def _org_queue(org: Organization, queue_id: int) -> Queue:
    queue = Queue.objects.filter(organization=org, pk=queue_id).first()
    if queue is None:
        raise Http404("No such queue")
    return queue


@org_member_required
@require_GET
def queue_detail(request: SupervisorRequest, queue_id: int) -> HttpResponse:
    org = request.organization
    queue = _org_queue(org, queue_id)
    chosen = _period_and_interval(request)
    if chosen is None:
        return _bad_request(request, "Unknown period or interval.")
    period, interval = chosen
    snapshot = _snapshot(org)
    eligible, basis = selectors.eligible_agent_ids(
        org_id=org.pk, queue_id=queue.pk, snapshot=snapshot
    )
    names = org_names(org_id=org.pk, agent_ids=eligible)
    agent_rows = rows.sort_agent_rows(
        push.build_agent_rows(org.pk, snapshot, names, eligible), AgentSort.STATE, descending=False
    )
    context = {
        **_base_context(org, snapshot),
        **_chart_context(org, snapshot, queue_id=queue.pk, minutes=interval),
        "queue": rows.queue_row(
            str(queue.pk), names.queues.get(str(queue.pk), queue.wxcc_id), snapshot
        ),
        "queue_name": names.queues.get(str(queue.pk), queue.wxcc_id),
        "waiting": selectors.waiting_contacts(org_id=org.pk, queue_id=queue.pk, now=snapshot.now),
        "queue_id": str(queue.pk),
        "agents": agent_rows,
        "basis": basis.value,
        "period": period,
        "periods": [(p.value, rows.PERIOD_LABELS[p]) for p in PERIODS],
        "chart_title": names.queues.get(str(queue.pk), queue.wxcc_id),
        "ws_url": f"/ws/supervisor/queues/{queue.pk}/",
    }
    return render(request, "supervisor/queue_detail.html", context)


@org_member_required
@require_GET
def queue_waiting(request: SupervisorRequest, queue_id: int) -> HttpResponse:
    """The drill-down's waiting list alone (a fragment), for htmx and scripts."""
    queue = _org_queue(request.organization, queue_id)
    waiting = selectors.waiting_contacts(
        org_id=request.organization.pk, queue_id=queue.pk, now=timezone.now()
    )
    # The push's own rendering: a fragment needs no page context (banners, menus).
    return HttpResponse(
        push.render_partial(
            "waiting", {"queue_id": str(queue.pk), "waiting": waiting, "oob": False}
        )
    )
