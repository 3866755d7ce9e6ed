"""Authorization-matrix rows for the conference pages and API, merged into
``tests/test_authorization_matrix.py`` with ``MATRIX.update(ROWS)``.

Each write row sends a valid body, so the people allowed get the success status and everyone
else is refused by the services (403) or by scoping (404). The kwargs build what they need
through the services (tests/conferences/support.py), idempotently."""

from __future__ import annotations

from typing import Any

from conferences import services as svc
from conferences.models import Commitment, ConferenceTemplate, WorkSample
from tests.conferences.support import conference_setup, in_state, scheduled
from tests.conftest import World
from tests.test_authorization_matrix import EVERYONE, SEES_STUDENT, STAFF, Rule

SCHOOL = EVERYONE - {"anonymous", "other_admin"}  # everyone with a membership at the school
STUDENTS = frozenset({"student", "other_student"})
GUARDIANS = frozenset({"guardian", "other_guardian"})
TEACHERS = frozenset({"teacher", "other_teacher"})
RUNS = STAFF  # the advisor (world.teacher) and the school admin
ATTENDEES = frozenset({"student", "guardian"})
PREPARERS = frozenset({"student", "teacher", "admin"})


def _made(build):
    """URL kwargs for a list: nothing, but the listed row is made before the request."""
    return lambda w: (build(w), {})[1]


def _pk(status: str):
    return lambda w: {"pk": in_state(w, status).pk}


def _past(status: str):
    """A conference whose time has passed, so it can be held."""

    def build(w: World) -> dict[str, int]:
        conference_setup(w, days_ahead=-3)
        return {"pk": in_state(w, status).pk}

    return build


def _booking(w: World) -> Any:
    return conference_setup(w, mode="booking")


def _template(w: World) -> int:
    return ConferenceTemplate.objects.get(school=w.school, is_default=True).pk


def _sample(w: World) -> WorkSample:
    from mastery.services import evidence_record
    from tests.mastery.conftest import build_maths

    conference = in_state(w, "preparing")
    existing = conference.work_samples.first()
    if existing:
        return existing
    evidence = evidence_record(
        actor=w.teacher, student=w.student, competency=build_maths(w).t1, score=3
    )
    return svc.work_sample_add(actor=w.student, conference=conference, evidence=evidence)


def _commitment(w: World) -> Commitment:
    conference = in_state(w, "ready")
    return conference.commitments.first() or svc.commitment_add(
        actor=w.teacher, conference=conference, who="student", text="Use a planner"
    )


def _with_next_goal(w: World) -> dict[str, int]:
    conference = in_state(w, "preparing")
    if not conference.next_goals.exists():
        svc.next_goal_add(actor=w.student, conference=conference, title="Read more widely")
    return {"pk": in_state(w, "held").pk}


def _family_form(w: World) -> dict[str, Any]:
    setup = _booking(w)
    return {"window": setup.window.pk, f"slot_{w.student.pk}": setup.slots[0].pk}


def _api_booking(w: World) -> dict[str, Any]:
    setup = _booking(w)
    return {"bookings": [{"student": w.student.pk, "slot": setup.slots[0].pk}]}


ROWS: dict[str, Rule] = {
    # pages
    "conference-schedule": Rule(TEACHERS, kwargs=lambda w: (conference_setup(w), {})[1]),
    "conference-slots": Rule(
        TEACHERS,
        method="post",
        ok_status=302,
        data=lambda w: {"window": conference_setup(w).window.pk, "action": "create"},
    ),
    "conference-review": Rule(frozenset({"teacher"}), kwargs=_pk("submitted")),
    "my-conference": Rule(STUDENTS, kwargs=lambda w: (scheduled(w), {})[1]),
    "conference-lead": Rule(STUDENTS, kwargs=lambda w: (in_state(w, "ready"), {})[1]),
    "family-conferences": Rule(GUARDIANS, kwargs=lambda w: (scheduled(w), {})[1]),
    "family-book": Rule(frozenset({"guardian"}), method="post", ok_status=302, data=_family_form),
    "conference-agenda": Rule(SEES_STUDENT, kwargs=_pk("ready")),
    "conference-summary": Rule(SEES_STUDENT, kwargs=_pk("held")),
    "conference-action": Rule(
        RUNS,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": in_state(w, "submitted").pk, "action": "approve"},
        data={"comment": "Well prepared"},
    ),
    # API
    "api:conference-template-list": Rule(
        SCHOOL, kwargs=_made(_template), scoped_list=True, target=_template
    ),
    "api:conference-template-detail": Rule(SCHOOL, kwargs=lambda w: {"pk": _template(w)}),
    "api:conference-window-list": Rule(
        SCHOOL,
        kwargs=_made(conference_setup),
        scoped_list=True,
        target=lambda w: conference_setup(w).window.pk,
    ),
    "api:conference-window-detail": Rule(
        SCHOOL, kwargs=lambda w: {"pk": conference_setup(w).window.pk}
    ),
    "api:conference-window-book": Rule(
        frozenset({"guardian"}),
        method="post",
        kwargs=lambda w: {"pk": _booking(w).window.pk},
        data=_api_booking,
    ),
    "api:conference-slot-list": Rule(
        SCHOOL,
        kwargs=_made(conference_setup),
        scoped_list=True,
        target=lambda w: conference_setup(w).slots[0].pk,
    ),
    "api:conference-slot-detail": Rule(
        SCHOOL, kwargs=lambda w: {"pk": conference_setup(w).slots[0].pk}
    ),
    "api:conference-list": Rule(
        SEES_STUDENT, kwargs=lambda w: (scheduled(w), {})[1], scoped_list=True
    ),
    "api:conference-detail": Rule(SEES_STUDENT, kwargs=_pk("scheduled")),
    "api:conference-agenda": Rule(SEES_STUDENT, kwargs=_pk("preparing")),
    "api:conference-submit": Rule(frozenset({"student"}), method="post", kwargs=_pk("preparing")),
    "api:conference-return": Rule(
        RUNS, method="post", kwargs=_pk("submitted"), data={"comment": "Add a sample"}
    ),
    "api:conference-approve": Rule(RUNS, method="post", kwargs=_pk("submitted")),
    "api:conference-hold": Rule(RUNS, method="post", kwargs=_past("ready")),
    "api:conference-cancel": Rule(RUNS, method="post", kwargs=_pk("scheduled")),
    "api:conference-schedule": Rule(
        RUNS,
        method="post",
        kwargs=_pk("scheduled"),
        data=lambda w: {"slot": conference_setup(w).slots[1].pk},
    ),
    "api:conference-rsvp": Rule(
        ATTENDEES, method="post", kwargs=_pk("scheduled"), data={"response": "accepted"}
    ),
    "api:conference-next-goals": Rule(
        PREPARERS,
        method="post",
        ok_status=201,
        kwargs=_pk("preparing"),
        data={"title": "Try a new genre"},
    ),
    "api:conference-drafts": Rule(PREPARERS, method="post", kwargs=_with_next_goal),
    "api:work-sample-list": Rule(
        SEES_STUDENT, kwargs=_made(_sample), scoped_list=True, target=lambda w: _sample(w).pk
    ),
    "api:work-sample-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": _sample(w).pk}),
    "api:commitment-list": Rule(
        SEES_STUDENT,
        kwargs=_made(_commitment),
        scoped_list=True,
        target=lambda w: _commitment(w).pk,
    ),
    "api:commitment-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": _commitment(w).pk}),
}
