from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teach/", views.teacher_home, name="teacher-home"),
    path("sections/<int:pk>/", views.section_detail, name="section-detail"),
    path("students/<int:pk>/", views.student_detail, name="student-detail"),
    path("students/<int:pk>/about/edit/", views.about_me_edit, name="about-me-edit"),
    path("students/<int:pk>/support/edit/", views.support_notes_edit, name="support-notes-edit"),
    path("me/", views.student_home, name="student-home"),
    path("family/", views.family_home, name="family-home"),
]
