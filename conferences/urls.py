from django.urls import path, re_path
from django.views.decorators.http import require_safe

from . import views

# Pages that only show: a POST to them is a 405 (their view functions are also called by the
# actions below to re-render with an error, so the method check sits here).
urlpatterns = [
    path("teach/conferences/", require_safe(views.schedule), name="conference-schedule"),
    path("teach/conferences/slots/", views.schedule_slots, name="conference-slots"),
    path("teach/conferences/<int:pk>/", require_safe(views.review), name="conference-review"),
    path("me/conference/", require_safe(views.my_conference), name="my-conference"),
    path("me/conference/lead/", require_safe(views.lead), name="conference-lead"),
    path("family/conferences/", require_safe(views.family), name="family-conferences"),
    path("family/conferences/book/", views.family_book, name="family-book"),
    path(
        "conferences/<int:pk>/agenda/", require_safe(views.agenda_print), name="conference-agenda"
    ),
    path(
        "conferences/<int:pk>/summary/",
        require_safe(views.summary_print),
        name="conference-summary",
    ),
    re_path(
        rf"^conferences/(?P<pk>[0-9]+)/do/(?P<action>{views.ACTION_PATTERN})/$",
        views.conference_action,
        name="conference-action",
    ),
]
