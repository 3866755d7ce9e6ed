"""One of everything a school holds, so generated tests (the admin write matrix) find a row of
every model at each of two schools.

``populate_school`` is idempotent per school and tag. When a new model appears in the admin or
as a foreign key of an admin form, the write matrix fails with "populate_school makes no <X>":
add it here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from goals.models import (
    ActionStep,
    CheckIn,
    Goal,
    GoalCategory,
    GoalComment,
    GoalSettings,
    GoalTemplate,
    ReminderSent,
)
from mastery.models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    Prerequisite,
    SectionCompetency,
)
from mastery.selectors import scale_default_for
from profiles.models import (
    Enrollment,
    RosterImport,
    School,
    Section,
    Term,
    User,
)

from . import factories as f


def populate_school(school: School, tag: str) -> dict[str, object]:
    """A term, a class, a teacher, a student with a guardian, a framework with two targets and
    a prerequisite, evidence and a record, pacing, goal categories, a template, settings, a goal
    with a step, a check-in and a comment, a reminder: every name carries ``tag``."""
    existing = User.objects.filter(email=f"student-{tag}@example.org").first()
    if existing is not None:
        return {"student": existing}
    term = Term.objects.create(
        school=school,
        title=f"Term {tag}",
        start_date=dt.date(2026, 8, 24),
        end_date=dt.date(2027, 1, 22),
    )
    section = Section.objects.create(school=school, name=f"Class {tag}", code=f"C-{tag}")
    section.terms.add(term)
    teacher = f.teacher(school, email=f"teacher-{tag}@example.org", family_name=f"Teacher{tag}")
    student = f.student(school, email=f"student-{tag}@example.org", family_name=f"Student{tag}")
    guardian = f.guardian(
        school, student, email=f"guardian-{tag}@example.org", family_name=f"Guardian{tag}"
    )
    Enrollment.objects.create(section=section, user=teacher, role=Enrollment.Role.TEACHER)
    Enrollment.objects.create(section=section, user=student, role=Enrollment.Role.STUDENT)
    scale = scale_default_for(school=school)
    framework = Framework.objects.create(
        school=school, title=f"Framework {tag}", identifier=f"fw-{tag}", scale=scale
    )
    first = Competency.objects.create(
        framework=framework, identifier=f"c1-{tag}", code=f"{tag}.1", statement=f"Target {tag} 1"
    )
    second = Competency.objects.create(
        framework=framework, identifier=f"c2-{tag}", code=f"{tag}.2", statement=f"Target {tag} 2"
    )
    Prerequisite.objects.create(competency=second, prerequisite=first)
    SectionCompetency.objects.create(section=section, competency=first)
    Evidence.objects.create(
        student=student,
        competency=first,
        section=section,
        score=Decimal("3"),
        observed_on=dt.date(2026, 9, 10),
        author=teacher,
    )
    MasteryRecord.objects.create(
        student=student, competency=first, score=Decimal("3"), evidence_count=1
    )
    plan = PacingPlan.objects.create(section=section, name=f"Pacing {tag}")
    PacingTarget.objects.create(plan=plan, competency=first, expected_by=dt.date(2026, 10, 1))
    category = GoalCategory.objects.get_or_create(school=school, name=f"Category {tag}")[0]
    GoalTemplate.objects.create(school=school, name=f"Template {tag}", category=category)
    GoalSettings.objects.get_or_create(school=school)
    goal = Goal.objects.create(
        student=student, title=f"Goal {tag}", category=category, term=term, updated_by=student
    )
    goal.competencies.add(first)
    ActionStep.objects.create(goal=goal, title=f"Step {tag}")
    CheckIn.objects.create(goal=goal, author=student, progress=10, confidence=3)
    GoalComment.objects.create(goal=goal, author=teacher, body=f"Comment {tag}")
    ReminderSent.objects.create(kind=ReminderSent.Kind.CHECKIN_NUDGE, user=student, week="2026-W40")
    RosterImport.objects.create(source_name=f"roster-{tag}.zip", status="applied")
    _populate_conferences(school, tag, term, teacher, student, guardian)
    _populate_followups(school, tag, teacher, student)
    return {
        "term": term,
        "section": section,
        "teacher": teacher,
        "student": student,
        "guardian": guardian,
        "framework": framework,
        "competency": first,
        "goal": goal,
        "category": category,
    }


def _populate_conferences(
    school: School, tag: str, term: Term, teacher: User, student: User, guardian: User
) -> None:
    """A window with the school's default template, a slot, a conference with its people,
    a commitment and a reminder sent."""
    import datetime as dt_

    from django.utils import timezone

    from conferences.models import (
        Attendee,
        Commitment,
        Conference,
        ConferenceReminder,
        ConferenceSlot,
        ConferenceTemplate,
        ConferenceWindow,
    )

    template = ConferenceTemplate.objects.get(school=school, is_default=True)
    window = ConferenceWindow.objects.create(
        school=school,
        term=term,
        name=f"Window {tag}",
        template=template,
        starts_on=dt.date(2026, 12, 14),
        ends_on=dt.date(2026, 12, 15),
    )
    start = timezone.make_aware(dt_.datetime(2026, 12, 14, 15, 0))
    slot = ConferenceSlot.objects.create(
        window=window,
        advisor=teacher,
        starts_at=start,
        ends_at=start + dt_.timedelta(minutes=30),
        room=f"Room {tag}",
    )
    conference = Conference.objects.create(
        window=window, student=student, advisor=teacher, slot=slot
    )
    for user, role in ((student, "student"), (guardian, "guardian"), (teacher, "advisor")):
        Attendee.objects.create(conference=conference, user=user, role=role)
    Commitment.objects.create(conference=conference, who="student", text=f"Commit {tag}")
    ConferenceReminder.objects.create(conference=conference, event="invitation")


# Names in the first school that must never show in a second school's admin pages.
VICTIM_TAG = "Maplewall"


def victim_names() -> list[str]:
    return [
        f"Term {VICTIM_TAG}",
        f"Class {VICTIM_TAG}",
        f"Framework {VICTIM_TAG}",
        f"Category {VICTIM_TAG}",
        f"Template {VICTIM_TAG}",
        f"Goal {VICTIM_TAG}",
        f"Window {VICTIM_TAG}",
        f"Room {VICTIM_TAG}",
        f"Student{VICTIM_TAG}",
        f"Teacher{VICTIM_TAG}",
        f"Guardian{VICTIM_TAG}",
        "Maple Grove Learning Community",
    ]


def _populate_followups(school: School, tag: str, teacher: User, student: User) -> None:
    """Attendance and its import, a closure, a flag with a follow-up, a scan run, a digest."""
    from django.utils import timezone

    from followups.models import (
        Attendance,
        AttendanceImport,
        DigestSent,
        Flag,
        FollowUp,
        ScanRun,
        SchoolClosure,
    )

    day = dt.date(2026, 10, 5)
    Attendance.objects.create(school=school, student=student, date=day, status="absent")
    AttendanceImport.objects.create(
        school=school, file_name=f"attendance-{tag}.csv", status="applied"
    )
    SchoolClosure.objects.create(school=school, date=dt.date(2026, 11, 26), name=f"Holiday {tag}")
    flag = Flag.objects.create(
        school=school,
        student=student,
        rule="chronic_absence",
        measured={"attended_percent": 80},
        threshold={"attendance_min_percent": 90},
        first_detected_on=day,
        last_detected_on=day,
        assigned_to=teacher,
    )
    FollowUp.objects.create(
        flag=flag, action="talked", note=f"Talked {tag}", author=teacher, occurred_on=day
    )
    ScanRun.objects.create(school=school, as_of=day, trigger="command", started_at=timezone.now())
    DigestSent.objects.create(user=teacher, date=day, flag_count=1)
