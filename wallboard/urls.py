"""HTTP routes for boards, the TV kiosk, the snapshot API and the supervisor pages."""

from __future__ import annotations

from django.urls import path

from wallboard import editor_views, screen_views, views
from wallboard.supervisor import views as supervisor_views

app_name = "wallboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("boards/", views.board_list, name="board_list"),
    path("boards/new/", editor_views.board_new, name="board_new"),
    path("boards/new/preview/", editor_views.board_new_preview, name="board_new_preview"),
    path("boards/editor/tile-row/", editor_views.tile_row, name="editor_tile_row"),
    path("boards/editor/page-row/", editor_views.page_row, name="editor_page_row"),
    path("boards/<slug:slug>/", views.board_detail, name="board_detail"),
    path("boards/<slug:slug>/edit/", editor_views.board_edit, name="board_edit"),
    path("boards/<slug:slug>/edit/preview/", editor_views.board_preview, name="board_preview"),
    path("boards/<slug:slug>/delete/", editor_views.board_delete_view, name="board_delete"),
    path("screens/", screen_views.screen_list, name="screens"),
    path("screens/<int:screen_id>/revoke/", screen_views.screen_revoke_view, name="screen_revoke"),
    path("tv/<slug:slug>/", views.tv, name="tv"),
    path("api/boards/<slug:slug>/snapshot", views.snapshot_api, name="snapshot_api"),
    path("agents/", supervisor_views.agents, name="supervisor_agents"),
    path("queues/", supervisor_views.queues, name="supervisor_queues"),
    path("queues/<int:queue_id>/", supervisor_views.queue_detail, name="supervisor_queue"),
    path(
        "queues/<int:queue_id>/waiting/",
        supervisor_views.queue_waiting,
        name="supervisor_queue_waiting",
    ),
]
