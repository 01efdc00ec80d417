"""HTTP routes for connecting an org to Webex and for "Login with Webex"."""

from __future__ import annotations

from django.urls import path

from oauth import views

app_name = "oauth"

urlpatterns = [
    path("connection/", views.my_connection, name="connection"),
    path("orgs/<int:org_id>/connection/", views.connection_page, name="org_connection"),
    path("orgs/<int:org_id>/connect/", views.connect, name="connect"),
    path("orgs/<int:org_id>/disconnect/", views.disconnect, name="disconnect"),
    path("callback/", views.callback, name="callback"),
    path("login/", views.login_with_webex, name="login"),
]
