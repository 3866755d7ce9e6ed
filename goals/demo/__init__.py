"""The demo school's goals: templates, and a term of goals in every state with their steps,
check-ins and comments.

Two halves, like :mod:`profiles.demo` and :mod:`mastery.demo`. :func:`build_goals_plan` is
pure: from the material in ``goals.json`` (read by :mod:`goals.demo.data`), the students (their
advisors, teachers and families), their math evidence and ``today`` it decides, with one seeded
:class:`random.Random`, every goal, step, check-in and comment — the same way on every run and
in every process. :func:`demo_goals_seed` writes the templates and that plan in one transaction
with bulk inserts, and does nothing at all (one query) when the demo school already has goal
templates or goals.

Every timestamp lies between the Fall term's start and the end of the day before ``today``,
so nothing is in the future. Created-at times are auto-set on insert, so the write step sets
them with one update afterwards; a revised goal is written in its first version and then
updated, so its history holds both. History rows come from the database triggers, with the
seed named as their source.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from mastery import calculation as calc
from mastery.demo import MasteryPlan, pacing_codes, school_days, target_identifier
from mastery.demo import data as mastery_data
from mastery.models import Competency, Evidence
from mastery.services import DEFAULT_LEVELS
from profiles.demo import (
    HISTORY_SOURCE,
    SCHOOL_SOURCED_ID,
    DemoPlan,
    TermSpec,
    demo_logins,
    demo_terms,
)
from profiles.models import Enrollment, GuardianLink, Membership, Role, School, Section, Term

from ..models import ActionStep, CheckIn, Goal, GoalComment, GoalSettings, GoalTemplate
from ..selectors import goal_categories_for
from . import data

S = Goal.Status
MIN_WINDOW_DAYS = 35  # before the term has run this long, goals start this many days back
MATH_FRAMEWORK = mastery_data.MATH
_LEVELS = tuple(
    calc.Level(points=points, label=label, is_mastery=mastery)
    for points, label, _, mastery in DEFAULT_LEVELS
)
_MASTERY_POINTS = next(level.points for level in _LEVELS if level.is_mastery)
_SHORTS = {t.code: t.short for g in MATH_FRAMEWORK.grades for d in g.domains for t in d.targets}


# --- What the plan is built from ---------------------------------------------------------------


@dataclass(frozen=True)
class GuardianRef:
    sourced_id: str
    relationship: str


@dataclass(frozen=True)
class StudentRef:
    sourced_id: str
    first_name: str
    grade: str
    advisor: str  # the advisory teacher's sourced id, "" without one
    teachers: tuple[tuple[str, str], ...]  # (subject, teacher sourced id) of their classes
    guardians: tuple[GuardianRef, ...]  # ordered by sourced id


@dataclass(frozen=True)
class GoalInputs:
    students: tuple[StudentRef, ...]  # ordered by sourced id
    # Accepted, scored math evidence: (student, target identifier, observed on, score), ordered
    # by student and target, then oldest first as the mastery rollup reads it.
    evidence: tuple[tuple[str, str, date, Decimal], ...]
    login_student: str | None
    login_teacher: str | None
    login_parent: str | None


# --- The plan: plain values, no ORM ------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    title: str
    due_date: date | None
    done_at: datetime | None  # naive, in the school's time zone


@dataclass(frozen=True)
class CheckInSpec:
    at: datetime
    progress: int
    derived: bool
    confidence: int
    what_helped: str
    what_got_in_the_way: str
    next_step: str


@dataclass(frozen=True)
class CommentSpec:
    at: datetime
    author: str  # sourced id
    kind: str
    body: str


@dataclass(frozen=True)
class GoalSpec:
    student: str
    title: str
    why: str
    category: str
    horizon: str
    success_criteria: str
    target_date: date | None
    term: str | None  # the semester's sourced id
    status: str
    origin: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    version: int
    suggested_by: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    return_comment: str = ""
    reflection: str = ""
    closed_at: datetime | None = None
    first_version: tuple[str, str] | None = None  # (title, criteria) before it was revised
    competencies: tuple[str, ...] = ()  # target identifiers
    steps: tuple[StepSpec, ...] = ()
    checkins: tuple[CheckInSpec, ...] = ()
    comments: tuple[CommentSpec, ...] = ()


@dataclass(frozen=True)
class GoalsPlan:
    goals: tuple[GoalSpec, ...]


def _rollup(scores: Sequence[Decimal]) -> calc.Rollup:
    """A math target's mastery from its scores, oldest first, as the mastery records hold it."""
    method, parameter = MATH_FRAMEWORK.method, MATH_FRAMEWORK.parameter
    return calc.rollup(method, list(scores), _LEVELS, parameter=parameter)


def derived_progress(histories: Sequence[Sequence[Decimal]]) -> int | None:
    """What :func:`goals.services.progress_from_competencies` says for math targets whose
    evidence scores (oldest first) are these, on the default scale; None without targets."""
    if not histories:
        return None
    total = Decimal(0)
    for scores in histories:
        if not scores:
            continue
        rollup = _rollup(scores)
        if rollup.score is None:
            continue
        if rollup.mastered:
            total += 1
            continue
        total += min(Decimal(1), rollup.score / _MASTERY_POINTS)
    return int((total / len(histories) * 100).to_integral_value())


