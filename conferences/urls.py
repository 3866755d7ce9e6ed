from django.urls import path, re_path

from . import views

urlpatterns = [
    path("teach/conferences/", views.schedule, name="conference-schedule"),
    path("teach/conferences/slots/", views.schedule_slots, name="conference-slots"),
    path("teach/conferences/<int:pk>/", views.review, name="conference-review"),
    path("me/conference/", views.my_conference, name="my-conference"),
    path("me/conference/lead/", views.lead, name="conference-lead"),
    path("family/conferences/", views.family, name="family-conferences"),
    path("family/conferences/book/", views.family_book, name="family-book"),
    path("conferences/<int:pk>/agenda/", views.agenda_print, name="conference-agenda"),
    path("conferences/<int:pk>/summary/", views.summary_print, name="conference-summary"),
    re_path(
        rf"^conferences/(?P<pk>[0-9]+)/do/(?P<action>{views.ACTION_PATTERN})/$",
        views.conference_action,
        name="conference-action",
    ),
]
