"""HTTP routes of the report pages."""

from __future__ import annotations

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_home, name="home"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/download/", views.job_download, name="job_download"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:schedule_id>/", views.schedule_detail, name="schedule_detail"),
    path("schedules/<int:schedule_id>/delete/", views.schedule_delete, name="schedule_delete"),
    path("runs/<int:run_id>/download/", views.run_download, name="run_download"),
    path("outbox/", views.outbox_page, name="outbox"),
    path(
        "outbox/<str:message_id>/attachments/<int:index>/",
        views.outbox_attachment,
        name="outbox_attachment",
    ),
]
