"""The screens page, for org admins: a display link per screen (name and board), which are
connected now and when each was last seen, its TV address to copy, and revocation (which
closes the screen's open sockets at once, through `wallboard.services.screen_revoke`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oauth.models import Organization
from oauth.permissions import admin_required, current_org
from wallboard import presence
from wallboard.editor_forms import ScreenForm
from wallboard.models import Screen
from wallboard.services import screen_create, screen_revoke


@dataclass(frozen=True, slots=True)
class ScreenRow:
    id: int
    name: str
    board_name: str
    tv_url: str
    connected: bool
    last_seen_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None


def _org(request: HttpRequest) -> Organization:
    org = current_org(request)
    assert org is not None  # admin_required let the request through
    return org


def _rows(request: HttpRequest, org: Organization) -> list[ScreenRow]:
    """The org's display links, active first. One query, plus one Redis round trip."""
    connected = presence.connected_screens(org.pk)
    screens = (
        Screen.objects.filter(board__organization=org)
        .select_related("board")
        .order_by("revoked_at", "board__name", "name", "pk")
    )
    return [
        ScreenRow(
            id=screen.pk,
            name=screen.name,
            board_name=screen.board.name,
            tv_url=""
            if screen.is_revoked
            else request.build_absolute_uri(
                reverse("wallboard:tv", args=[screen.board.slug]) + f"?token={screen.token}"
            ),
            connected=screen.pk in connected and not screen.is_revoked,
            last_seen_at=screen.last_seen_at,
            created_at=screen.created_at,
            revoked_at=screen.revoked_at,
        )
        for screen in screens
    ]


def _page(request: HttpRequest, form: ScreenForm, *, status: int = 200) -> HttpResponse:
    response = render(
        request,
        "wallboard/screens.html",
        {"form": form, "screens": _rows(request, _org(request))},
        status=status,
    )
    # The page shows display tokens: keep it out of caches. (Its own address holds no
    # secret; "no-referrer" would make the browser post its forms with Origin: null.)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def screen_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    if request.method == "POST":
        form = ScreenForm(request.POST, organization=org)
        if not form.is_valid():
            return _page(request, form, status=400)
        screen, _token = screen_create(
            board=form.cleaned_data["board"], name=form.cleaned_data["name"]
        )
        messages.success(request, f"Created the display link for {screen.name}.")
        return HttpResponseRedirect(reverse("wallboard:screens") + f"#screen-{screen.pk}")
    return _page(request, ScreenForm(organization=org))


@admin_required
@require_POST
def screen_revoke_view(request: HttpRequest, screen_id: int) -> HttpResponse:
    screen = (
        Screen.objects.select_related("board")
        .filter(pk=screen_id, board__organization=_org(request))
        .first()
    )
    if screen is None:
        raise Http404("No such display link.")
    if screen_revoke(screen=screen, now=timezone.now()):
        messages.success(request, f"Revoked {screen.name}: it is disconnected.")
    return HttpResponseRedirect(reverse("wallboard:screens"))
