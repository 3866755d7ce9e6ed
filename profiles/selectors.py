"""Every read a page or the API makes about people: always scoped to the viewer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from core.errors import NotFound

from .models import (
    STAFF_ONLY_FIELDS,
    STUDENT_VOICE_FIELDS,
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    School,
    Section,
    Term,
    User,
)
from .permissions import (
    teachable_sections_q,
    visible_guardian_links_q,
    visible_sections_q,
    visible_students_q,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def student_search_q(search: str) -> Q:
    q = Q()
    for word in search.split():
        q &= (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(email__icontains=word)
            | Q(learner_profile__interests__icontains=word)
            | Q(learner_profile__strengths__icontains=word)
        )
    return q


def section_student_ids_for_viewer(
    *, viewer: User | AnonymousUser, section: Section
) -> QuerySet[User, int]:
    """The ids of the section's active students that the viewer may see: the rows of
    ``student_list_for_viewer(section=…)`` as a subquery, without what a card shows."""
    return (
        User.objects.filter(
            visible_students_q(viewer),
            enrollments__section=section,
            enrollments__role=Enrollment.Role.STUDENT,
            enrollments__is_active=True,
        )
        .order_by()
        .values_list("pk", flat=True)
    )


def student_list_for_viewer(
    *, viewer: User | AnonymousUser, search: str = "", section: Section | None = None
) -> QuerySet[User]:
    """Students the viewer may see, with what a card shows, in a fixed number of queries."""
    qs = User.objects.filter(visible_students_q(viewer))
    if search.strip():
        qs = qs.filter(student_search_q(search))
    if section is not None:
        qs = qs.filter(
            enrollments__section=section,
            enrollments__role=Enrollment.Role.STUDENT,
            enrollments__is_active=True,
        )
    return (
        qs.select_related("learner_profile")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=Role.STUDENT).select_related("school"),
                to_attr="student_memberships",
            ),
            Prefetch(
                "enrollments",
                queryset=Enrollment.objects.filter(
                    role=Enrollment.Role.STUDENT, is_active=True, section__is_active=True
                ).select_related("section"),
                to_attr="student_enrollments",
            ),
        )
        .order_by("family_name", "given_name", "id")
        .distinct()
    )


def student_get_for_viewer(*, viewer: User | AnonymousUser, student_id: int) -> User | None:
    return (
        student_list_for_viewer(viewer=viewer)
        .filter(pk=student_id)
        .select_related("learner_profile__updated_by")
        .first()
    )


def learner_profile_of(*, student: User) -> LearnerProfile:
    """The student's profile, or an empty unsaved one for a student who has none yet: reading
    never creates it (``learner_profile_update`` does, on the first save)."""
    try:
        return student.learner_profile
    except LearnerProfile.DoesNotExist:
        return LearnerProfile(student=student)


def section_list_for_viewer(*, viewer: User | AnonymousUser) -> QuerySet[Section]:
    return (
        Section.objects.filter(visible_sections_q(viewer))
        .select_related("school")
        .prefetch_related("terms")
        .annotate(
            student_count=Count(
                "enrollments",
                filter=Q(enrollments__role=Enrollment.Role.STUDENT, enrollments__is_active=True),
            )
        )
        .order_by("kind", "name", "code", "id")
    )


def section_get_for_teacher(*, viewer: User | AnonymousUser, section_id: int) -> Section:
    """The section, for its active teachers and its school's admins; for anyone else the one
    not-found error (whether the section exists is not theirs to learn)."""
    # ``teachable_sections_q`` is ``can_teach_section`` as a filter: one query for both.
    section = (
        Section.objects.filter(teachable_sections_q(viewer), pk=section_id)
        .select_related("school")
        .first()
    )
    if section is None:
        raise NotFound("No such section, or not one you teach.")
    return section


def school_of_student(*, student: User) -> School | None:
    """The school a student belongs to (None for someone who is not a student); no query for a
    student read through ``student_list_for_viewer``, which brings their memberships along."""
    prefetched: list[Membership] | None = getattr(student, "student_memberships", None)
    if prefetched is not None:
        return min(prefetched, key=lambda m: m.school_id).school if prefetched else None
    return (
        School.objects.filter(memberships__user=student, memberships__role=Role.STUDENT)
        .order_by("pk")
        .first()
    )


def section_teachers_prefetch() -> Prefetch:
    return Prefetch(
        "enrollments",
        queryset=Enrollment.objects.filter(role=Enrollment.Role.TEACHER, is_active=True)
        .select_related("user")
        .order_by("-is_primary", "user__family_name"),
        to_attr="teacher_enrollments",
    )


def sections_taught_by(*, viewer: User) -> QuerySet[Section]:
    return (
        section_list_for_viewer(viewer=viewer)
        .filter(
            enrollments__user=viewer,
            enrollments__role=Enrollment.Role.TEACHER,
            enrollments__is_active=True,
            is_active=True,
        )
        .prefetch_related(section_teachers_prefetch())
    )


def guardian_link_list_for_viewer(*, viewer: User | AnonymousUser) -> QuerySet[GuardianLink]:
    return (
        GuardianLink.objects.filter(visible_guardian_links_q(viewer))
        .select_related("guardian", "student")
        .order_by("student__family_name", "student__given_name", "guardian__family_name", "id")
    )


def children_of(*, guardian: User) -> QuerySet[User]:
    return student_list_for_viewer(viewer=guardian).filter(
        guardian_links__guardian=guardian, guardian_links__is_active=True
    )


def guardians_of(*, student: User) -> QuerySet[GuardianLink]:
    return GuardianLink.objects.filter(student=student, is_active=True).select_related("guardian")


@dataclass(frozen=True)
class TeacherHome:
    advisories: list[Section]
    classes: list[Section]
    advisees: list[User]
    current_term: Term | None


def teacher_home_for(*, viewer: User) -> TeacherHome:
    """What a teacher's home shows: advisory groups with their advisees, then classes."""
    sections = list(sections_taught_by(viewer=viewer))
    advisories = [s for s in sections if s.kind == Section.Kind.ADVISORY]
    classes = [s for s in sections if s.kind == Section.Kind.CLASS]
    advisees = list(
        student_list_for_viewer(viewer=viewer).filter(
            enrollments__section__in=[s.pk for s in advisories],
            enrollments__role=Enrollment.Role.STUDENT,
            enrollments__is_active=True,
        )
    )
    schools = {s.school for s in sections}
    terms = [t for t in (term_current_for(school=school) for school in schools) if t]
    current_term = min(terms, key=lambda t: t.end_date, default=None)
    return TeacherHome(advisories, classes, advisees, current_term)


