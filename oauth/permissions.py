"""Who may see what: every signed-in user belongs to one organization (their Membership) and
sees only its data; admins also connect the org and manage boards and schedules.

Other apps reuse these: `@org_member_required` / `@admin_required` on function views (they set
`request.organization`), the mixins on class-based views, `current_org(request)` anywhere, and
`get_for_org_or_404` to look up a row that must belong to the user's org (another org's row is
a 404, never a 403, so ids do not leak).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from oauth.models import Membership, Organization, Role

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


def current_membership(request: HttpRequest) -> Membership | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        membership = user.membership
    except ObjectDoesNotExist:
        return None
    return membership


def current_org(request: HttpRequest) -> Organization | None:
    """The signed-in user's organization, or None (anonymous, or no membership)."""
    membership = current_membership(request)
    return membership.organization if membership else None


def is_org_admin(request: HttpRequest) -> bool:
    membership = current_membership(request)
    return bool(membership and membership.role == Role.ADMIN)


def _check(request: HttpRequest, *, admin: bool) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = current_membership(request)
    if membership is None:
        raise PermissionDenied("You are not a member of any contact center.")
    if admin and membership.role != Role.ADMIN:
        raise PermissionDenied("Only administrators can do this.")
    request.organization = membership.organization  # type: ignore[attr-defined]
    return None


def org_member_required(view: View) -> View:
    """Signed in and a member (admin or supervisor) of an organization."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _check(request, admin=False) or view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    """Signed in and an admin of their organization."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _check(request, admin=True) or view(request, *args, **kwargs)

    return wrapper


class OrgMemberRequiredMixin(LoginRequiredMixin):
    _admin_only = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        _check(request, admin=self._admin_only)
        return super().dispatch(request, *args, **kwargs)


class AdminRequiredMixin(OrgMemberRequiredMixin):
    _admin_only = True


def get_for_org_or_404(queryset: QuerySet[M], request: HttpRequest, **lookup: Any) -> M:
    """The row matching `lookup` within the user's organization (the model's `organization`
    field); a row of another organization is a 404."""
    org = current_org(request)
    if org is None:
        raise Http404
    try:
        return queryset.get(organization=org, **lookup)
    except ObjectDoesNotExist:
        raise Http404 from None


def org_from_url(request: HttpRequest, org_id: int) -> Organization:
    """The organization named in a URL, only if it is the user's own (else 404)."""
    org = current_org(request)
    if org is None or org.pk != org_id:
        raise Http404
    return org
