"""The board editor's pages, for org admins (supervisors get 403; another org's board is a
404): create, edit and delete a board, the live preview (the posted form rendered as the TV
renders it, without saving), and the rows htmx adds for a new page or tile.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oauth.models import Organization
from oauth.permissions import admin_required, current_org, get_for_org_or_404
from wallboard import selectors
from wallboard.editor_forms import (
    MAX_PAGES,
    MAX_TILES,
    BoardEditor,
    PageForm,
    TileForm,
    TileOptions,
    board_initial,
)
from wallboard.editor_services import (
    board_delete,
    board_save,
    preview_config,
    preview_snapshot,
    preview_spec,
)
from wallboard.models import Board
from wallboard.rendering import agent_ids_to_name, page_context
from wallboard.specs import org_names

EDIT_TEMPLATE = "wallboard/editor/edit.html"


def _org(request: HttpRequest) -> Organization:
    org = current_org(request)
    assert org is not None  # admin_required let the request through
    return org


def _editor_page(
    request: HttpRequest, editor: BoardEditor, board: Board | None, *, status: int = 200
) -> HttpResponse:
    context = {
        "editor": editor,
        "board": board,
        "preview_url": reverse("wallboard:board_preview", args=[board.slug])
        if board
        else reverse("wallboard:board_new_preview"),
        "max_pages": MAX_PAGES,
        "max_tiles": MAX_TILES,
        "not_saved": status == 400,
    }
    return render(request, EDIT_TEMPLATE, context, status=status)


def _save(request: HttpRequest, editor: BoardEditor, board: Board | None) -> HttpResponse:
    if not editor.is_valid():
        return _editor_page(request, editor, board, status=400)
    saved = board_save(
        board=editor.board.instance,
        queues=list(editor.board.cleaned_data["queues"]),
        teams=list(editor.board.cleaned_data["teams"]),
        pages=editor.page_drafts(),
        tiles=editor.tile_drafts(),
        queue_targets_s=editor.targets.targets_s(),
    )
    messages.success(request, f"Saved {saved.name}. Its screens show the change now.")
    return HttpResponseRedirect(reverse("wallboard:board_edit", args=[saved.slug]))


@admin_required
@require_http_methods(["GET", "POST"])
def board_new(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    if request.method == "POST":
        return _save(request, BoardEditor.bind(org, data=request.POST), None)
    editor = BoardEditor.bind(org, pages_initial=[{"title": "Overview"}])
    return _editor_page(request, editor, None)


@admin_required
@require_http_methods(["GET", "POST"])
def board_edit(request: HttpRequest, slug: str) -> HttpResponse:
    org = _org(request)
    board = get_for_org_or_404(Board.objects.select_related("organization"), request, slug=slug)
    pages, tiles = board_initial(board)
    if request.method == "POST":
        editor = BoardEditor.bind(
            org, board, data=request.POST, pages_initial=pages, tiles_initial=tiles
        )
        return _save(request, editor, board)
    editor = BoardEditor.bind(org, board, pages_initial=pages, tiles_initial=tiles)
    return _editor_page(request, editor, board)


def _preview(request: HttpRequest, board: Board | None) -> HttpResponse:
    org = _org(request)
    editor = BoardEditor.bind(org, board, data=request.POST)
    if not editor.is_valid():
        return render(
            request,
            "wallboard/editor/preview.html",
            {"editor": editor, "invalid": True},
            status=400,
        )
    spec = preview_spec(
        board=editor.board.instance,
        queue_ids=[q.pk for q in editor.board.cleaned_data["queues"]],
        team_ids=[t.pk for t in editor.board.cleaned_data["teams"]],
        pages=editor.page_drafts(),
        tiles=editor.tile_drafts(),
    )
    now = timezone.now()
    config = preview_config(org_id=spec.org_id, targets_s=editor.targets.targets_s())
    snapshot = preview_snapshot(spec, config=config, now=now)
    names = org_names(org_id=spec.org_id, agent_ids=agent_ids_to_name([spec], snapshot))
    context: dict[str, Any] = page_context(
        spec, snapshot, names, freshness=selectors.freshness(org_id=spec.org_id), now=now
    )
    # No socket: the preview is drawn once per change of the form.
    context["ws_url"] = ""
    return render(request, "wallboard/editor/preview.html", context)


@admin_required
@require_POST
@xframe_options_sameorigin
def board_new_preview(request: HttpRequest) -> HttpResponse:
    return _preview(request, None)


@admin_required
@require_POST
@xframe_options_sameorigin
def board_preview(request: HttpRequest, slug: str) -> HttpResponse:
    board = get_for_org_or_404(Board.objects.select_related("organization"), request, slug=slug)
    return _preview(request, board)


def _form_count(request: HttpRequest, prefix: str, limit: int) -> int | None:
    raw = request.GET.get(f"{prefix}-TOTAL_FORMS", "")
    if not raw.isdigit() or int(raw) >= limit:
        return None
    return int(raw)


@admin_required
@require_GET
def tile_row(request: HttpRequest) -> HttpResponse:
    """A new tile row (htmx), and the formset's form count one higher (out of band)."""
    index = _form_count(request, "tiles", MAX_TILES)
    if index is None:
        return HttpResponse(f"A board holds at most {MAX_TILES} tiles.", status=400)
    form = TileForm(prefix=f"tiles-{index}", options=TileOptions.of(_org(request)))
    context = {"form": form, "prefix": "tiles", "total": index + 1, "new": True}
    return render(request, f"{EDIT_TEMPLATE}#tile-row-added", context)


@admin_required
@require_GET
def page_row(request: HttpRequest) -> HttpResponse:
    index = _form_count(request, "pages", MAX_PAGES)
    if index is None:
        return HttpResponse(f"A board holds at most {MAX_PAGES} pages.", status=400)
    form = PageForm(prefix=f"pages-{index}", initial={"title": f"Page {index + 1}"})
    context = {"form": form, "prefix": "pages", "total": index + 1, "number": index + 1}
    return render(request, f"{EDIT_TEMPLATE}#page-row-added", context)


@admin_required
@require_http_methods(["GET", "POST"])
def board_delete_view(request: HttpRequest, slug: str) -> HttpResponse:
    board = get_for_org_or_404(Board.objects.all(), request, slug=slug)
    if request.method == "POST":
        name = board.name
        board_delete(board=board, now=timezone.now())
        messages.success(request, f"Deleted {name}.")
        return HttpResponseRedirect(reverse("wallboard:board_list"))
    screens = board.screens.filter(revoked_at__isnull=True).count()
    return render(request, "wallboard/editor/delete.html", {"board": board, "screens": screens})
