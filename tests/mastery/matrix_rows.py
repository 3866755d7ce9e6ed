"""Authorization-matrix rows for the mastery API, merged into
``tests/test_authorization_matrix.py`` with ``MATRIX.update(API_ROWS)`` (import this module after
``MATRIX`` is defined there: it imports ``Rule`` and the persona sets from that module).

The URL kwargs make what they need from ``world`` through the mastery services, idempotently
(the matrix calls them once per request, and may call them again for the target):
Math 7's framework (``build_maths``), one accepted piece of evidence for world.student with its
mastery record, and one submission from world.student waiting for review.

``accept`` and ``return`` send a complete, valid body, so the student's teachers and school
admins get a 200 and everyone else is refused: the student, who sees their own submission, by
the service (403); everyone else by scoping (404: guardians see accepted evidence only). A
class's scores can't be sent as a form (they are a JSON list of ids), so ``bulk`` is posted
empty: anyone holding a teacher or admin role gets past the role check to a 400 for the missing
fields, students and guardians get a 403 before the body is read. What a teacher may record for
which class is specified in tests/mastery/test_api.py.
"""

from __future__ import annotations

from typing import Any

from mastery.models import Evidence, MasteryRecord
from mastery.services import evidence_record, evidence_submit
from tests.conftest import World
from tests.mastery.conftest import build_maths
from tests.test_authorization_matrix import SEES_STUDENT, SIGNED_IN, STAFF, STUDENT, Rule

# Frameworks and competencies are the school's: everyone with a role there sees them.
AT_THE_SCHOOL = SIGNED_IN - {"other_admin"}
# Holds a teacher or admin role somewhere (gets past bulk's role check).
STAFF_ROLES = frozenset({"teacher", "other_teacher", "admin", "other_admin"})


def accepted_evidence(world: World) -> Evidence:
    """world.teacher's score of 3 for world.student on 7.RP.1 (made once per test)."""
    maths = build_maths(world)
    existing = Evidence.objects.filter(
        student=world.student, competency=maths.t1, status=Evidence.Status.ACCEPTED
    ).first()
    return existing or evidence_record(
        actor=world.teacher, student=world.student, competency=maths.t1, score=3
    )


def submitted_evidence(world: World) -> Evidence:
    """world.student's submission for 7.RP.3, waiting for review (made once per test)."""
    maths = build_maths(world)
    existing = Evidence.objects.filter(
        student=world.student, competency=maths.t3, status=Evidence.Status.SUBMITTED
    ).first()
    return existing or evidence_submit(
        actor=world.student, competency=maths.t3, note="My budget project"
    )


def _with_evidence(world: World) -> dict[str, Any]:
    accepted_evidence(world)
    submitted_evidence(world)
    return {}


def _maths(world: World) -> dict[str, Any]:
    build_maths(world)
    return {}


def _record(world: World) -> MasteryRecord:
    return MasteryRecord.objects.get(
        student=world.student, competency=accepted_evidence(world).competency
    )


API_ROWS: dict[str, Rule] = {
    "api:framework-list": Rule(
        AT_THE_SCHOOL,
        kwargs=_maths,
        scoped_list=True,
        target=lambda w: build_maths(w).framework.pk,
    ),
    "api:framework-detail": Rule(
        AT_THE_SCHOOL, kwargs=lambda w: {"pk": build_maths(w).framework.pk}
    ),
    "api:competency-list": Rule(
        AT_THE_SCHOOL, kwargs=_maths, scoped_list=True, target=lambda w: build_maths(w).t1.pk
    ),
    "api:competency-detail": Rule(AT_THE_SCHOOL, kwargs=lambda w: {"pk": build_maths(w).t1.pk}),
    # Evidence and records are listed with their student: the target is world.student.
    "api:evidence-list": Rule(SEES_STUDENT, kwargs=_with_evidence, scoped_list=True),
    "api:evidence-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": accepted_evidence(w).pk}),
    "api:evidence-bulk": Rule(STAFF_ROLES, method="post", ok_status=400),
    "api:evidence-accept": Rule(
        STAFF, method="post", kwargs=lambda w: {"pk": submitted_evidence(w).pk}, data={"score": 3}
    ),
    "api:evidence-return": Rule(
        STAFF,
        method="post",
        kwargs=lambda w: {"pk": submitted_evidence(w).pk},
        data={"comment": "Add a photo of your budget sheet"},
    ),
    "api:mastery-record-list": Rule(SEES_STUDENT, kwargs=_with_evidence, scoped_list=True),
    "api:mastery-record-detail": Rule(SEES_STUDENT, kwargs=lambda w: {"pk": _record(w).pk}),
    "api:student-pathway": Rule(SEES_STUDENT, kwargs=STUDENT),
}
