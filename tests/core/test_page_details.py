"""Small things people saw on their first day (issue 9): admin names, form accessibility,
navigation, styles."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib import admin
from django.urls import reverse

from goals.models import CheckIn, ReminderSent

CSS = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()


def test_admin_names_read_as_english():
    assert CheckIn._meta.verbose_name_plural == "check-ins"
    assert ReminderSent._meta.verbose_name_plural == "reminders sent"
    odd = [
        str(m._meta.verbose_name_plural)
        for m in admin.site._registry
        if re.search(r"\b(\w+ sents|check ins)\b", str(m._meta.verbose_name_plural))
    ]
    assert odd == []


def test_aria_describedby_points_at_the_error_and_help_shown(world, client):
    client.force_login(world.student)
    response = client.post(reverse("goal-new"), {"title": "", "horizon": "term", "draft": "1"})
    page = response.content.decode()
    title = re.search(r"<input[^>]*name=\"title\"[^>]*>", page).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', title).group(1).split()
    assert described == ["id_title_error"]
    for ident in described:
        assert f'id="{ident}"' in page
    competencies = re.search(r"<select[^>]*name=\"competencies\"[^>]*>", page).group(0)
    for ident in re.search(r'aria-describedby="([^"]+)"', competencies).group(1).split():
        assert f'id="{ident}"' in page


def test_the_api_docs_are_not_in_a_teachers_navigation(world, client):
    client.force_login(world.teacher)
    page = client.get(reverse("teacher-home")).content.decode()
    nav = page.split('aria-label="Main"')[1].split("</nav>")[0]
    assert reverse("api-docs") not in nav
    assert client.get(reverse("api-docs")).status_code == 200  # still there for who needs it


def test_the_api_docs_are_in_a_school_admins_navigation(world, client):
    from profiles.context_processors import navigation

    request = client.get(reverse("home")).wsgi_request
    request.user = world.admin
    labels = [i["label"] for i in navigation(request)["nav_items"]]
    assert "API" in labels


def test_date_and_number_inputs_are_styled_like_text_inputs():
    rule = re.search(r"([^{}]*)\{[^}]*border: 1px solid #8a94a6", CSS).group(1)
    assert 'input[type="date"]' in rule and 'input[type="number"]' in rule


def test_status_pills_have_a_background_of_their_own():
    page_background = re.search(r"body \{[^}]*background: ([^;]+);", CSS)
    pill = re.search(r"\.status \{[^}]*background: ([^;]+);", CSS).group(1)
    assert pill not in ("var(--wash)", "transparent", "none")
    if page_background:
        assert pill != page_background.group(1)


def test_the_users_list_shows_the_role_second():
    """At 1280 px, beside the admin's navigation and filters, a real roster's long emails and
    names push every column after the third out of view (tests/e2e/test_admin_layout.py)."""
    from profiles.models import User

    columns = list(admin.site._registry[User].list_display)
    assert columns[:2] == ["email", "roles"]
    assert len(columns) <= 5
