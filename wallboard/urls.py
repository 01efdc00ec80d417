"""HTTP routes for boards, the TV kiosk, the snapshot API and the supervisor pages."""

from __future__ import annotations

from django.urls import path

from wallboard import views
from wallboard.supervisor import views as supervisor_views

app_name = "wallboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("boards/", views.board_list, name="board_list"),
    path("boards/<slug:slug>/", views.board_detail, name="board_detail"),
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
