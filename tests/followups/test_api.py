"""The followups API: staff see and work their students' flags; students and guardians get an
empty list and a 404, whatever they try. Every write goes through the services."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups.models import Attendance, Flag, FollowUp, Rule
from tests import factories as f
from tests.followups.support import attendance_body, make_flag

pytestmark = pytest.mark.django_db


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_teacher_lists_flags_with_the_numbers_in_words(world, client):
    flag = make_flag(world.student, Rule.BEHIND_PACE)
    client.force_login(world.teacher)
    rows = client.get(reverse("api:flag-list")).json()["results"]
    assert [r["id"] for r in rows] == [flag.pk]
    assert rows[0]["description"].startswith("3 targets behind the pacing plan: expected 9")


@pytest.mark.parametrize("persona", ["student", "guardian", "other_teacher", "other_admin"])
def test_students_guardians_and_outsiders_never_see_flags(world, client, persona):
    flag = make_flag(world.student)
    FollowUp.objects.create(flag=flag, action="talked", occurred_on=flag.first_detected_on)
    Attendance.objects.create(
        school=world.school, student=world.student, date=world.school.today(), status="absent"
    )
    client.force_login(getattr(world, persona))
    assert client.get(reverse("api:flag-list")).json()["results"] == []
    assert client.get(reverse("api:follow-up-list")).json()["results"] == []
    assert client.get(reverse("api:attendance-list")).json()["results"] == []
    assert client.get(reverse("api:flag-detail", args=[flag.pk])).status_code == 404
    response = _post(client, reverse("api:flag-resolve", args=[flag.pk]), {"outcome": "x"})
    assert response.status_code == 404
    response = _post(client, reverse("api:follow-up-list"), {"flag": flag.pk, "action": "talked"})
    assert response.status_code == 400 and response.json()["field"] == "flag"
    assert Flag.objects.get(pk=flag.pk).status == "open"
    assert FollowUp.objects.count() == 1


def test_filters(world, client):
    high = make_flag(world.student, Rule.CHRONIC_ABSENCE, severity="high")
    make_flag(world.student, Rule.SLIPPING, status="cleared")
    client.force_login(world.teacher)
    url = reverse("api:flag-list")
    assert [r["id"] for r in client.get(url, {"severity": "high"}).json()["results"]] == [high.pk]
    assert len(client.get(url, {"status": "cleared"}).json()["results"]) == 1
    assert client.get(url, {"rule": "nonsense"}).status_code == 400
    assert client.get(url, {"student": "-1"}).status_code == 400


def test_transitions_over_the_api(world, client):
    flag = make_flag(world.student)
    client.force_login(world.teacher)
    response = _post(client, reverse("api:flag-acknowledge", args=[flag.pk]))
    assert (response.status_code, response.json()["status"]) == (200, "acknowledged")
    response = _post(client, reverse("api:flag-acknowledge", args=[flag.pk]))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_transition")
    until = (world.school.today() + dt.timedelta(days=3)).isoformat()
    response = _post(client, reverse("api:flag-snooze", args=[flag.pk]), {"until": until})
    assert response.json()["snoozed_until"] == until
    response = _post(
        client,
        reverse("api:follow-up-list"),
        {"flag": flag.pk, "action": "referral", "note": "Counsellor"},
    )
    assert response.status_code == 201 and response.json()["author"] == world.teacher.pk
    response = _post(client, reverse("api:flag-resolve", args=[flag.pk]), {"outcome": ""})
    assert (response.status_code, response.json()["field"]) == (400, "outcome")
    response = _post(client, reverse("api:flag-resolve", args=[flag.pk]), {"outcome": "Seen"})
    assert response.json()["status"] == "resolved"
    response = _post(client, reverse("api:flag-feedback", args=[flag.pk]), {"feedback": "useful"})
    assert response.json()["feedback"] == "useful"
    response = _post(
        client, reverse("api:flag-assign", args=[flag.pk]), {"assignee": world.teacher.pk}
    )
    assert response.status_code == 400


def test_advisor_takes_attendance_over_the_api(world, client):
    body = attendance_body(world)
    client.force_login(world.teacher)
    payload = {
        "section": world.advisory.pk,
        "date": body["date"],
        "marks": [{"student": world.student.pk, "status": "excused"}],
    }
    response = _post(client, reverse("api:attendance-list"), payload)
    assert (response.status_code, response.json()) == (201, {"saved": 1})
    rows = client.get(reverse("api:attendance-list")).json()["results"]
    assert [(r["student"], r["status"]) for r in rows] == [(world.student.pk, "excused")]
    client.force_login(world.other_teacher)
    response = _post(client, reverse("api:attendance-list"), payload)
    assert response.status_code == 400  # not a section they can see
    client.force_login(world.teacher)
    payload["section"] = world.math.pk
    assert _post(client, reverse("api:attendance-list"), payload).status_code == 403


def test_scan_a_section_queues_the_task(world, client, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "core.tasks.enqueue_after_commit", lambda task, *args, **kw: sent.append((task.name, args))
    )
    client.force_login(world.teacher)
    response = _post(client, reverse("api:section-scan", args=[world.advisory.pk]))
    assert response.status_code == 202
    assert sent == [("followups.section_scan", (world.advisory.pk,))]
    client.force_login(world.student)
    assert _post(client, reverse("api:section-scan", args=[world.advisory.pk])).status_code == 403
    assert len(sent) == 1


def test_flag_list_queries_do_not_grow(world, client):
    client.force_login(world.teacher)

    def grow(n):
        for _ in range(n):
            kid = f.student(world.school)
            f.enroll(world.advisory, kid)
            make_flag(kid, Rule.BEHIND_PACE)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("api:flag-list")).status_code == 200
        return len(ctx.captured_queries)

    grow(2)
    small = count()
    grow(8)
    assert count() == small
