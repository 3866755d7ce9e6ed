from django.urls import path, re_path

from . import views

urlpatterns = [
    path("me/goals/", views.my_goals, name="my-goals"),
    path("me/goals/new/", views.goal_new, name="goal-new"),
    path("me/goals/hints/", views.goal_hints_fragment, name="goal-hints"),
    path("goals/<int:pk>/", views.goal_detail, name="goal-detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/checkin/", views.goal_checkin, name="goal-checkin"),
    path("goals/<int:pk>/comment/", views.goal_comment, name="goal-comment"),
    re_path(
        r"^goals/(?P<pk>[0-9]+)/(?P<action>propose|approve|return|accept|decline|close)/$",
        views.goal_transition,
        name="goal-transition",
    ),
    path("goals/steps/<int:pk>/toggle/", views.action_step_toggle, name="action-step-toggle"),
    path("teach/goals/", views.advisory_goals, name="advisory-goals"),
    path("students/<int:pk>/goals/", views.student_goals_page, name="student-goals"),
    path("students/<int:pk>/goals/suggest/", views.goal_suggest, name="goal-suggest"),
]
