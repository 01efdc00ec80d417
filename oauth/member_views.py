"""The members page for admins (`/members/`): list, invite, change role, remove. Another
org's member is a 404; supervisors get a 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from oauth.member_forms import InviteForm, RoleForm
from oauth.member_services import MemberError, member_invite, member_remove, member_set_role
from oauth.models import Membership, Organization, Role
from oauth.permissions import admin_required, get_for_org_or_404

TEMPLATE = "oauth/members.html"


def _org(request: HttpRequest) -> Organization:
    org: Organization = request.organization  # type: ignore[attr-defined]
    return org


def _page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    org = _org(request)
    members = list(
        Membership.objects.filter(organization=org)
        .select_related("user")
        .order_by("user__username")
    )
    context: dict[str, Any] = {
        "org": org,
        "members": members,
        "invite_form": InviteForm(),
        "roles": Role.choices,
        "me": request.user.pk,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@admin_required
def members_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@admin_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, invite_form=form, status=400)
    try:
        invitation = member_invite(
            org=_org(request),
            email=form.cleaned_data["email"],
            username=form.cleaned_data["username"],
            role=Role(form.cleaned_data["role"]),
            invited_by_id=request.user.pk,
        )
    except MemberError as exc:
        form.add_error(exc.field, exc.message)
        return _page(request, invite_form=form, status=400)
    link = (
        request.build_absolute_uri(invitation.set_password_path)
        if invitation.set_password_path
        else None
    )
    # The link is shown once, on this answer; it is not stored.
    return _page(request, invited=invitation.membership, set_password_link=link)


@require_POST
@admin_required
def set_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for_org_or_404(
        Membership.objects.select_related("user"), request, pk=membership_id
    )
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _page(request, row_error=(membership.pk, "Choose admin or supervisor."), status=400)
    try:
        member_set_role(
            org=_org(request), membership=membership, role=Role(form.cleaned_data["role"])
        )
    except MemberError as exc:
        return _page(request, row_error=(membership.pk, exc.message), status=400)
    return redirect("members:list")


@require_POST
@admin_required
def remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for_org_or_404(
        Membership.objects.select_related("user"), request, pk=membership_id
    )
    try:
        member_remove(org=_org(request), membership=membership)
    except MemberError as exc:
        return _page(request, row_error=(membership.pk, exc.message), status=400)
    return redirect("members:list")
