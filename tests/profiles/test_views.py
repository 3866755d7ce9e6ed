"""Pages: each role's home, the student page, the profile editors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("teacher", "/teach/"),
        ("student", "/me/"),
        ("guardian", "/family/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_own_home_after_login(world, client, persona, home):
    person = getattr(world, persona)
    response = client.post(reverse("login"), {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == home


def test_login_is_case_insensitive_on_email(world, client):
    response = client.post(reverse("login"), {"username": "TESS@Example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_repeated_failures_lock_out_that_username_from_that_address(world, client):
    for _ in range(5):
        client.post(reverse("login"), {"username": world.teacher.email, "password": "nope"})
    response = client.post(
        reverse("login"), {"username": world.teacher.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    # Another account from the same address is not locked.
    other = client.post(reverse("login"), {"username": world.student.email, "password": PASSWORD})
    assert other.status_code == 302


def test_password_reset_sends_an_email_with_a_link(
    world, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": world.student.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [world.student.email]
    assert "http://testserver/accounts/reset/" in mailoutbox[0].body


def test_teacher_home_shows_advisees_as_cards_and_classes(world, client):
    client.force_login(world.teacher)
    world.student.learner_profile.interests = "Robotics"
    world.student.learner_profile.save()
    page = client.get(reverse("teacher-home")).content.decode()
    assert "My advisees" in page
    assert "Sam Rivera" in page
    assert "Robotics" in page
    assert "Math 7" in page
    assert "Olive Chen" not in page


def test_teacher_search_returns_a_fragment_for_htmx(world, client):
    client.force_login(world.teacher)
    response = client.get(reverse("teacher-home"), {"q": "sam"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "Sam Rivera" in body
    none = client.get(reverse("teacher-home"), {"q": "olive"}, HTTP_HX_REQUEST="true")
    assert "No student of yours matches" in none.content.decode()


def test_teacher_sees_support_notes_and_family_on_the_student_page(world, client):
    profile = world.student.learner_profile
    profile.support_notes = "Check in privately"
    profile.save()
    client.force_login(world.teacher)
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Check in privately" in page
    assert "Gina Rivera" in page
    assert "Staff only" in page


def test_parent_sees_their_childs_profile_without_staff_fields(world, client):
    profile = world.student.learner_profile
    profile.strengths = "Kind and curious"
    profile.support_notes = "Check in privately"
    profile.save()
    client.force_login(world.guardian)
    family = client.get(reverse("family-home")).content.decode()
    assert "Sam Rivera" in family and "Kind and curious" in family
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Kind and curious" in page
    assert "Check in privately" not in page
    assert "Staff only" not in page


def test_student_edits_about_me(world, client):
    client.force_login(world.student)
    url = reverse("about-me-edit", args=[world.student.pk])
    form = client.get(url).content.decode()
    assert 'name="version" value="1"' in form
    response = client.post(url, {"interests": "Robotics", "version": 1})
    assert response.status_code == 302 and response["Location"] == reverse("student-home")
    assert "Robotics" in client.get(reverse("student-home")).content.decode()


def test_conflicting_edit_keeps_my_text_and_shows_theirs(world, client):
    client.force_login(world.teacher)
    url = reverse("about-me-edit", args=[world.student.pk])
    from profiles.services import learner_profile_update

    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "Chess"},
    )
    response = client.post(url, {"interests": "Drawing", "version": 1})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Not saved yet" in page
    assert "Chess" in page  # theirs, shown
    assert "Drawing</textarea>" in page  # mine, kept in the form
    assert 'name="version" value="2"' in page
    world.student.learner_profile.refresh_from_db()
    assert world.student.learner_profile.interests == "Chess"


def test_teacher_edits_support_notes(world, client):
    client.force_login(world.teacher)
    url = reverse("support-notes-edit", args=[world.student.pk])
    response = client.post(
        url, {"support_notes": "Quiet space", "accommodations": "", "version": 1}
    )
    assert response.status_code == 302
    world.student.learner_profile.refresh_from_db()
    assert world.student.learner_profile.support_notes == "Quiet space"
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Tess Nguyen" in page and "support notes" in page  # history row


def test_section_page_lists_its_students(world, client):
    client.force_login(world.teacher)
    page = client.get(reverse("section-detail", args=[world.math.pk])).content.decode()
    assert "Math 7" in page and "Sam Rivera" in page and "Olive Chen" not in page


def test_navigation_shows_each_role_its_homes(world, client):
    client.force_login(world.teacher)
    page = client.get(reverse("teacher-home")).content.decode()
    assert 'href="/teach/" aria-current="page"' in page
    assert 'href="/family/"' not in page


def test_pages_carry_a_content_security_policy_without_inline_scripts(world, client):
    client.force_login(world.teacher)
    response = client.get(reverse("teacher-home"))
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "<script>" not in response.content.decode()


def test_about_me_edit_prompts_say_more_than_their_labels_and_the_nav_says_about_me(world, client):
    import re

    from profiles.forms import AboutMeForm

    client.force_login(world.student)
    page = client.get(reverse("about-me-edit", args=[world.student.pk])).content.decode()
    for field in AboutMeForm().visible_fields():
        label = str(field.label).lower().replace("'", "").replace("’", "")
        helptext = str(field.help_text).lower().rstrip(".").replace("'", "")
        assert helptext and helptext != label, field.name
        assert helptext.replace("i am", "im") != label, field.name
    assert "How I learn best.</p>" not in page
    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', page)
    assert current == [(reverse("student-home"), "About me")]


def test_a_teacher_editing_a_students_about_me_has_no_student_nav_highlighted(world, client):
    import re

    client.force_login(world.teacher)
    page = client.get(reverse("about-me-edit", args=[world.student.pk])).content.decode()
    current = re.findall(r'aria-current="page">([^<]+)</a>', page)
    assert "About me" not in current


def test_the_profile_history_tells_the_time_on_a_12_hour_clock(world, client):
    import re

    from profiles.services import learner_profile_update

    learner_profile_update(
        actor=world.student,
        student=world.student,
        expected_version=1,
        changes={"interests": "Chess"},
    )
    client.force_login(world.teacher)
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    history = page.split('class="history"')[1].split("</ol>")[0]
    shown = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', history)
    assert shown, history
    for text in shown:
        assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M", text), text
