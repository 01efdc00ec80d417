"""Views for boards: the TV page (display token), the supervisor's board and board list
(signed in), and the snapshot API (either). Thin edges over `access`, `live` and `api`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from oauth.permissions import current_org, org_member_required
from wallboard import api, selectors
from wallboard.access import BoardAccessDenied, Viewer, authorize, board_for_member, board_for_token
from wallboard.live import current_snapshot
from wallboard.models import Board
from wallboard.rendering import agent_ids_to_name, page_context
from wallboard.specs import BoardSpec, board_specs, org_names
from wxcc.selectors import data_freshness


@login_required
def home(request: HttpRequest) -> HttpResponse:
    org = current_org(request)
    freshness = (
        data_freshness(org, timezone.now(), stale_after_s=3 * settings.WXCC_POLL_INTERVAL_S)
        if org is not None
        else None
    )
    boards = Board.objects.filter(organization=org) if org is not None else Board.objects.none()
    return render(
        request, "wallboard/home.html", {"org": org, "freshness": freshness, "boards": boards}
    )


@org_member_required
@require_GET
def board_list(request: HttpRequest) -> HttpResponse:
    boards = (
        Board.objects.filter(organization=current_org(request))
        .annotate(
            page_count=Count("pages", distinct=True),
            screens_active=Count(
                "screens", filter=Q(screens__revoked_at__isnull=True), distinct=True
            ),
        )
        .order_by("name")
    )
    return render(request, "wallboard/board_list.html", {"boards": boards})


def _spec(viewer: Viewer) -> BoardSpec:
    return board_specs(org_id=viewer.org_id, board_ids=[viewer.board.pk])[0]


def _board_response(
    request: HttpRequest, viewer: Viewer, template: str, ws_url: str
) -> HttpResponse:
    now = timezone.now()
    board = _spec(viewer)
    snapshot = current_snapshot(board.org_id, board.profile, now=now)
    names = org_names(org_id=board.org_id, agent_ids=agent_ids_to_name([board], snapshot))
    context = page_context(
        board, snapshot, names, freshness=selectors.freshness(org_id=board.org_id), now=now
    )
    context["ws_url"] = ws_url
    context["pixel_shift_s"] = settings.WALLBOARD_PIXEL_SHIFT_S
    response = render(request, template, context)
    # The page carries a secret in its URL: never leak it through a Referer header, never cache.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _denied(request: HttpRequest, denied: BoardAccessDenied) -> HttpResponse:
    response = render(
        request, "wallboard/denied.html", {"reason": denied.reason}, status=denied.status
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def tv(request: HttpRequest, slug: str) -> HttpResponse:
    """A full-screen board for an unattended screen: the display token is the only key."""
    token = request.GET.get("token", "")
    try:
        viewer = board_for_token(slug, token)
    except BoardAccessDenied as denied:
        return _denied(request, denied)
    return _board_response(request, viewer, "wallboard/tv.html", f"/ws/tv/{slug}/?token={token}")


@org_member_required
@require_GET
def board_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        viewer = board_for_member(slug, request.user)
    except BoardAccessDenied as denied:
        return _denied(request, denied)
    return _board_response(request, viewer, "wallboard/board_page.html", f"/ws/boards/{slug}/")


@csrf_exempt  # read-only and GET-only: any other method is a 405, not a CSRF 403 page
@require_GET
def snapshot_api(request: HttpRequest, slug: str) -> JsonResponse:
    """The board's figures as JSON (README, "Snapshot API"); a token, else the session."""
    token = request.GET.get("token")
    try:
        viewer = authorize(slug, token=token, user=request.user)
    except BoardAccessDenied as denied:
        response = JsonResponse({"error": denied.reason}, status=denied.status)
        if denied.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="wallboard"'
        return response
    now = timezone.now()
    board = _spec(viewer)
    snapshot = current_snapshot(board.org_id, board.profile, now=now)
    payload = api.snapshot_payload(
        board,
        snapshot,
        freshness=selectors.freshness(org_id=board.org_id),
        names=org_names(org_id=board.org_id, agent_ids=list(snapshot.agents)),
        now=now,
    )
    response = JsonResponse(payload)
    response["Cache-Control"] = "no-store"
    return response