def term_current_for(
    *, school: School, today: datetime.date | None = None, grading_period: bool = False
) -> Term | None:
    """The school's active term containing ``today`` (the school's today by default): the one
    ending first, or with ``grading_period`` the shortest one that is not a whole school year."""
    today = today or school.today()
    terms = Term.objects.filter(
        school=school, start_date__lte=today, end_date__gte=today, is_active=True
    )
    if grading_period:
        return terms.exclude(kind=Term.Kind.SCHOOL_YEAR).order_by("end_date", "start_date").first()
    return terms.order_by("end_date").first()


@dataclass(frozen=True)
class ProfileChange:
    when: datetime.datetime
    who: User | None
    fields: list[str]


def history_for_profile(*, student: User, limit: int = 10) -> list[ProfileChange]:
    """Recent changes to a learner profile: who, when and which fields (staff view).

    Read from the pghistory event table, which database triggers fill on every write (bulk
    updates and imports included); the editing person comes from the request's context."""
    event_model = LearnerProfile.pgh_event_model  # type: ignore[attr-defined]
    events = list(
        event_model.objects.filter(student_id=student.pk)
        .select_related("pgh_context")
        .order_by("-pgh_created_at", "-pgh_id")[: limit + 1]
    )
    fields = STUDENT_VOICE_FIELDS + STAFF_ONLY_FIELDS
    actor_ids = {ev.pgh_context.metadata.get("user") for ev in events if ev.pgh_context is not None}
    actors = {u.pk: u for u in User.objects.filter(pk__in=[a for a in actor_ids if a])}
    rows: list[ProfileChange] = []
    for newer, older in zip(events, [*events[1:], None], strict=False):
        if len(rows) >= limit:
            break
        changed = [
            f.replace("_", " ")
            for f in fields
            if older is None or getattr(newer, f) != getattr(older, f)
        ]
        if older is not None and not changed:
            continue
        actor_id = newer.pgh_context.metadata.get("user") if newer.pgh_context else None
        rows.append(
            ProfileChange(
                when=newer.pgh_created_at,
                who=actors.get(actor_id) if actor_id else None,
                fields=changed if older is not None else ["profile created"],
            )
        )
    return rows


@dataclass(frozen=True)
class FamilyContact:
    child_id: int
    child: str
    advisor: str
    email: str


def family_contacts_for(guardian: User) -> list[FamilyContact]:
    """Each of a guardian's children with their advisor (the person a family contacts), in one
    query: teachers of the active advisory each linked child is in."""
    from .models import Enrollment, GuardianLink, Section

    children = GuardianLink.objects.filter(guardian=guardian, is_active=True).values_list(
        "student_id", flat=True
    )
    rows = (
        Enrollment.objects.filter(
            role=Enrollment.Role.TEACHER,
            is_active=True,
            user__is_active=True,
            section__is_active=True,
            section__kind=Section.Kind.ADVISORY,
            section__enrollments__role=Enrollment.Role.STUDENT,
            section__enrollments__is_active=True,
            section__enrollments__user_id__in=children,
        )
        .values_list(
            "section__enrollments__user_id",
            "section__enrollments__user__preferred_name",
            "section__enrollments__user__given_name",
            "user__preferred_name",
            "user__given_name",
            "user__family_name",
            "user__email",
        )
        .order_by("section__enrollments__user__given_name", "user__family_name", "user__email")
        .distinct()
    )
    return [
        FamilyContact(child_id, child_preferred or child_given, f"{ap or ag} {af}".strip(), email)
        for child_id, child_preferred, child_given, ap, ag, af, email in rows
    ]
