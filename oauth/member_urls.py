"""HTTP routes of the members page (included at /members/ from config.urls)."""

from __future__ import annotations

from django.urls import path

from oauth import member_views

app_name = "members"

urlpatterns = [
    path("", member_views.members_page, name="list"),
    path("invite/", member_views.invite, name="invite"),
    path("<int:membership_id>/role/", member_views.set_role, name="role"),
    path("<int:membership_id>/remove/", member_views.remove, name="remove"),
]
