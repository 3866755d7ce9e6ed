from django.urls import path

from . import views

urlpatterns = [
    path("sections/<int:pk>/grid/", views.section_grid, name="section-grid"),
    path("sections/<int:pk>/grid.csv", views.section_grid_csv, name="section-grid-csv"),
    path(
        "sections/<int:pk>/grid/cell/<int:student_pk>/<int:competency_pk>/",
        views.grid_cell,
        name="grid-cell",
    ),
    path("sections/<int:pk>/record/", views.section_record, name="section-record"),
    path("teach/evidence/", views.evidence_review, name="evidence-review"),
    path(
        "teach/evidence/<int:evidence_pk>/accept/",
        views.evidence_review_decide,
        {"decision": "accept"},
        name="evidence-accept",
    ),
    path(
        "teach/evidence/<int:evidence_pk>/return/",
        views.evidence_review_decide,
        {"decision": "return"},
        name="evidence-return",
    ),
    path("me/mastery/", views.my_mastery, name="my-mastery"),
    path("me/mastery/submit/", views.submit_evidence, name="evidence-submit"),
    path("students/<int:pk>/progress/", views.student_progress_page, name="student-progress"),
]
