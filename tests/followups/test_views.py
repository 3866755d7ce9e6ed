"""The follow-up pages: the queue acted on in place, the nav count, the markers, the student
page's history, scanning a section and taking attendance. Students and guardians see none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from followups.models import Attendance, Flag, FollowUp, Rule
from profiles.models import Term
from tests import factories as f
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _action(flag, action):
    return reverse("flag-action", args=[flag.pk, action])


def test_queue_shows_the_numbers_in_plain_words_and_links_the_student(world, client):
    flag = make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)
    client.force_login(world.teacher)
    page = client.get(reverse("followup-queue")).content.decode()
    assert "3 targets behind the pacing plan: expected 9 by today, mastered 6" in page
    assert reverse("student-detail", args=[world.student.pk]) in page
    assert f'id="flag-{flag.pk}"' in page


def test_nav_shows_the_open_flag_count(world, client):
    make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)
    make_flag(world.student, Rule.SLIPPING, assigned_to=world.teacher)
    make_flag(world.student, Rule.CHRONIC_ABSENCE)  # not given to the teacher: not counted
    client.force_login(world.teacher)
    page = client.get(reverse("teacher-home")).content.decode()
    assert '<span class="badge nav__count">2<span class="visually-hidden"> open</span>' in page
    assert "flag-marker" in page


def test_queue_shows_my_flags_and_all_my_students_flags_on_request(world, client):
    mine = make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)
    colleague = f.teacher(world.school)
    theirs = make_flag(world.student, Rule.SLIPPING, assigned_to=colleague)
    client.force_login(world.teacher)
    page = client.get(reverse("followup-queue")).content.decode()
    assert f'id="flag-{mine.pk}"' in page and f'id="flag-{theirs.pk}"' not in page
    page = client.get(reverse("followup-queue"), {"all": "1"}).content.decode()
    assert f'id="flag-{mine.pk}"' in page and f'id="flag-{theirs.pk}"' in page


@pytest.mark.parametrize("persona", ["student", "guardian"])
def test_students_and_guardians_never_see_flags_anywhere(world, client, persona):
    flag = make_flag(world.student, Rule.BEHIND_PACE)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("followup-queue")).status_code == 403
    assert client.post(_action(flag, "acknowledge")).status_code == 404
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "pacing plan" not in page and "Flags and follow-ups" not in page
    assert "Follow-ups" not in page
    assert Flag.objects.get(pk=flag.pk).status == "open"


def test_teacher_of_another_student_gets_404(world, client):
    flag = make_flag(world.student)
    client.force_login(world.other_teacher)
    assert client.post(_action(flag, "acknowledge"), **HTMX).status_code == 404


def test_acknowledge_in_place_swaps_the_card(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = client.post(_action(flag, "acknowledge"), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<li class="card flag-card')
    assert "Acknowledged." in body
    assert Flag.objects.get(pk=flag.pk).status == "acknowledged"


def test_log_a_follow_up_then_resolve(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = client.post(
        _action(flag, "follow-up"), {"action": "talked", "note": "Agreed a catch-up plan"}, **HTMX
    )
    assert response.status_code == 200
    assert "Agreed a catch-up plan" in response.content.decode()
    response = client.post(_action(flag, "resolve"), {"outcome": "Back on track"}, **HTMX)
    assert response.status_code == 200
    flag.refresh_from_db()
    assert (flag.status, flag.outcome, FollowUp.objects.filter(flag=flag).count()) == (
        "resolved",
        "Back on track",
        1,
    )


def test_resolve_without_outcome_is_a_400_with_the_sentence(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = client.post(_action(flag, "resolve"), {"outcome": ""}, **HTMX)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Flag.objects.get(pk=flag.pk).status == "open"


def test_snooze_in_the_past_is_refused(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = client.post(_action(flag, "snooze"), {"until": "2020-01-01"}, **HTMX)
    assert response.status_code == 400
    assert "Snooze until a day after today." in response.content.decode()


def test_snooze_and_assign_and_feedback_without_htmx_redirect(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    until = (world.school.today() + dt.timedelta(days=5)).isoformat()
    assert client.post(_action(flag, "snooze"), {"until": until}).status_code == 302
    assert client.post(_action(flag, "assign"), {"assignee": world.teacher.pk}).status_code == 302
    response = client.post(_action(flag, "feedback"), {"feedback": "useful", "from": "student"})
    assert response["Location"] == reverse("student-detail", args=[world.student.pk])
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to, flag.feedback) == ("snoozed", world.teacher, "useful")


def test_assign_to_someone_who_does_not_teach_the_student_is_a_400(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = client.post(_action(flag, "assign"), {"assignee": world.other_teacher.pk}, **HTMX)
    assert response.status_code == 400
    assert Flag.objects.get(pk=flag.pk).assigned_to is None


def test_student_page_shows_staff_the_flag_history(world, client):
    make_flag(world.student, Rule.CHRONIC_ABSENCE, status="cleared")
    make_flag(world.student, Rule.CHRONIC_ABSENCE)
    client.force_login(world.teacher)
    page = client.get(reverse("student-detail", args=[world.student.pk])).content.decode()
    assert "Flags and follow-ups" in page
    assert page.count("Attended 85 % of the last 20 school days") == 2


def test_section_scan_queues_the_task_after_commit(world, client, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "core.tasks.enqueue_after_commit", lambda task, *args, **kw: sent.append((task.name, args))
    )
    client.force_login(world.teacher)
    response = client.post(reverse("section-scan", args=[world.advisory.pk]), follow=True)
    assert response.status_code == 200
    assert "Scanning Advisory Nguyen now" in response.content.decode()
    assert sent == [("followups.section_scan", (world.advisory.pk,))]


def test_section_scan_refused_to_other_teachers(world, client):
    client.force_login(world.other_teacher)
    assert client.post(reverse("section-scan", args=[world.advisory.pk])).status_code == 404
    client.force_login(world.student)
    assert client.post(reverse("section-scan", args=[world.advisory.pk])).status_code == 403


def _term(world):
    today = world.school.today()
    return f.TermFactory(
        school=world.school,
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=60),
    )


def _last_weekday(day):
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def test_advisor_takes_attendance(world, client):
    _term(world)
    day = _last_weekday(world.school.today())
    client.force_login(world.teacher)
    url = reverse("attendance-take", args=[world.advisory.pk])
    page = client.get(f"{url}?date={day:%Y-%m-%d}")
    assert page.status_code == 200
    assert f'name="status-{world.student.pk}"' in page.content.decode()
    response = client.post(url, {"date": day.isoformat(), f"status-{world.student.pk}": "tardy"})
    assert response.status_code == 302
    mark = Attendance.objects.get(student=world.student, date=day)
    assert (mark.status, mark.source, mark.recorded_by) == ("tardy", "advisor", world.teacher)
    client.post(url, {"date": day.isoformat(), f"status-{world.student.pk}": "present"})
    assert Attendance.objects.get(student=world.student, date=day).status == "present"
    assert Attendance.objects.count() == 1


def test_attendance_refuses_a_weekend_and_the_future(world, client):
    _term(world)
    client.force_login(world.teacher)
    url = reverse("attendance-take", args=[world.advisory.pk])
    today = world.school.today()
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)
    response = client.post(
        url, {"date": saturday.isoformat(), f"status-{world.student.pk}": "absent"}
    )
    assert response.status_code == 400
    future = today + dt.timedelta(days=3)
    response = client.post(
        url, {"date": future.isoformat(), f"status-{world.student.pk}": "absent"}
    )
    assert response.status_code == 400
    response = client.post(url, {"date": "not-a-date", f"status-{world.student.pk}": "absent"})
    assert response.status_code == 400
    assert Attendance.objects.count() == 0


def test_attendance_only_for_an_advisory_and_its_teacher(world, client):
    _term(world)
    client.force_login(world.teacher)
    assert client.get(reverse("attendance-take", args=[world.math.pk])).status_code == 404
    client.force_login(world.other_teacher)
    assert client.get(reverse("attendance-take", args=[world.advisory.pk])).status_code == 404
    client.force_login(world.guardian)
    assert client.get(reverse("attendance-take", args=[world.advisory.pk])).status_code == 403


def test_attendance_without_an_active_term_says_so(world, client):
    Term.objects.filter(school=world.school).delete()
    client.force_login(world.teacher)
    page = client.get(reverse("attendance-take", args=[world.advisory.pk]))
    assert "no active term" in page.content.decode()


def _grow(world, n):
    from followups.services import followup_log

    for _ in range(n):
        kid = f.student(world.school)
        f.enroll(world.advisory, kid)
        Attendance.objects.create(
            school=world.school, student=kid, date=world.school.today(), status="tardy"
        )
        for rule in (Rule.BEHIND_PACE, Rule.CHRONIC_ABSENCE):
            severity = "high" if rule == Rule.CHRONIC_ABSENCE else "medium"
            flag = make_flag(kid, rule, severity=severity, assigned_to=world.teacher)
            followup_log(actor=world.teacher, flag=flag, action="talked", note="Checked in")


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("followup-queue"),
        lambda w: reverse("teacher-home"),
        lambda w: reverse("section-detail", args=[w.advisory.pk]),
        lambda w: reverse("student-detail", args=[w.student.pk]),
        lambda w: reverse("attendance-take", args=[w.advisory.pk]),
        lambda w: reverse("api:follow-up-list"),
        lambda w: reverse("api:attendance-list"),
    ],
)
def test_follow_up_pages_run_the_same_queries_however_many_flags(world, client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.teacher)
    make_flag(world.student, Rule.SLIPPING)
    _term(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(world)).status_code == 200
        return len(ctx.captured_queries)

    _grow(world, 2)
    small = count()
    _grow(world, 6)
    large = count()
    assert small == large, f"{small} queries before, {large} after"
    assert large <= 16
