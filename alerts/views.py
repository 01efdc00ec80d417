"""Alert pages: `/alerts/` (active alerts, history, rules, settings), the active-alerts
fragment the page refreshes with htmx, and the forms' POST edges."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from alerts import selectors, services
from alerts.forms import AlertSettingsForm, RuleForm
from alerts.models import AlertRule
from oauth.models import Organization
from oauth.permissions import admin_required, get_for_org_or_404, is_org_admin, org_member_required
from wallboard.selectors import Freshness

TEMPLATE = "alerts/alerts.html"


def _org(request: HttpRequest) -> Organization:
    org: Organization = request.organization  # type: ignore[attr-defined]
    return org


def _held(org: Organization) -> Freshness | None:
    """The org's freshness while its data is stale and its rules are on hold."""
    return services.held_for_stale_data(org.pk, services.first_board(org.pk), now=timezone.now())


def _page(
    request: HttpRequest,
    *,
    rule_form: RuleForm | None = None,
    settings_form: AlertSettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    org = _org(request)
    stored = services.settings_for(org)
    context: dict[str, Any] = {
        "org": org,
        "active": selectors.active_alerts(org_id=org.pk),
        "held": _held(org),
        "history": selectors.history(org_id=org.pk),
        "rules": list(selectors.rules(org_id=org.pk)),
        "rule_form": rule_form or RuleForm(org=org),
        "alert_settings": stored,
        "settings_form": settings_form or AlertSettingsForm(stored=stored),
        "can_configure": is_org_admin(request),
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@org_member_required
def alerts_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@org_member_required
def active_fragment(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    active = selectors.active_alerts(org_id=org.pk)
    return render(request, TEMPLATE + "#active-alerts", {"active": active, "held": _held(org)})


@require_POST
@org_member_required
def rule_save(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    form = RuleForm(request.POST, org=org)
    if not form.is_valid():
        return _page(request, rule_form=form, status=400)
    services.rule_save(
        org=org,
        queue_id=form.cleaned_data["queue"].pk,
        kind=form.cleaned_data["kind"],
        threshold=form.cleaned_data["threshold"],
        enabled=form.cleaned_data["enabled"],
        created_by_id=request.user.pk,
    )
    return redirect("alerts:page")


@require_POST
@org_member_required
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_for_org_or_404(AlertRule.objects.all(), request, pk=rule_id)
    rule.delete()
    return redirect("alerts:page")


@require_POST
@admin_required
def settings_save(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    form = AlertSettingsForm(request.POST, stored=services.settings_for(org))
    if not form.is_valid():
        return _page(request, settings_form=form, status=400)
    services.settings_save(
        org=org,
        repeat_after_min=form.cleaned_data["repeat_after_min"],
        webex_enabled=form.cleaned_data["webex_enabled"],
        webex_room_id=form.cleaned_data["webex_room_id"],
        webex_bot_token=form.cleaned_data["webex_bot_token"] or None,
    )
    return redirect("alerts:page")
