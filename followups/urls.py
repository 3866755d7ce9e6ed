from django.urls import path, re_path

from . import views

urlpatterns = [
    path("teach/follow-ups/", views.followup_queue, name="followup-queue"),
    re_path(
        r"^teach/follow-ups/(?P<pk>[0-9]+)/(?P<action>acknowledge|assign|snooze|resolve|follow-up|feedback)/$",
        views.flag_action,
        name="flag-action",
    ),
    path("sections/<int:pk>/scan/", views.section_scan, name="section-scan"),
    path("teach/attendance/<int:section_id>/", views.attendance_take, name="attendance-take"),
]
