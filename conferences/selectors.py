"""Every read about conferences a page or the API makes: scoped to the viewer, set-based (a
fixed number of queries whatever the number of students, goals or slots)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from core.errors import NotFound
from goals.models import CheckIn, Goal
from goals.permissions import visible_goals_q
from mastery.models import Evidence, MasteryRecord
from profiles.models import Enrollment, GuardianLink, LearnerProfile, Section, User

from .models import (
    AgendaItem,
    Attendee,
    Commitment,
    Conference,
    ConferenceSlot,
    ConferenceTemplate,
    ConferenceWindow,
    TemplateSection,
    WorkSample,
)
from .permissions import (
    staff_school_ids,
    visible_conferences_q,
    visible_slots_q,
    visible_windows_q,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

S = Conference.Status


# --- lists and access helpers ----------------------------------------------------------------


def template_list_for_viewer(*, viewer: Viewer) -> QuerySet[ConferenceTemplate]:
    return (
        ConferenceTemplate.objects.filter(visible_windows_q(viewer))
        .prefetch_related(Prefetch("sections", TemplateSection.objects.order_by("order", "id")))
        .order_by("school_id", "-is_default", "name", "id")
    )


def window_list_for_viewer(*, viewer: Viewer) -> QuerySet[ConferenceWindow]:
    return (
        ConferenceWindow.objects.filter(visible_windows_q(viewer))
        .select_related("school", "term", "template")
        .order_by("-starts_on", "id")
    )


def slot_list_for_viewer(*, viewer: Viewer) -> QuerySet[ConferenceSlot]:
    return (
        ConferenceSlot.objects.filter(visible_slots_q(viewer))
        .select_related("advisor", "window")
        .annotate(booked=Count("conferences", filter=~Q(conferences__status=S.CANCELLED)))
        .order_by("starts_at", "advisor_id", "id")
    )


def conference_list_for_viewer(*, viewer: Viewer) -> QuerySet[Conference]:
    return (
        Conference.objects.filter(visible_conferences_q(viewer))
        .select_related(
            "student", "advisor", "slot", "window__school", "window__template", "window__term"
        )
        .order_by("-window__starts_on", "student__family_name", "student__given_name", "id")
    )


def conference_get_for_viewer(*, viewer: Viewer, conference_id: int) -> Conference:
    conference = conference_list_for_viewer(viewer=viewer).filter(pk=conference_id).first()
    if conference is None:
        raise NotFound("No such conference, or not one you can see.")
    return conference


def window_get_for_viewer(*, viewer: Viewer, window_id: int) -> ConferenceWindow:
    window = window_list_for_viewer(viewer=viewer).filter(pk=window_id).first()
    if window is None:
        raise NotFound("No such conference window.")
    return window


def conference_current_for_student(*, viewer: User) -> Conference | None:
    """The student's conference now: the next one not yet held, else the latest held one."""
    mine = (
        conference_list_for_viewer(viewer=viewer).filter(student=viewer).exclude(status=S.CANCELLED)
    )
    upcoming = mine.exclude(status=S.HELD).order_by("window__starts_on", "id").first()
    return upcoming or mine.filter(status=S.HELD).order_by("-held_at", "-id").first()


def previous_conference(conference: Conference) -> Conference | None:
    return (
        Conference.objects.filter(
            student_id=conference.student_id,
            status=S.HELD,
            window__starts_on__lt=conference.window.starts_on,
        )
        .order_by("-window__starts_on", "-id")
        .first()
    )


# --- the agenda ------------------------------------------------------------------------------


@dataclass
class GoalLine:
    goal: Goal
    progress: int | None
    checkins: int
    last_next_step: str
    evidence: list[MasteryRecord] = field(default_factory=list)


@dataclass
class GoalGroup:
    category: str
    goals: list[GoalLine]


@dataclass
class AgendaSection:
    section: TemplateSection
    item: AgendaItem | None
    number: int

    @property
    def kind(self) -> str:
        return self.section.kind

    @property
    def response(self) -> str:
        return self.item.response if self.item else ""

    @property
    def advisor_comment(self) -> str:
        return self.item.advisor_comment if self.item else ""

    @property
    def version(self) -> int | None:
        return self.item.version if self.item else None


