"""HTTP routes for boards, the TV kiosk and the snapshot API."""

from __future__ import annotations

from django.urls import path

from wallboard import views

app_name = "wallboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("boards/", views.board_list, name="board_list"),
    path("boards/<slug:slug>/", views.board_detail, name="board_detail"),
    path("tv/<slug:slug>/", views.tv, name="tv"),
    path("api/boards/<slug:slug>/snapshot", views.snapshot_api, name="snapshot_api"),
]
