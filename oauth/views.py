"""Thin edges of the connection flow: the admin "Connection" page, its Connect/Disconnect
actions, the OAuth callback (connect and login) and the "Login with Webex" start."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from oauth import selectors, services
from oauth.exceptions import ConnectFlowError, InvalidState
from oauth.models import Region
from oauth.permissions import admin_required, current_org, is_org_admin, org_from_url


@admin_required
def my_connection(request: HttpRequest) -> HttpResponse:
    return redirect("oauth:org_connection", org_id=request.organization.pk)  # type: ignore[attr-defined]


@admin_required
@require_GET
def connection_page(request: HttpRequest, org_id: int) -> HttpResponse:
    org = org_from_url(request, org_id)
    return render(
        request,
        "oauth/connection.html",
        {
            "organization": org,
            "connection": selectors.connection_for(org),
            "regions": Region.choices,
            "configured": bool(settings.WEBEX_CLIENT_ID and settings.WEBEX_CLIENT_SECRET),
        },
    )


@admin_required
@require_POST
def connect(request: HttpRequest, org_id: int) -> HttpResponse:
    org = org_from_url(request, org_id)
    region = request.POST.get("region", org.region)
    if region not in Region.values:
        messages.error(request, "Choose one of the listed regions.")
        return redirect("oauth:org_connection", org_id=org.pk)
    return HttpResponseRedirect(services.start_connect(request, org, region))


@admin_required
@require_POST
def disconnect(request: HttpRequest, org_id: int) -> HttpResponse:
    org = org_from_url(request, org_id)
    services.disconnect(org)
    messages.success(request, f"{org.name} is disconnected from Webex; its tokens are deleted.")
    return redirect("oauth:org_connection", org_id=org.pk)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Where Webex sends the browser back, for both connect and login (one registered URI)."""
    state = request.GET.get("state", "")
    code = request.GET.get("code", "")
    error = request.GET.get("error", "")
    try:
        flow = services.pop_pending_flow(request, state)
        if flow.purpose == services.Purpose.LOGIN:
            services.complete_login(request, flow, code=code, error=error)
            return redirect(settings.LOGIN_REDIRECT_URL)
        org = current_org(request)
        if org is None or org.pk != flow.org_id or not is_org_admin(request):
            raise InvalidState("Only the administrator who started connecting can finish it.")
        services.complete_connect(request, flow, code=code, error=error)
    except ConnectFlowError as exc:
        return render(
            request,
            "oauth/flow_error.html",
            {"title": exc.title, "message": exc.message, "organization": current_org(request)},
            status=exc.status_code,
        )
    messages.success(request, f"{org.name} is connected to Webex Contact Center.")
    return redirect("oauth:org_connection", org_id=org.pk)


@require_POST
def login_with_webex(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(services.start_login(request))