@dataclass
class Agenda:
    """The conference's agenda, assembled from its template and the student's own data."""

    conference: Conference
    sections: list[AgendaSection]
    profile: LearnerProfile | None
    goal_groups: list[GoalGroup]
    since: dt.date
    newly_mastered: list[MasteryRecord]
    working_on: list[MasteryRecord]
    samples: list[WorkSample]
    previous: Conference | None
    previous_commitments: list[Commitment]
    commitments: list[Commitment]
    next_goals: list[Any]
    attendees: list[Attendee]
    checklist: list[tuple[str, bool]]

    @property
    def total_minutes(self) -> int:
        return sum(s.section.minutes for s in self.sections)

    @property
    def prepared_count(self) -> int:
        return sum(1 for s in self.sections if s.response.strip())

    @property
    def kept_count(self) -> int:
        return sum(1 for c in self.previous_commitments if c.outcome == "kept")


def _latest(field_name: str) -> Subquery:
    return Subquery(
        CheckIn.objects.filter(goal=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(field_name)[:1]
    )


def _goal_groups(viewer: Viewer, conference: Conference, since: dt.date) -> list[GoalGroup]:
    """The student's active goals and those closed since the last conference, by category,
    with the latest progress and the mastery of their linked targets (two queries)."""
    goals = list(
        Goal.objects.filter(visible_goals_q(viewer), student_id=conference.student_id)
        .filter(
            Q(status__in=[Goal.Status.ACTIVE, Goal.Status.PROPOSED])
            | Q(
                status__in=[Goal.Status.ACHIEVED, Goal.Status.NOT_MET],
                closed_at__date__gte=since,
            )
        )
        .select_related("category")
        .annotate(
            latest_progress=_latest("progress"),
            latest_next_step=_latest("next_step"),
            checkin_count=Count("checkins", distinct=True),
        )
        .order_by("category__order", "category__name", "-created_at", "id")
    )
    records: dict[int, list[MasteryRecord]] = defaultdict(list)
    links = Goal.competencies.through.objects.filter(goal_id__in=[g.pk for g in goals])
    by_competency: dict[int, list[int]] = defaultdict(list)
    for goal_id, competency_id in links.values_list("goal_id", "competency_id"):
        by_competency[competency_id].append(goal_id)
    if by_competency:
        for record in MasteryRecord.objects.filter(
            student_id=conference.student_id, competency_id__in=list(by_competency)
        ).select_related("competency", "level"):
            for goal_id in by_competency[record.competency_id]:
                records[goal_id].append(record)
    groups: dict[str, list[GoalLine]] = {}
    for goal in goals:
        name = goal.category.name if goal.category else "Other goals"
        groups.setdefault(name, []).append(
            GoalLine(
                goal=goal,
                progress=goal.latest_progress,
                checkins=goal.checkin_count,
                last_next_step=goal.latest_next_step or "",
                evidence=sorted(records[goal.pk], key=lambda r: r.competency.sort_key),
            )
        )
    return [GoalGroup(category=name, goals=lines) for name, lines in groups.items()]


def agenda_assemble(*, viewer: Viewer, conference: Conference) -> Agenda:
    """Template sections with the student's answers, their goals with check-ins and progress,
    mastery growth since the last conference, their work samples with reflections, and last
    conference's commitments with whether they were kept. About a dozen queries, whatever the
    size of the student's record."""
    sections = list(conference.window.template.sections.order_by("order", "id"))
    items = {i.section_id: i for i in AgendaItem.objects.filter(conference=conference)}
    previous = previous_conference(conference)
    since = (
        conference.window.school.local(previous.held_at).date()
        if previous and previous.held_at
        else conference.window.term.start_date
    )
    growth = list(
        MasteryRecord.objects.filter(student_id=conference.student_id)
        .filter(
            Q(mastered=True, first_mastered_on__gte=since) | Q(mastered=False, evidence_count__gt=0)
        )
        .select_related("competency__framework", "level")
        .order_by("competency__framework__title", "competency__sort_key")
    )
    samples = list(
        WorkSample.objects.filter(conference=conference)
        .select_related("evidence__competency", "evidence__section")
        .order_by("order", "id")
    )
    previous_commitments = (
        list(Commitment.objects.filter(conference=previous).order_by("id")) if previous else []
    )
    ticked = set(conference.checklist)
    return Agenda(
        conference=conference,
        sections=[
            AgendaSection(section=s, item=items.get(s.pk), number=i + 1)
            for i, s in enumerate(sections)
        ],
        profile=LearnerProfile.objects.filter(student_id=conference.student_id).first(),
        goal_groups=_goal_groups(viewer, conference, since),
        since=since,
        newly_mastered=[r for r in growth if r.mastered],
        working_on=[r for r in growth if not r.mastered],
        samples=samples,
        previous=previous,
        previous_commitments=previous_commitments,
        commitments=list(conference.commitments.order_by("id")),
        next_goals=list(conference.next_goals.select_related("category", "goal")),
        attendees=list(conference.attendees.select_related("user").order_by("role", "id")),
        checklist=[(i, i in ticked) for i in conference.window.template.checklist],
    )


def evidence_to_pick(*, conference: Conference, limit: int = 40) -> list[Evidence]:
    """The student's own recent evidence to pick work samples from (not already picked)."""
    return list(
        Evidence.objects.filter(student_id=conference.student_id)
        .exclude(status=Evidence.Status.RETURNED)
        .exclude(pk__in=WorkSample.objects.filter(conference=conference).values("evidence_id"))
        .select_related("competency")
        .order_by("-observed_on", "-id")[:limit]
    )


# --- the teacher's schedule ------------------------------------------------------------------


@dataclass
class SlotRow:
    slot: ConferenceSlot
    conferences: list[Conference]

    @property
    def free(self) -> int:
        return max(0, self.slot.capacity - len(self.conferences))

    @property
    def over(self) -> bool:
        return len(self.conferences) > self.slot.capacity


@dataclass
class Issue:
    conference: Conference | None
    kind: str
    text: str


@dataclass
class Schedule:
    window: ConferenceWindow
    windows: list[ConferenceWindow]
    days: list[tuple[dt.date, list[SlotRow]]]
    conferences: list[Conference]
    issues: list[Issue]
    interpreters: list[Conference]
    status_counts: dict[str, int]
    unscheduled: list[Conference]
    # The viewer's own advisees: how many, and how many have no conference in the window yet
    # (what "Create conferences for my advisees" would create).
    advisee_count: int = 0
    advisees_without_conference: int = 0


def _with_people(conferences: QuerySet[Conference]) -> QuerySet[Conference]:
    return conferences.prefetch_related(
        Prefetch(
            "attendees",
            Attendee.objects.select_related("user").order_by("role", "id"),
        )
    ).annotate(
        sample_count=Count("work_samples", distinct=True),
        answered=Count("items", filter=~Q(items__response=""), distinct=True),
    )


def schedule_windows_for(*, viewer: User) -> list[ConferenceWindow]:
    return list(
        window_list_for_viewer(viewer=viewer).filter(school_id__in=staff_school_ids(viewer))
    )


def schedule_for_teacher(
    *, viewer: User, window: ConferenceWindow, windows: list[ConferenceWindow]
) -> Schedule:
    """One window for an advisor (or a school admin, everyone's): slots by day with who is in
    them, RSVPs, interpreter requests, conflicts and each advisee's preparation status."""
    admin = window.school_id in _admin_school_ids(viewer)
    conferences_qs = Conference.objects.filter(window=window).select_related(
        "student", "advisor", "slot", "window__school"
    )
    slots_qs = ConferenceSlot.objects.filter(window=window).select_related("advisor")
    if not admin:
        conferences_qs = conferences_qs.filter(advisor=viewer)
        slots_qs = slots_qs.filter(advisor=viewer)
    conferences = list(
        _with_people(conferences_qs).order_by("student__family_name", "student__given_name")
    )
    by_slot: dict[int, list[Conference]] = defaultdict(list)
    for c in conferences:
        if c.slot_id and c.status != S.CANCELLED:
            by_slot[c.slot_id].append(c)
    school = window.school
    days: dict[dt.date, list[SlotRow]] = defaultdict(list)
    for slot in slots_qs.order_by("starts_at", "advisor__family_name", "id"):
        days[school.local(slot.starts_at).date()].append(SlotRow(slot, by_slot.get(slot.pk, [])))
    issues: list[Issue] = []
    active = [c for c in conferences if c.status != S.CANCELLED]
    for c in active:
        if c.slot_id is None and c.status != S.HELD:
            issues.append(Issue(c, "unscheduled", "has no time yet"))
        for a in c.attendees.all():
            if a.rsvp == Attendee.Rsvp.ANOTHER_TIME:
                who = a.user.display_name if a.user else a.name
                issues.append(
                    Issue(c, "another_time", f"{who} asks for another time: {a.rsvp_note}")
                )
    for rows in days.values():
        for row in rows:
            if row.over:
                issues.append(Issue(None, "over", f"{row.slot} has more families than places"))
    counts: dict[str, int] = defaultdict(int)
    for c in conferences:
        counts[c.status] += 1
    advisees = [s for s, _ in advisee_pairs(school_id=window.school_id, advisor=viewer)]
    have_one = set(
        Conference.objects.filter(window=window, student_id__in=advisees).values_list(
            "student_id", flat=True
        )
    )
    return Schedule(
        window=window,
        windows=windows,
        days=sorted(days.items()),
        conferences=conferences,
        issues=issues,
        interpreters=[c for c in active if c.interpreter_language],
        status_counts=dict(counts),
        unscheduled=[c for c in active if c.slot_id is None and c.status != S.HELD],
        advisee_count=len(advisees),
        advisees_without_conference=len(set(advisees) - have_one),
    )


def advisee_pairs(*, school_id: int, advisor: User | None) -> list[tuple[int, int]]:
    """(student id, advisor id) for every active advisee at the school: each advisory's primary
    (or first) teacher advises its students."""
    teachers = (
        Enrollment.objects.filter(
            section__school_id=school_id,
            section__kind=Section.Kind.ADVISORY,
            section__is_active=True,
            role=Enrollment.Role.TEACHER,
            is_active=True,
        )
        .order_by("section_id", "-is_primary", "id")
        .values_list("section_id", "user_id")
    )
    advisor_of: dict[int, int] = {}
    for section_id, user_id in teachers:
        advisor_of.setdefault(section_id, user_id)
    students = Enrollment.objects.filter(
        section_id__in=list(advisor_of),
        role=Enrollment.Role.STUDENT,
        is_active=True,
        user__is_active=True,
    ).values_list("section_id", "user_id")
    pairs: dict[int, int] = {}
    for section_id, student_id in students.order_by("section_id", "user_id"):
        if advisor is None or advisor_of[section_id] == advisor.pk:
            pairs.setdefault(student_id, advisor_of[section_id])
    return sorted(pairs.items())


def _admin_school_ids(viewer: User) -> set[int]:
    from profiles.permissions import administered_school_ids

    return set(administered_school_ids(viewer))


def default_window(windows: list[ConferenceWindow], today: dt.date) -> ConferenceWindow | None:
    """The window running now or next; else the most recent."""
    upcoming = sorted((w for w in windows if w.ends_on >= today), key=lambda w: w.starts_on)
    return upcoming[0] if upcoming else (windows[0] if windows else None)


# --- families --------------------------------------------------------------------------------


@dataclass
class ChildConference:
    child: User
    conference: Conference
    me: Attendee | None
    slots: list[ConferenceSlot]


@dataclass
class FamilyWindow:
    window: ConferenceWindow
    children: list[ChildConference]
    booking_open: bool


def family_conferences_for(*, viewer: User, now: dt.datetime | None = None) -> list[FamilyWindow]:
    """A guardian's children's conferences by window, newest first; where booking is open, the
    free slots of each child's advisor. A fixed number of queries."""
    now = now or timezone.now()
    child_ids = list(
        GuardianLink.objects.filter(guardian=viewer, is_active=True).values_list(
            "student_id", flat=True
        )
    )
    conferences = list(
        conference_list_for_viewer(viewer=viewer)
        .filter(student_id__in=child_ids)
        .exclude(status=S.CANCELLED)
        .prefetch_related(
            Prefetch("attendees", Attendee.objects.filter(user=viewer), to_attr="mine")
        )
        .order_by("-window__starts_on", "student__given_name", "id")
    )
    open_windows = {c.window_id for c in conferences if c.window.booking_open(now)}
    free: dict[tuple[int, int], list[ConferenceSlot]] = defaultdict(list)
    if open_windows:
        for slot in (
            ConferenceSlot.objects.filter(
                window_id__in=open_windows,
                is_blocked=False,
                starts_at__gt=now,
                advisor_id__in={c.advisor_id for c in conferences},
            )
            .annotate(booked=Count("conferences", filter=~Q(conferences__status=S.CANCELLED)))
            .order_by("starts_at", "id")
        ):
            free[(slot.window_id, slot.advisor_id)].append(slot)
    windows: dict[int, FamilyWindow] = {}
    for c in conferences:
        fw = windows.setdefault(
            c.window_id, FamilyWindow(c.window, [], c.window_id in open_windows)
        )
        slots = [
            s
            for s in free.get((c.window_id, c.advisor_id), [])
            if s.booked < s.capacity or s.pk == c.slot_id  # type: ignore[attr-defined]
        ]
        fw.children.append(ChildConference(c.student, c, c.mine[0] if c.mine else None, slots))
    return list(windows.values())