def _weekday(day: date) -> date:
    """The day itself, or the Friday before when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


@dataclass
class _Goal:
    """A goal while it is being planned."""

    student: StudentRef
    category: str
    title: str
    criteria: str
    why: str
    horizon: str
    step_options: tuple[str, ...]
    first_version: tuple[str, str]
    voice: str  # which check-in phrases fit it
    origin: str = Goal.Origin.STUDENT
    suggested_by: str | None = None
    linked: bool = False  # to be tied to the student's next math targets
    competencies: tuple[str, ...] = ()  # once it is


class _PlanBuilder:
    def __init__(self, inputs: GoalInputs, today: date) -> None:
        self.inputs = inputs
        self.today = today
        self.rng = random.Random(data.RANDOM_SEED)
        _, fall, spring = demo_terms(today)
        self.semesters: tuple[TermSpec, ...] = (fall, spring)
        self.start = min(fall.start_date, today - timedelta(days=MIN_WINDOW_DAYS))
        self.last_day = today - timedelta(days=1)
        self.span = (self.last_day - self.start).days
        self.days = school_days(self.start, self.last_day) or [
            self.start + timedelta(days=i)
            for i in range(self.span + 1)
            if (self.start + timedelta(days=i)).weekday() < 5
        ]
        self.latest = datetime.combine(self.last_day, time(22, 0))
        current = spring if today > fall.end_date else fall
        self.term_end = max(current.end_date, today + timedelta(days=28))
        self.year_end = max(spring.end_date, today + timedelta(days=60))
        winter = date(fall.start_date.year, 12, 21)  # the first day of winter break
        self.winter_break = _weekday(winter - timedelta(days=1)) if today < winter else None
        self.evidence: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for student, target, observed_on, score in inputs.evidence:
            self.evidence[(student, target)].append((observed_on, score))

    # drawing

    def weighted(self, pairs: Sequence[tuple[Any, int]]) -> Any:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    # days and times

    def day(self, day: date) -> date:
        """The last school day on or before ``day`` (the first one when there is none)."""
        return self.days[max(0, bisect.bisect_right(self.days, day) - 1)]

    def day_between(self, first: date, last: date, *, skew: float = 1.0) -> date:
        """A school day from ``first`` to ``last`` (both kept within the plan's days); with
        ``skew`` above 1, earlier days are likelier."""
        last = min(last, self.last_day)
        lo = bisect.bisect_left(self.days, max(first, self.start))
        hi = bisect.bisect_right(self.days, last) - 1
        if lo > hi:
            return self.day(last)
        return self.days[lo + int(self.rng.random() ** skew * (hi - lo + 1))]

    def any_day(self, first: date, last: date) -> date:
        first, last = max(first, self.start), min(last, self.last_day)
        if first >= last:
            return last
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def at(self, day: date, who: str, after: datetime | None = None) -> datetime:
        """A believable time on ``day`` for a student, teacher or parent, later than ``after``
        and not after the evening before today."""
        rng = self.rng
        if who == "student":
            low, high = self.weighted((((485, 520), 50), ((870, 920), 25), ((1140, 1290), 25)))
        elif who == "teacher":
            low, high = 450, 1005
        else:  # a parent: before work or in the evening
            low, high = self.weighted((((390, 450), 30), ((1080, 1290), 70)))
        minute = rng.randint(low, high)
        moment = datetime.combine(day, time(minute // 60, minute % 60))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=rng.randint(10, 90))
        if moment.hour >= (17 if who == "teacher" else 22):  # too late: the next day, if any
            following = day + timedelta(days=1)
            if who != "parent":
                following = self.days[min(bisect.bisect_right(self.days, day), len(self.days) - 1)]
            if day < following <= self.last_day:
                return self.at(following, who, after=after)
        moment = min(moment, self.latest)
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=1)  # a reply late on the last evening
        return moment

    def later(self, moment: datetime, who: str, *, within: int = 2) -> datetime:
        """A time for ``who`` soon after ``moment``: the same day if there is still time (a
        teacher's school day ends at 4 pm), else one of the next days."""
        first = moment.date()
        if moment.hour >= (16 if who == "teacher" else 21):
            first += timedelta(days=1)
        last = first + timedelta(days=within)
        day = self.any_day(first, last) if who == "parent" else self.day_between(first, last)
        return self.at(day, who, after=moment)

    def semester(self, day: date) -> str | None:
        return next(
            (t.sourced_id for t in self.semesters if t.start_date <= day <= t.end_date), None
        )

    def target_after(self, first: date, last: date) -> date:
        if first >= last:
            return _weekday(first)
        return _weekday(first + timedelta(days=self.rng.randint(0, (last - first).days)))

    def open_target(self, horizon: str) -> date:
        if horizon == Goal.Horizon.YEAR:
            return self.target_after(self.today + timedelta(days=30), self.year_end)
        return self.target_after(self.today + timedelta(days=10), self.term_end)

    def checkin_days(self, first: date, last: date) -> list[date]:
        """Weekly-ish school days from ``first`` to ``last``, ending on ``last``'s school day."""
        result: list[date] = []
        day = self.day(last)
        while day >= first and day >= self.start:
            result.append(day)
            earlier = self.day(day - timedelta(days=self.rng.randint(5, 9)))
            if earlier >= day:
                break
            day = earlier
        return result[::-1]

    # mastery

    def histories(self, student: str, targets: Sequence[str], day: date) -> list[list[Decimal]]:
        return [
            [
                score
                for observed_on, score in self.evidence.get((student, t), ())
                if observed_on <= day
            ]
            for t in targets
        ]

    def next_targets(self, student: StudentRef, day: date, count: int) -> tuple[str, ...]:
        """The first ``count`` math targets of the student's pacing not mastered by ``day``."""
        codes = pacing_codes(MATH_FRAMEWORK, student.grade)
        if not any(k[0] == student.sourced_id for k in self.evidence):
            return ()
        chosen = []
        for code in codes:
            identifier = target_identifier(MATH_FRAMEWORK, code)
            scores = self.histories(student.sourced_id, [identifier], day)[0]
            if not scores or not _rollup(scores).mastered:
                chosen.append(identifier)
            if len(chosen) == count:
                break
        return tuple(chosen)

    # the plan

    def build(self) -> GoalsPlan:
        rng = self.rng
        inputs = self.inputs
        others = [s for s in inputs.students if s.sourced_id != inputs.login_student]
        forced: dict[str, list[str]] = defaultdict(list)
        advisees = [s.sourced_id for s in others if s.advisor and s.advisor == inputs.login_teacher]
        for sid in rng.sample(advisees, min(data.LOGIN_ADVISORY_PROPOSALS, len(advisees))):
            forced[sid].append("proposed")
        rest = [s.sourced_id for s in others if s.sourced_id not in advisees]
        for kind, sid in zip(
            data.FORCED_KINDS,
            rng.sample(rest, min(len(data.FORCED_KINDS), len(rest))),
            strict=False,
        ):
            forced[sid].append(kind)
        goals: list[GoalSpec] = []
        for student in inputs.students:
            if student.sourced_id == inputs.login_student:
                goals += self.login_goals(student)
                continue
            kinds = list(forced.get(student.sourced_id, ()))
            if not kinds and rng.random() < data.NO_GOALS_SHARE:
                continue
            count = max(len(kinds), self.weighted(data.GOALS_PER_STUDENT))
            kinds += [self.weighted(data.GOAL_KINDS) for _ in range(count - len(kinds))]
            categories = rng.sample(data.CATEGORIES, len(data.CATEGORIES))
            for i, kind in enumerate(kinds):
                goals.append(self.goal(student, kind, categories[i % len(categories)]))
        return GoalsPlan(tuple(self.one_quiet_advisee(goals, set(advisees))))

    def one_quiet_advisee(self, goals: list[GoalSpec], advisees: set[str]) -> list[GoalSpec]:
        """The login advisor's "No recent check-in" is never empty (the board lists advisees
        only, decision 0020): if no advisee's active goal has gone quiet, the first one's latest
        check-ins are left out. Draws nothing from the random stream."""
        quiet_before = datetime.combine(self.today - timedelta(days=9), time.min)

        def touched(g: GoalSpec) -> datetime:
            return max([c.at for c in g.checkins] + [g.approved_at or g.created_at])

        active = [
            (i, g) for i, g in enumerate(goals) if g.student in advisees and g.status == S.ACTIVE
        ]
        if not active or any(touched(g) < quiet_before for _, g in active):
            return goals
        i, goal = active[0]
        if (goal.approved_at or goal.created_at) >= quiet_before:
            return goals
        goals[i] = replace(goal, checkins=tuple(c for c in goal.checkins if c.at < quiet_before))
        return goals

    def teacher_for(self, student: StudentRef, category: str) -> str:
        """The student's advisor, or for a literacy or numeracy goal sometimes the teacher of
        the subject."""
        subject = {data.LITERACY: "Humanities", data.NUMERACY: "Mathematics"}.get(category)
        teacher = dict(student.teachers).get(subject or "")
        if teacher and (not student.advisor or self.rng.random() < 0.4):
            return teacher
        return student.advisor or teacher or ""

    def draft_of(self, student: StudentRef, kind: str, category: str) -> _Goal:
        rng = self.rng
        if kind in ("suggested", "declined") or (
            kind == "active" and rng.random() < data.ACCEPTED_SUGGESTION_SHARE
        ):
            options = [s for s in data.SUGGESTIONS if s.category == category]
            suggestion = rng.choice(options or list(data.SUGGESTIONS))
            teacher = self.teacher_for(student, suggestion.category)
            if teacher:
                return _Goal(
                    student,
                    suggestion.category,
                    suggestion.title,
                    suggestion.criteria,
                    suggestion.why,
                    Goal.Horizon.TERM,
                    suggestion.steps,
                    (suggestion.title, suggestion.criteria),
                    data.voice_of(suggestion.category, suggestion.key),
                    origin=Goal.Origin.TEACHER,
                    suggested_by=teacher,
                )
            kind = "active"
        if kind == "active" and category == data.NUMERACY and rng.random() < data.LINKED_SHARE:
            return _Goal(
                student,
                category,
                data.LINKED_TITLE,  # filled in once the targets are known
                data.LINKED_CRITERIA,
                rng.choice(data.LINKED_WHYS),
                Goal.Horizon.TERM,
                data.LINKED_STEPS,
                data.LINKED_FIRST,
                data.MATH,
                linked=True,
            )
        idea = rng.choice([i for i in data.IDEAS if i.category == category])
        n = rng.choice(idea.numbers)
        return _Goal(
            student,
            category,
            idea.title.format(n=n),
            idea.criteria.format(n=n),
            rng.choice(idea.whys),
            idea.horizon,
            idea.steps,
            (idea.first_title, idea.first_criteria),
            data.voice_of(category, idea.key),
        )

    def link(self, goal: _Goal, day: date, count: int | None = None) -> _Goal:
        """Tie a goal to the next math targets the student hasn't mastered by ``day`` (a
        practice goal instead when there are none)."""
        targets = self.next_targets(goal.student, day, count or self.rng.choice((2, 3)))
        if not targets:
            idea = next(i for i in data.IDEAS if i.key == "practice")
            n = idea.numbers[0]
            goal.title, goal.criteria = idea.title.format(n=n), idea.criteria.format(n=n)
            goal.competencies = ()
            return goal
        shorts = [_SHORTS[t.removeprefix(f"{MATH_FRAMEWORK.identifier}-")] for t in targets]
        goal.title = data.LINKED_TITLE.format(n=len(targets))
        goal.criteria = data.LINKED_CRITERIA.format(targets="; ".join(shorts))
        goal.competencies = targets
        return goal

    def goal(self, student: StudentRef, kind: str, category: str) -> GoalSpec:
        draft = self.draft_of(student, kind, category)
        if kind == "active":
            return self.active(draft)
        if kind in ("achieved", "not_met", "set_aside"):
            return self.closed(draft, kind)
        if kind == "declined":
            return self.declined(draft)
        return self.waiting(draft, kind)

    # open goals not yet under way

    def waiting(self, goal: _Goal, kind: str) -> GoalSpec:
        """Proposed, a draft, a draft returned with a comment, or a teacher's suggestion."""
        rng = self.rng
        student = goal.student
        sid = student.sourced_id
        today = self.today
        title, criteria = goal.title, goal.criteria
        target: date | None = self.open_target(goal.horizon)
        comments: list[CommentSpec] = []
        return_comment = ""
        version = 1
        if kind == "suggested":
            created = self.at(
                self.day_between(today - timedelta(days=12), self.last_day), "teacher"
            )
            updated, updated_by, status = created, goal.suggested_by or "", S.PROPOSED
        elif kind == "proposed":
            created = self.at(
                self.day_between(today - timedelta(days=10), self.last_day), "student"
            )
            updated, updated_by, status = created, sid, S.PROPOSED
        elif kind == "draft":
            created = self.at(
                self.day_between(today - timedelta(days=20), self.last_day), "student"
            )
            updated, updated_by, status = created, sid, S.DRAFT
            if rng.random() < 0.5:
                title, criteria = goal.first_version
            if rng.random() < 0.4:
                criteria = ""
            if rng.random() < 0.4:
                target = None
        else:  # returned: proposed in a vaguer version, sent back with a comment
            proposed = self.day_between(today - timedelta(days=28), today - timedelta(days=6))
            created = self.at(proposed, "student")
            advisor = student.advisor or goal.suggested_by or sid
            updated = self.at(
                self.day_between(proposed + timedelta(days=1), proposed + timedelta(days=5)),
                "teacher",
                after=created,
            )
            title, criteria = goal.first_version
            if rng.random() < 0.5:
                target = None
            return_comment = rng.choice(data.RETURN_COMMENTS).format(name=student.first_name)
            comments.append(
                CommentSpec(updated, advisor, GoalComment.Kind.RETURNED, return_comment)
            )
            updated_by, status, version = advisor, S.DRAFT, 2
        steps = self.steps(goal, created, target, until=None, done_share=0)
        if kind == "draft" and rng.random() < 0.5:
            steps = steps[:1]
        return GoalSpec(
            student=sid,
            title=title,
            why=goal.why if kind != "draft" or rng.random() < 0.6 else "",
            category=goal.category,
            horizon=goal.horizon,
            success_criteria=criteria,
            target_date=target,
            term=self.semester(created.date()),
            status=status,
            origin=goal.origin,
            suggested_by=goal.suggested_by,
            created_at=created,
            updated_at=updated,
            updated_by=updated_by,
            version=version,
            return_comment=return_comment,
            steps=steps,
            comments=tuple(comments),
        )

    def declined(self, goal: _Goal) -> GoalSpec:
        """A teacher's suggestion the student set aside, saying why."""
        sid = goal.student.sourced_id
        suggested = self.day_between(
            self.start + timedelta(days=5), self.today - timedelta(days=14)
        )
        created = self.at(suggested, "teacher")
        closed = self.at(
            self.day_between(suggested + timedelta(days=1), suggested + timedelta(days=7)),
            "student",
            after=created,
        )
        return GoalSpec(
            student=sid,
            title=goal.title,
            why=goal.why,
            category=goal.category,
            horizon=goal.horizon,
            success_criteria=goal.criteria,
            target_date=self.target_after(suggested + timedelta(days=28), self.term_end),
            term=self.semester(suggested),
            status=S.ABANDONED,
            origin=goal.origin,
            suggested_by=goal.suggested_by,
            created_at=created,
            updated_at=closed,
            updated_by=sid,
            version=2,
            reflection=self.rng.choice(data.DECLINED),
            closed_at=closed,
            steps=self.steps(goal, created, None, until=None, done_share=0),
        )

    # goals under way

    def approval(self, goal: _Goal, created_day: date) -> tuple[datetime, datetime, str]:
        """When it was created and approved (or accepted), and by whom."""
        student = goal.student
        if goal.origin == Goal.Origin.TEACHER:
            created = self.at(created_day, "teacher")
            accepted = self.day_between(
                created_day + timedelta(days=1), created_day + timedelta(days=5)
            )
            return created, self.at(accepted, "student", after=created), goal.suggested_by or ""
        created = self.at(created_day, "student")
        approved = self.day_between(created_day, created_day + timedelta(days=4))
        return created, self.at(approved, "teacher", after=created), student.advisor

    def active(self, goal: _Goal) -> GoalSpec:
        rng = self.rng
        today = self.today
        student = goal.student
        sid = student.sourced_id
        created_day = self.day_between(
            self.start + timedelta(days=2),
            today - timedelta(days=max(14, self.span // 5)),
            skew=1.6,
        )
        if goal.linked:
            goal = self.link(goal, created_day)
        created, approved, approver = self.approval(goal, created_day)
        stale = rng.random() < data.STALE_SHARE and approved.date() <= today - timedelta(days=9)
        if stale and rng.random() < data.NEVER_CHECKED_IN_SHARE:
            days: list[date] = []
        else:
            gap = rng.randint(9, 24) if stale else rng.randint(1, 6)
            days = self.checkin_days(
                approved.date() + timedelta(days=3), today - timedelta(days=gap)
            )
        if not stale and not days and approved.date() < today - timedelta(days=7):
            days = [self.day_between(today - timedelta(days=6), self.last_day)]
        final = rng.randint(6, 18) * 5 if not stale else rng.randint(2, 9) * 5
        checkins = self.checkins(goal, days, approved, final=final, stalled=stale)

        first_version = None
        updated, updated_by, version = approved, approver, 2
        if goal.origin == Goal.Origin.STUDENT and rng.random() < data.REVISED_SHARE:
            first_version = goal.first_version
            revised_day = self.day_between(
                approved.date() + timedelta(days=4), approved.date() + timedelta(days=20)
            )
            updated = self.at(revised_day, "student", after=approved)
            updated_by, version = sid, 3
        elif goal.origin == Goal.Origin.TEACHER:
            updated_by = sid  # the student accepted it

        if rng.random() < data.PAST_TARGET_SHARE:
            target = today - timedelta(days=rng.randint(2, 12))
        else:
            target = self.open_target(goal.horizon)
        comments = self.comments_under_way(goal, approved, approver, checkins, stale=stale)
        return GoalSpec(
            student=sid,
            title=goal.title,
            why=goal.why,
            category=goal.category,
            horizon=goal.horizon,
            success_criteria=goal.criteria,
            target_date=target,
            term=self.semester(created_day),
            status=S.ACTIVE,
            origin=goal.origin,
            suggested_by=goal.suggested_by,
            approved_by=approver,
            approved_at=approved,
            created_at=created,
            updated_at=updated,
            updated_by=updated_by,
            version=version,
            first_version=first_version,
            competencies=goal.competencies,
            steps=self.steps(goal, created, target, until=self.last_day, done_share=0.7),
            checkins=checkins,
            comments=comments,
        )

    def closed(self, goal: _Goal, kind: str) -> GoalSpec:
        rng = self.rng
        student = goal.student
        sid = student.sourced_id
        created_day = self.day_between(
            self.start + timedelta(days=2), self.start + timedelta(days=max(6, self.span * 3 // 10))
        )
        created, approved, approver = self.approval(goal, created_day)
        closed_day = self.day_between(
            approved.date() + timedelta(days=max(14, self.span * 35 // 100)), self.last_day
        )
        last_checkin = closed_day - timedelta(days=rng.randint(0, 2))
        days = self.checkin_days(approved.date() + timedelta(days=3), last_checkin)
        final = {
            "achieved": 100,
            "not_met": rng.randint(6, 14) * 5,
            "set_aside": rng.randint(2, 9) * 5,
        }[kind]
        stalled = kind != "achieved" and rng.random() < 0.5
        checkins = self.checkins(goal, days, approved, final=final, stalled=stalled)
        closed = self.at(closed_day, "student", after=checkins[-1].at if checkins else approved)
        if kind == "achieved":
            status, done_share = S.ACHIEVED, 0.9
            reflection = rng.choice(data.ACHIEVED[goal.category])
            target = self.target_after(closed_day, closed_day + timedelta(days=14))
        elif kind == "not_met":
            status, done_share = S.NOT_MET, 0.4
            reflection = rng.choice(data.NOT_MET)
            target = max(
                approved.date() + timedelta(days=7), closed_day - timedelta(days=rng.randint(0, 4))
            )
        else:
            status, done_share = S.ABANDONED, 0.3
            reflection = rng.choice(data.SET_ASIDE)
            target = self.target_after(
                closed_day + timedelta(days=10), closed_day + timedelta(days=40)
            )
        comments = list(self.comments_under_way(goal, approved, approver, checkins, stale=False))
        name = student.first_name
        if kind == "achieved" and rng.random() < 0.6:
            day = self.day_between(closed_day, closed_day + timedelta(days=2))
            body = rng.choice(data.CONGRATULATIONS).format(name=name)
            comments.append(
                CommentSpec(self.at(day, "teacher", after=closed), approver, "comment", body)
            )
        if kind == "achieved" and student.guardians and rng.random() < 0.35:
            guardian = rng.choice(student.guardians)
            day = self.any_day(closed_day, closed_day + timedelta(days=3))
            body = rng.choice(data.ACHIEVED_ENCOURAGEMENTS).format(name=name)
            comments.append(
                CommentSpec(
                    self.at(day, "parent", after=closed),
                    guardian.sourced_id,
                    GoalComment.Kind.ENCOURAGEMENT,
                    body,
                )
            )
        if kind == "not_met" and student.advisor and rng.random() < 0.4:
            day = self.day_between(closed_day, closed_day + timedelta(days=3))
            body = rng.choice(data.NOT_MET_COMMENTS).format(name=name)
            comments.append(
                CommentSpec(self.at(day, "teacher", after=closed), student.advisor, "comment", body)
            )
        return GoalSpec(
            student=sid,
            title=goal.title,
            why=goal.why,
            category=goal.category,
            horizon=goal.horizon,
            success_criteria=goal.criteria,
            target_date=target,
            term=self.semester(created_day),
            status=status,
            origin=goal.origin,
            suggested_by=goal.suggested_by,
            approved_by=approver,
            approved_at=approved,
            created_at=created,
            updated_at=closed,
            updated_by=sid,
            version=3,
            reflection=reflection,
            closed_at=closed,
            steps=self.steps(goal, created, target, until=closed_day, done_share=done_share),
            checkins=checkins,
            comments=tuple(sorted(comments, key=lambda c: c.at)),
        )

    # check-ins, steps, comments

    def checkins(
        self,
        goal: _Goal,
        days: Sequence[date],
        approved: datetime,
        *,
        final: int,
        stalled: bool,
        texts: Sequence[tuple[str, str, str]] = (),
    ) -> tuple[CheckInSpec, ...]:
        """Check-ins on these days: progress the student gives (rising toward ``final``, flat
        in the second half when ``stalled``) or, for a goal tied to targets, from mastery."""
        rng = self.rng
        sid = goal.student.sourced_id
        n = len(days)
        start = min(final, rng.choice((0, 5, 10, 10, 15, 20)))
        result: list[CheckInSpec] = []
        previous, after = start, approved
        for i, day in enumerate(days):
            if goal.competencies:
                histories = self.histories(sid, goal.competencies, day)
                progress = derived_progress(histories) or 0
            else:
                fraction = (i + 1) / n
                aim = previous if stalled and fraction > 0.5 else start + (final - start) * fraction
                progress = 5 * round((aim + rng.gauss(0, 4)) / 5)
                if progress < previous and rng.random() > 0.15:
                    progress = previous
                progress = max(0, min(100, progress))
                if i == n - 1 and final == 100:
                    progress = 100
            moved = progress > previous or (i == 0 and progress > 0)
            confidence = 3 + (progress - previous >= 10) + (progress >= 60)
            confidence -= progress <= previous and progress < 60
            confidence -= stalled and i >= n / 2
            confidence += rng.choice((-1, 0, 0, 0, 1))
            if i < len(texts):
                helped, in_the_way, next_step = texts[i]
            else:
                helped, in_the_way, next_step = self.reflection(
                    goal.voice, moved=moved, stalled=stalled
                )
            at = self.at(day, "student", after=after)
            result.append(
                CheckInSpec(
                    at=at,
                    progress=progress,
                    derived=bool(goal.competencies),
                    confidence=max(1, min(5, confidence)),
                    what_helped=helped,
                    what_got_in_the_way=in_the_way,
                    next_step=next_step,
                )
            )
            previous, after = progress, at
        return tuple(result)

    def reflection(self, voice: str, *, moved: bool, stalled: bool) -> tuple[str, str, str]:
        """What helped, what got in the way, the next step: some left blank, as students do."""
        rng = self.rng
        helped = rng.choice(data.HELPED[voice]) if moved or rng.random() < 0.4 else ""
        if stalled and not moved and rng.random() < 0.6:
            in_the_way = rng.choice(data.STALLED)
        elif rng.random() < (0.9 if not moved else 0.5):
            in_the_way = rng.choice(data.IN_THE_WAY[voice])
        else:
            in_the_way = ""
        next_step = rng.choice(data.NEXT_STEP[voice]) if rng.random() < 0.85 else ""
        return helped, in_the_way, next_step

    def steps(
        self,
        goal: _Goal,
        created: datetime,
        target: date | None,
        *,
        until: date | None,
        done_share: float,
    ) -> tuple[StepSpec, ...]:
        """Two to four of the goal's steps in order, due along the way to its target; those due
        by ``until`` mostly done."""
        rng = self.rng
        options = goal.step_options
        count = rng.randint(2, min(4, len(options)))
        chosen = sorted(rng.sample(range(len(options)), count))
        first = created.date() + timedelta(days=3)
        result = []
        for i, index in enumerate(chosen):
            due = None
            if target is not None and target > first and rng.random() < 0.8:
                due = _weekday(first + (target - first) * (i + 1) // (count + 1))
            done_at = None
            if until is not None and rng.random() < done_share:
                last = min(due or until, until)
                if last >= created.date():
                    day = self.day_between(created.date(), last)
                    done_at = self.at(day, "student", after=created)
            result.append(StepSpec(options[index], due, done_at))
        return tuple(result)

    def comments_under_way(
        self,
        goal: _Goal,
        approved: datetime,
        approver: str,
        checkins: Sequence[CheckInSpec],
        *,
        stale: bool,
    ) -> tuple[CommentSpec, ...]:
        """The advisor's approval note, a teacher's comment on a check-in, a nudge on a quiet
        goal, a family member's encouragement, and some of the student's replies."""
        rng = self.rng
        student = goal.student
        name = student.first_name
        result: list[CommentSpec] = []
        if goal.origin == Goal.Origin.STUDENT and approver and rng.random() < 0.5:
            body = rng.choice(data.APPROVED_COMMENTS).format(name=name)
            result.append(CommentSpec(approved, approver, GoalComment.Kind.APPROVED, body))
        if len(checkins) >= 2 and rng.random() < 0.45:
            checkin = checkins[rng.randint(1, len(checkins) - 1)]
            teacher = self.teacher_for(student, goal.category)
            pool = data.ADVISOR_COMMENTS
            if teacher != student.advisor and goal.category in data.SUBJECT_COMMENTS:
                pool = data.SUBJECT_COMMENTS[goal.category]
            if teacher:
                day = self.day_between(checkin.at.date(), checkin.at.date() + timedelta(days=2))
                comment = CommentSpec(
                    self.at(day, "teacher", after=checkin.at),
                    teacher,
                    GoalComment.Kind.COMMENT,
                    rng.choice(pool).format(name=name),
                )
                result.append(comment)
                if rng.random() < 0.5:
                    result.append(self.reply(student, comment, data.REPLIES_TO_TEACHER))
        if stale and student.advisor and rng.random() < 0.4:
            day = self.day_between(self.today - timedelta(days=4), self.last_day)
            body = rng.choice(data.NUDGE_COMMENTS).format(name=name)
            result.append(
                CommentSpec(
                    self.at(day, "teacher", after=approved),
                    student.advisor,
                    GoalComment.Kind.COMMENT,
                    body,
                )
            )
        if student.guardians and rng.random() < 0.3:
            guardian = rng.choice(student.guardians)
            end = checkins[-1].at.date() if checkins else self.last_day
            day = self.any_day(approved.date() + timedelta(days=1), end)
            body = rng.choice(data.ENCOURAGEMENTS).format(name=name)
            if rng.random() < 0.35:
                body += data.SIGN_OFFS.get(guardian.relationship, "")
            comment = CommentSpec(
                self.at(day, "parent", after=approved),
                guardian.sourced_id,
                GoalComment.Kind.ENCOURAGEMENT,
                body,
            )
            result.append(comment)
            if rng.random() < 0.3:
                replies = data.REPLIES_TO_FAMILY.get(guardian.relationship, ("Thank you!",))
                result.append(self.reply(student, comment, replies))
        return tuple(sorted(result, key=lambda c: c.at))

    def reply(self, student: StudentRef, to: CommentSpec, replies: Sequence[str]) -> CommentSpec:
        day = self.day_between(to.at.date(), to.at.date() + timedelta(days=2))
        return CommentSpec(
            self.at(day, "student", after=to.at),
            student.sourced_id,
            GoalComment.Kind.COMMENT,
            self.rng.choice(replies),
        )

    # the login student

    def login_goals(self, student: StudentRef) -> list[GoalSpec]:
        """Sofia: a reading goal (revised once) and a goal on her next Math 7 targets under
        way, a speaking-up goal achieved lately, and a suggestion from her advisor waiting."""
        rng = self.rng
        today = self.today
        sid = student.sourced_id
        advisor = self.inputs.login_teacher or student.advisor
        parent = next(
            (g.sourced_id for g in student.guardians if g.sourced_id == self.inputs.login_parent),
            student.guardians[0].sourced_id if student.guardians else "",
        )
        humanities = dict(student.teachers).get("Humanities", advisor)
        who = {"advisor": advisor, "parent": parent, "student": sid, "humanities": humanities}
        comments: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for key, author, kind, body in data.LOGIN_COMMENTS:
            comments[key].append((who[author], kind, body))

        def from_idea(idea: data.GoalIdea) -> _Goal:
            return _Goal(
                student,
                idea.category,
                idea.title,
                idea.criteria,
                idea.whys[0],
                idea.horizon,
                idea.steps,
                (idea.first_title, idea.first_criteria),
                data.voice_of(idea.category, idea.key),
            )

        def approve(day: date) -> tuple[datetime, datetime]:
            created = self.at(day, "student")
            approved_day = self.day_between(day + timedelta(days=1), day + timedelta(days=3))
            return created, self.at(approved_day, "teacher", after=created)

        def thread(key: str, anchors: Sequence[datetime]) -> tuple[CommentSpec, ...]:
            """The fixed comments on one goal, in order: each after its anchor (an approval, a
            check-in, the closing) and after the comment before it."""
            result = []
            after = anchors[0]
            for (author, kind, body), anchor in zip(comments[key], anchors, strict=True):
                if kind == GoalComment.Kind.APPROVED:
                    result.append(CommentSpec(anchor, author, kind, body))
                    continue
                role = "parent" if author == parent else "student" if author == sid else "teacher"
                after = self.later(max(after, anchor), role, within=1)
                result.append(CommentSpec(after, author, kind, body))
            return tuple(result)

        goals = []

        # Achieved: speaking up in seminars, from the first week to a week or so ago.
        goal = from_idea(data.LOGIN_ACHIEVED)
        created, approved = approve(
            self.day_between(self.start + timedelta(days=2), self.start + timedelta(days=6))
        )
        closed_day = self.day(max(approved.date() + timedelta(days=21), today - timedelta(days=9)))
        days = self.checkin_days(approved.date() + timedelta(days=3), closed_day)
        checkins = self.checkins(goal, days, approved, final=100, stalled=False)
        closed = self.at(closed_day, "student", after=checkins[-1].at if checkins else approved)
        mid = checkins[len(checkins) // 2].at if checkins else approved
        goals.append(
            GoalSpec(
                student=sid,
                title=goal.title,
                why=goal.why,
                category=goal.category,
                horizon=goal.horizon,
                success_criteria=goal.criteria,
                target_date=_weekday(closed_day + timedelta(days=4)),
                term=self.semester(created.date()),
                status=S.ACHIEVED,
                origin=goal.origin,
                approved_by=advisor,
                approved_at=approved,
                created_at=created,
                updated_at=closed,
                updated_by=sid,
                version=3,
                reflection=data.LOGIN_ACHIEVED_REFLECTION,
                closed_at=closed,
                steps=self.steps(goal, created, closed_day, until=closed_day, done_share=1),
                checkins=checkins,
                comments=thread("achieved", [mid, closed, closed]),
            )
        )

        # Active: reading, revised once after approval, checked in on this week.
        goal = from_idea(data.LOGIN_LITERACY)
        if self.winter_break is None:
            goal.title = goal.title.replace("by winter break", "this term")
            target = _weekday(self.term_end)
        else:
            target = self.winter_break
        created, approved = approve(
            self.day_between(
                self.start + timedelta(days=max(10, self.span // 5)), today - timedelta(days=21)
            )
        )
        revised = self.at(
            self.day_between(
                approved.date() + timedelta(days=5), approved.date() + timedelta(days=9)
            ),
            "student",
            after=approved,
        )
        days = self.checkin_days(
            approved.date() + timedelta(days=4), today - timedelta(days=rng.randint(1, 3))
        )
        checkins = self.checkins(
            goal,
            days,
            approved,
            final=data.LOGIN_LITERACY_PROGRESS,
            stalled=False,
            texts=data.LOGIN_LITERACY_CHECKINS,
        )
        last = checkins[-1].at if checkins else approved
        encouraged = max(approved, last - timedelta(days=3))
        goals.append(
            GoalSpec(
                student=sid,
                title=goal.title,
                why=goal.why,
                category=goal.category,
                horizon=goal.horizon,
                success_criteria=goal.criteria,
                target_date=target,
                term=self.semester(created.date()),
                status=S.ACTIVE,
                origin=goal.origin,
                approved_by=advisor,
                approved_at=approved,
                created_at=created,
                updated_at=revised,
                updated_by=sid,
                version=3,
                first_version=goal.first_version,
                steps=self.steps(goal, created, target, until=self.last_day, done_share=0.7),
                checkins=checkins,
                comments=thread("literacy", [approved, encouraged, encouraged]),
            )
        )

        # Active: her next Math 7 targets, progress from her mastery.
        goal = _Goal(
            student,
            data.NUMERACY,
            data.LINKED_TITLE,
            data.LINKED_CRITERIA,
            data.LOGIN_NUMERACY_WHY,
            Goal.Horizon.TERM,
            data.LOGIN_NUMERACY_STEPS,
            data.LINKED_FIRST,
            data.MATH,
            linked=True,
        )
        created_day = self.day(today - timedelta(days=max(21, self.span * 2 // 5)))
        goal = self.link(goal, created_day, count=3)
        created, approved = approve(created_day)
        days = self.checkin_days(
            approved.date() + timedelta(days=3), today - timedelta(days=rng.randint(1, 4))
        )
        checkins = self.checkins(goal, days, approved, final=70, stalled=False)
        target = self.winter_break or _weekday(self.term_end)
        goals.append(
            GoalSpec(
                student=sid,
                title=goal.title,
                why=goal.why,
                category=goal.category,
                horizon=goal.horizon,
                success_criteria=goal.criteria,
                target_date=target,
                term=self.semester(created.date()),
                status=S.ACTIVE,
                origin=goal.origin,
                approved_by=advisor,
                approved_at=approved,
                created_at=created,
                updated_at=approved,
                updated_by=advisor,
                version=2,
                competencies=goal.competencies,
                steps=self.steps(goal, created, target, until=self.last_day, done_share=0.7),
                checkins=checkins,
                comments=thread("numeracy", [approved, approved]),
            )
        )

        # Waiting: her advisor's suggestion from the last school day or two.
        suggestion = next(s for s in data.SUGGESTIONS if s.key == data.LOGIN_SUGGESTION)
        suggested = self.at(self.day(self.last_day - timedelta(days=1)), "teacher")
        goals.append(
            GoalSpec(
                student=sid,
                title=suggestion.title,
                why=suggestion.why,
                category=suggestion.category,
                horizon=Goal.Horizon.TERM,
                success_criteria=suggestion.criteria,
                target_date=target,
                term=self.semester(suggested.date()),
                status=S.PROPOSED,
                origin=Goal.Origin.TEACHER,
                suggested_by=advisor,
                created_at=suggested,
                updated_at=suggested,
                updated_by=advisor,
                version=1,
                steps=tuple(StepSpec(title, None, None) for title in suggestion.steps),
            )
        )
        return goals


def build_goals_plan(inputs: GoalInputs, *, today: date) -> GoalsPlan:
    """Every goal, step, check-in and comment for these students; the same on every call with
    the same arguments. Nothing is dated after the day before ``today``."""
    return _PlanBuilder(inputs, today).build()


def inputs_from_plans(school: DemoPlan, mastery: MasteryPlan) -> GoalInputs:
    """The inputs :func:`build_goals_plan` needs, straight from the pure demo school and mastery
    plans (what :func:`demo_goals_seed` reads back from the database after writing them)."""
    advisor: dict[str, str] = {}
    teachers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for section in sorted(school.sections, key=lambda s: s.sourced_id):
        for sid in section.students:
            if section.kind == Section.Kind.ADVISORY:
                advisor.setdefault(sid, section.teacher)
            else:
                teachers[sid].add((section.subject, section.teacher))
    guardians: dict[str, list[GuardianRef]] = defaultdict(list)
    for link in school.guardian_links:
        guardians[link.student].append(GuardianRef(link.guardian, link.relationship))
    students = tuple(
        StudentRef(
            s.person.sourced_id,
            s.person.preferred_name or s.person.given_name,
            s.grade,
            advisor.get(s.person.sourced_id, ""),
            tuple(sorted(teachers[s.person.sourced_id])),
            tuple(sorted(guardians[s.person.sourced_id], key=lambda g: g.sourced_id)),
        )
        for s in sorted(school.students, key=lambda s: s.person.sourced_id)
    )
    prefix = f"{MATH_FRAMEWORK.identifier}-"
    evidence = sorted(
        (
            (e.student, e.competency, e.observed_on, e.score)
            for e in mastery.evidence
            if e.status == Evidence.Status.ACCEPTED
            and e.score is not None
            and e.competency.startswith(prefix)
        ),
        key=lambda e: (e[0], e[1], e[2]),
    )
    people = {
        p.email: p.sourced_id for p in (*(s.person for s in school.students), *school.guardians)
    } | {t.person.email: t.person.sourced_id for t in school.teachers}
    student, teacher, parent = _login_ids(people)
    return GoalInputs(students, tuple(evidence), student, teacher, parent)


def _login_ids(sourced_ids_by_email: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """The login student's, teacher's and parent's sourced ids."""
    email = {login.role: login.email for login in demo_logins()}
    return (
        sourced_ids_by_email.get(email["student"]),
        sourced_ids_by_email.get(email["teacher"]),
        sourced_ids_by_email.get(email["parent"]),
    )


# --- Writing it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalsDemoSummary:
    """What a run did: ``created`` is False when the demo school already had goal templates or
    goals (or there is no demo school)."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def format_goals_created(summary: GoalsDemoSummary) -> str:
    c = summary.counts
    closed = c["achieved"] + c["not_met"] + c["set_aside"]
    return (
        f"Added the demo goals: {c['goals']} goals for {c['students']} students "
        f"({c['active']} active, {c['proposed']} waiting for approval, {c['suggested']} "
        f"suggested by teachers, {c['draft']} drafts, {closed} closed), {c['checkins']} "
        f"check-ins, {c['comments']} comments, {c['templates']} goal templates."
    )


def _already_seeded() -> Any:
    """The demo school's id, and whether it has goal templates or goals of its students."""
    return (
        School.objects.filter(sourced_id=SCHOOL_SOURCED_ID)
        .annotate(
            has_templates=Exists(GoalTemplate.objects.filter(school=OuterRef("pk"))),
            has_goals=Exists(
                Goal.objects.filter(
                    student__memberships__school=OuterRef("pk"),
                    student__memberships__role=Role.STUDENT,
                )
            ),
        )
        .values_list("pk", "has_templates", "has_goals")
    )


def demo_goals_seed(*, today: date | None = None) -> GoalsDemoSummary:
    """Add goal templates, settings and a term of goals to the demo school, or do nothing when
    it has goal templates or goals already (one query).

    Everything is written in one transaction that first locks the demo school's row, so a second
    run racing the first waits for it and then finds the goals.
    """
    state = _already_seeded().first()
    if state is None or state[1] or state[2]:
        return GoalsDemoSummary(created=False)
    today = today or timezone.localdate()
    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = School.objects.select_for_update().filter(pk=state[0]).first()
        again = _already_seeded().filter(pk=state[0]).first()
        if school is None or again is None or again[1] or again[2]:
            return GoalsDemoSummary(created=False)
        counts = _write(school, today)
    return GoalsDemoSummary(created=True, counts=counts)


def _inputs(school: School) -> tuple[GoalInputs, dict[str, int]]:
    """The students with their advisors, teachers and families, their math evidence, and the
    ids of everyone by sourced id."""
    people: dict[str, int] = {}
    emails: dict[str, str] = {}
    students: list[tuple[Any, ...]] = sorted(
        Membership.objects.filter(
            school=school, role=Role.STUDENT, user__sourced_id__isnull=False
        ).values_list(
            "user__sourced_id",
            "user_id",
            "user__given_name",
            "user__preferred_name",
            "user__email",
            "grade_level",
        )
    )
    members: list[tuple[Any, ...]] = sorted(
        Enrollment.objects.filter(
            section__school=school,
            section__is_active=True,
            is_active=True,
            section__sourced_id__isnull=False,
            user__sourced_id__isnull=False,
        ).values_list(
            "section__sourced_id",
            "section__kind",
            "section__subject",
            "role",
            "user__sourced_id",
            "user_id",
            "user__email",
        )
    )
    links: list[tuple[Any, ...]] = sorted(
        GuardianLink.objects.filter(
            is_active=True,
            student__memberships__school=school,
            student__memberships__role=Role.STUDENT,
            student__sourced_id__isnull=False,
            guardian__sourced_id__isnull=False,
        ).values_list(
            "student__sourced_id",
            "guardian__sourced_id",
            "guardian_id",
            "guardian__email",
            "relationship",
        )
    )
    evidence: list[tuple[Any, ...]] = sorted(
        Evidence.objects.filter(
            status=Evidence.Status.ACCEPTED,
            score__isnull=False,
            competency__framework__school=school,
            competency__framework__identifier=MATH_FRAMEWORK.identifier,
            student__sourced_id__isnull=False,
        )
        .order_by("observed_on", "id")
        .values_list("student__sourced_id", "competency__identifier", "observed_on", "score"),
        key=lambda e: (e[0], e[1], e[2]),  # stable: same-day scores stay in the order recorded
    )

    by_section: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in members:
        section_sid, _, _, _, user_sid, user_id, email = row
        by_section[section_sid].append(row)
        people[user_sid] = user_id
        emails[email] = user_sid
    advisor: dict[str, str] = {}
    teachers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for section_sid in sorted(by_section):
        rows = by_section[section_sid]
        taught_by = sorted(r[4] for r in rows if r[3] == Enrollment.Role.TEACHER)
        if not taught_by:
            continue
        kind, subject = rows[0][1], rows[0][2]
        for r in rows:
            if r[3] != Enrollment.Role.STUDENT:
                continue
            if kind == Section.Kind.ADVISORY:
                advisor.setdefault(r[4], taught_by[0])
            else:
                teachers[r[4]].add((subject, taught_by[0]))
    guardians: dict[str, list[GuardianRef]] = defaultdict(list)
    for student_sid, guardian_sid, guardian_id, email, relationship in links:
        guardians[student_sid].append(GuardianRef(guardian_sid, relationship))
        people[guardian_sid] = guardian_id
        emails[email] = guardian_sid
    refs = []
    for sid, user_id, given, preferred, email, grade in students:
        people[sid] = user_id
        emails[email] = sid
        refs.append(
            StudentRef(
                sid,
                preferred or given,
                grade,
                advisor.get(sid, ""),
                tuple(sorted(teachers[sid])),
                tuple(guardians[sid]),
            )
        )
    student, teacher, parent = _login_ids(emails)
    return GoalInputs(tuple(refs), tuple(evidence), student, teacher, parent), people


def _write(school: School, today: date) -> dict[str, int]:
    categories = {c.name: c for c in goal_categories_for(school_id=school.pk)}
    templates = GoalTemplate.objects.bulk_create(
        GoalTemplate(
            school=school,
            name=t.name,
            category=categories.get(t.category),
            prompts=list(t.prompts),
            example_title=t.example_title,
            example_criteria=t.example_criteria,
        )
        for t in data.TEMPLATES
    )
    GoalSettings.objects.get_or_create(
        school=school, defaults={"checkin_nudge_days": data.CHECKIN_NUDGE_DAYS}
    )
    inputs, people = _inputs(school)
    plan = build_goals_plan(inputs, today=today)
    specs = plan.goals
    wanted = sorted({c for g in specs for c in g.competencies})
    competency = dict(
        Competency.objects.filter(framework__school=school, identifier__in=wanted).values_list(
            "identifier", "pk"
        )
    )
    terms = dict(
        Term.objects.filter(
            school=school, sourced_id__in=sorted({g.term for g in specs if g.term})
        ).values_list("sourced_id", "pk")
    )

    def aware(moment: datetime | None) -> datetime | None:
        return None if moment is None else timezone.make_aware(moment)

    def person(sid: str | None) -> int | None:
        return None if sid is None else people.get(sid)

    goals = Goal.objects.bulk_create(
        Goal(
            student_id=people[g.student],
            title=(g.first_version or (g.title, ""))[0],
            why=g.why,
            category=categories.get(g.category),
            horizon=g.horizon,
            success_criteria=g.first_version[1] if g.first_version else g.success_criteria,
            target_date=g.target_date,
            term_id=terms.get(g.term or ""),
            status=g.status,
            origin=g.origin,
            suggested_by_id=person(g.suggested_by),
            approved_by_id=person(g.approved_by),
            approved_at=aware(g.approved_at),
            return_comment=g.return_comment,
            reflection=g.reflection,
            closed_at=aware(g.closed_at),
            version=g.version - 1 if g.first_version else g.version,
            updated_by_id=person(g.updated_by),
        )
        for g in specs
    )
    # The created and updated times are set on insert; backdate them to the plan's.
    for goal, g in zip(goals, specs, strict=True):
        goal.created_at = aware(g.created_at)  # type: ignore[assignment]
        goal.updated_at = aware(g.updated_at)  # type: ignore[assignment]
    Goal.objects.bulk_update(goals, ["created_at", "updated_at"], batch_size=500)
    revised = [(goal, g) for goal, g in zip(goals, specs, strict=True) if g.first_version]
    for goal, g in revised:
        goal.title, goal.success_criteria, goal.version = g.title, g.success_criteria, g.version
    Goal.objects.bulk_update(
        [goal for goal, _ in revised], ["title", "success_criteria", "version"]
    )

    links = Goal.competencies.through.objects.bulk_create(
        Goal.competencies.through(goal_id=goal.pk, competency_id=competency[c])
        for goal, g in zip(goals, specs, strict=True)
        for c in g.competencies
        if c in competency
    )
    steps = ActionStep.objects.bulk_create(
        ActionStep(
            goal=goal,
            title=s.title,
            due_date=s.due_date,
            done=s.done_at is not None,
            done_at=aware(s.done_at),
            order=i,
        )
        for goal, g in zip(goals, specs, strict=True)
        for i, s in enumerate(g.steps)
    )
    checkin_specs = [(goal, c) for goal, g in zip(goals, specs, strict=True) for c in g.checkins]
    checkins = CheckIn.objects.bulk_create(
        (
            CheckIn(
                goal=goal,
                author_id=goal.student_id,
                progress=c.progress,
                progress_derived=c.derived,
                confidence=c.confidence,
                what_helped=c.what_helped,
                what_got_in_the_way=c.what_got_in_the_way,
                next_step=c.next_step,
            )
            for goal, c in checkin_specs
        ),
        batch_size=1000,
    )
    for checkin, (_, c) in zip(checkins, checkin_specs, strict=True):
        checkin.created_at = aware(c.at)  # type: ignore[assignment]
    CheckIn.objects.bulk_update(checkins, ["created_at"], batch_size=500)
    comment_specs = [(goal, c) for goal, g in zip(goals, specs, strict=True) for c in g.comments]
    comments = GoalComment.objects.bulk_create(
        GoalComment(goal=goal, author_id=person(c.author), kind=c.kind, body=c.body)
        for goal, c in comment_specs
    )
    for comment, (_, spec) in zip(comments, comment_specs, strict=True):
        comment.created_at = aware(spec.at)  # type: ignore[assignment]
    GoalComment.objects.bulk_update(comments, ["created_at"], batch_size=500)

    statuses = Counter(
        "suggested" if g.status == S.PROPOSED and g.origin == Goal.Origin.TEACHER else g.status
        for g in specs
    )
    return {
        "goals": len(specs),
        "students": len({g.student for g in specs}),
        "active": statuses[S.ACTIVE],
        "proposed": statuses[S.PROPOSED],
        "suggested": statuses["suggested"],
        "draft": statuses[S.DRAFT],
        "returned": sum(1 for g in specs if g.status == S.DRAFT and g.return_comment),
        "achieved": statuses[S.ACHIEVED],
        "not_met": statuses[S.NOT_MET],
        "set_aside": statuses[S.ABANDONED],
        "revised": len(revised),
        "linked": sum(1 for g in specs if g.competencies),
        "competency_links": len(links),
        "steps": len(steps),
        "checkins": len(checkins),
        "comments": len(comments),
        "templates": len(templates),
        "categories": len(categories),
    }
