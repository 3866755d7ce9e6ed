"""The demo school's mastery data: frameworks, pacing plans and a term of varied evidence.

Two halves, like :mod:`profiles.demo`. :func:`build_mastery_plan` is pure: from the fixed
material in :mod:`mastery.demo_data`, the class rosters and ``today`` it decides, with one
seeded :class:`random.Random`, every pacing date and every piece of evidence — the same way on
every run and in every process. :func:`demo_mastery_seed` writes the frameworks and that plan in
one transaction with bulk inserts, computes every mastery record from the evidence, and does
nothing at all (one query) when the demo frameworks already exist.

It seeds on top of the demo school of :mod:`profiles.demo` and finds its classes and people by
their ``demo-...`` sourced ids, so it also adds the mastery data to a demo school seeded before
this module existed.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from profiles import demo_data as school_data
from profiles.demo import HISTORY_SOURCE, DemoPlan, demo_logins, demo_terms
from profiles.models import Enrollment, School, Section

from . import calculation as calc
from . import demo_data as data
from .models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    Prerequisite,
    SectionCompetency,
)
from .services import DEFAULT_LEVELS, mastery_recompute, scale_default_create

CLASS_PREFIX = "demo-class-"
RECOMPUTE_CHUNK = 2000
# The school's default scale, for deciding whether a reassessment is still needed.
LEVELS = tuple(
    calc.Level(points=points, label=label, is_mastery=mastery)
    for points, label, _, mastery in DEFAULT_LEVELS
)


# --- The plan: plain values, no ORM ------------------------------------------------------------


@dataclass(frozen=True)
class StudentRef:
    sourced_id: str
    first_name: str  # what a teacher's note calls them
    slug: str  # for portfolio links: the local part of their email


@dataclass(frozen=True)
class Roster:
    """One class that works on a demo framework, as the mastery plan needs it."""

    section: str  # sourced id
    subject: str
    grade: str
    teacher: str  # sourced id
    students: tuple[StudentRef, ...]  # ordered by sourced id

    @property
    def key(self) -> str:
        return self.section.removeprefix(CLASS_PREFIX)


@dataclass(frozen=True)
class PacingSpec:
    section: str
    competency: str  # identifier
    expected_by: date


@dataclass(frozen=True)
class EvidenceSpec:
    student: str
    competency: str  # identifier
    section: str | None
    author: str
    score: Decimal | None
    observed_on: date
    kind: str
    title: str = ""
    note: str = ""
    link: str = ""
    status: str = Evidence.Status.ACCEPTED


@dataclass(frozen=True)
class MasteryPlan:
    links: tuple[tuple[str, str], ...]  # (section, competency identifier)
    pacing: tuple[PacingSpec, ...]
    evidence: tuple[EvidenceSpec, ...]
    abilities: tuple[tuple[str, str, str], ...]  # (section, student, ability key)


@dataclass(frozen=True)
class NodeSpec:
    """A competency of a demo framework: a grade, a domain or a learning target."""

    framework: str  # FrameworkData.key
    identifier: str
    parent: str | None
    code: str
    statement: str
    short_statement: str
    kind: str
    grade_levels: str
    order: int
    depth: int
    sort_key: str
    is_leaf: bool


def target_identifier(framework: data.FrameworkData, code: str) -> str:
    """``demo-fw-math`` and ``7.RP.1`` → ``demo-fw-math-7.RP.1``."""
    return f"{framework.identifier}-{code}"


def framework_nodes(framework: data.FrameworkData) -> list[NodeSpec]:
    """The framework's tree, parents before children: grade, domain, learning target."""
    nodes: list[NodeSpec] = []
    band = ",".join(g for g, _ in school_data.GRADE_SIZES)

    def add(parent: NodeSpec | None, order: int, **values: object) -> NodeSpec:
        sort_key = f"{order:04d}" if parent is None else f"{parent.sort_key}.{order:04d}"
        node = NodeSpec(
            framework=framework.key,
            parent=None if parent is None else parent.identifier,
            order=order,
            depth=0 if parent is None else parent.depth + 1,
            sort_key=sort_key,
            **values,  # type: ignore[arg-type]
        )
        nodes.append(node)
        return node

    for g, grade in enumerate(framework.grades, start=1):
        grade_levels = grade.grade or band
        grade_node = None
        if grade.grade:
            grade_node = add(
                None,
                g,
                identifier=f"{framework.identifier}-grade-{grade.grade}",
                code=grade.grade,
                statement=f"Grade {grade.grade}",
                short_statement="",
                kind="Grade Level",
                grade_levels=grade_levels,
                is_leaf=False,
            )
        for d, domain in enumerate(grade.domains, start=1):
            domain_node = add(
                grade_node,
                d,
                identifier=target_identifier(framework, domain.code),
                code=domain.code,
                statement=domain.title,
                short_statement="",
                kind="Domain",
                grade_levels=grade_levels,
                is_leaf=False,
            )
            for t, target in enumerate(domain.targets, start=1):
                add(
                    domain_node,
                    t,
                    identifier=target_identifier(framework, target.code),
                    code=target.code,
                    statement=target.statement,
                    short_statement=target.short,
                    kind="Learning Target",
                    grade_levels=grade_levels,
                    is_leaf=True,
                )
    return nodes


def framework_prerequisites(framework: data.FrameworkData) -> list[tuple[str, str]]:
    """(competency, prerequisite) identifiers: the targets each target comes after."""
    return [
        (target_identifier(framework, target.code), target_identifier(framework, before))
        for grade in framework.grades
        for domain in grade.domains
        for target in domain.targets
        for before in target.after
    ]


def domain_key(code: str) -> str:
    """The domain part of a target's code: ``7.RP.2c`` → ``RP``, ``RL.2`` → ``RL``."""
    parts = code.split(".")
    return parts[1] if parts[0].isdigit() else parts[0]


def framework_for(subject: str) -> data.FrameworkData | None:
    return next((f for f in data.FRAMEWORKS if f.subject == subject), None)


def pacing_codes(framework: data.FrameworkData, grade: str) -> tuple[str, ...]:
    """The targets a class of ``grade`` works on, in teaching order."""
    for g in framework.grades:
        if g.grade in ("", grade):
            return g.pacing
    return ()


# The school calendar: weekdays, less holidays and breaks.


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _closed_days(fall_year: int) -> set[date]:
    """Labor Day, Thanksgiving (Wednesday to Friday), winter break, MLK Day, Presidents' Day,
    spring break (the week of the last Monday in March) and Memorial Day."""
    spring = fall_year + 1
    thanksgiving = _nth_weekday(fall_year, 11, 3, 4)
    spring_break = _last_weekday(spring, 3, 0)
    winter = date(fall_year, 12, 21)
    closed = {
        _nth_weekday(fall_year, 9, 0, 1),
        _nth_weekday(spring, 1, 0, 3),
        _nth_weekday(spring, 2, 0, 3),
        _last_weekday(spring, 5, 0),
    }
    closed |= {thanksgiving + timedelta(days=i) for i in (-1, 0, 1)}
    closed |= {winter + timedelta(days=i) for i in range((date(spring, 1, 2) - winter).days)}
    closed |= {spring_break + timedelta(days=i) for i in range(5)}
    return closed


def school_days(start: date, end: date) -> list[date]:
    """Every day school is open from ``start`` to ``end``, in order."""
    closed = _closed_days(start.year if start.month >= 7 else start.year - 1)
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class _TargetTiming:
    """When a class works on one target: indexes into the school days of the year."""

    identifier: str
    code: str
    short: str
    domain: str  # "RP" for 7.RP.1, "RL" for RL.2
    after: tuple[str, ...]  # identifiers of its prerequisites
    quiz: str  # the class's quiz title
    project: str  # the class's project title
    starts: int
    expected: int
    check: int  # the class quiz
    retake: int
    project_day: int
    difficulty: float


@dataclass
class _Work:
    """One piece of a student's evidence before it is scored."""

    day: int
    kind: str
    title: str
    target: int  # index into the class's timings
    attempt: int  # 0 for the first piece on the target
    ahead: bool = False


@dataclass
class _PlanBuilder:
    rosters: Sequence[Roster]
    today: date
    login_student: str | None
    rng: random.Random = field(default_factory=lambda: random.Random(data.RANDOM_SEED))

    def __post_init__(self) -> None:
        _, fall, spring = demo_terms(self.today)
        self.term_start = fall.start_date
        self.days = school_days(fall.start_date, spring.end_date)
        # The last school day that is not in the future (-1: school hasn't started).
        self.today_index = bisect.bisect_right(self.days, self.today) - 1
        self.abilities = {a.key: a for a in data.ABILITIES}

    # drawing

    def ability(self) -> data.AbilityData:
        return self.rng.choices(data.ABILITIES, weights=[a.weight for a in data.ABILITIES])[0]

    def weighted(self, pairs: Sequence[tuple[str, int]]) -> str:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def day_between(self, first: int, last: int) -> int:
        last = min(last, self.today_index)
        first = max(0, min(first, last))
        return self.rng.randint(first, last)

    # the year

    def timings(self, framework: data.FrameworkData, grade: str) -> list[_TargetTiming]:
        """Expected-by dates spread over the school year (so that on any school day some
        targets are expected and some are not), a class quiz just before each, a retake about
        two weeks later and a class project."""
        by_code = {t.code: t for g in framework.grades for d in g.domains for t in d.targets}
        codes = pacing_codes(framework, grade)
        titles = data.TITLES[framework.subject]
        rng = self.rng
        first, last = 25, len(self.days) - 8  # a month in; the last fortnight is for review
        span = (last - first) / max(1, len(codes) - 1)
        shift = rng.randint(-2, 2)
        result: list[_TargetTiming] = []
        for i, code in enumerate(codes):
            expected = max(0, min(len(self.days) - 1, round(first + i * span) + shift))
            starts = 0 if i == 0 else max(0, result[-1].expected - rng.randint(2, 5))
            check = max(starts, expected - rng.randint(0, 2))
            target = by_code[code]
            domain = domain_key(code)
            result.append(
                _TargetTiming(
                    identifier=target_identifier(framework, code),
                    code=code,
                    short=target.short,
                    domain=domain,
                    after=tuple(target_identifier(framework, a) for a in target.after),
                    quiz=rng.choice(titles["assessment"]).format(short=target.short),
                    project=rng.choice(data.PROJECTS[domain]),
                    starts=starts,
                    expected=expected,
                    check=check,
                    retake=check + rng.randint(6, 12),
                    project_day=max(starts, expected - rng.randint(1, 4)),
                    difficulty=max(-0.35, min(0.35, rng.gauss(0, 0.2))),
                )
            )
        return result

    # the plan

    def build(self) -> MasteryPlan:
        links: list[tuple[str, str]] = []
        pacing: list[PacingSpec] = []
        evidence: list[EvidenceSpec] = []
        abilities: list[tuple[str, str, str]] = []
        students = sorted({s.sourced_id for r in self.rosters for s in r.students})
        base = {sid: self.ability() for sid in students}
        others = [sid for sid in students if sid != self.login_student]
        self.quiet = {
            sid: self.rng.randint(*data.QUIET_SCHOOL_DAYS)
            for sid in self.rng.sample(others, min(data.QUIET_STUDENTS, len(others)))
        }
        work_by_class: dict[str, dict[str, list[_Work]]] = {}
        timings_by_class: dict[str, list[_TargetTiming]] = {}
        for roster in self.rosters:
            framework = framework_for(roster.subject)
            if framework is None:
                continue
            timings = self.timings(framework, roster.grade)
            timings_by_class[roster.section] = timings
            links += [(roster.section, t.identifier) for t in timings]
            pacing += [
                PacingSpec(roster.section, t.identifier, self.days[t.expected]) for t in timings
            ]
            work_by_class[roster.section] = {}
            for student in roster.students:
                ability = self.class_ability(roster, student, base[student.sourced_id])
                abilities.append((roster.section, student.sourced_id, ability.key))
                work = self.student_work(roster, framework, timings, student, ability)
                work_by_class[roster.section][student.sourced_id] = work
                evidence += self.scored(roster, timings, student, ability, work)
        evidence += self.submissions(timings_by_class, work_by_class)
        return MasteryPlan(tuple(links), tuple(pacing), tuple(evidence), tuple(abilities))

    def class_ability(
        self, roster: Roster, student: StudentRef, base: data.AbilityData
    ) -> data.AbilityData:
        if student.sourced_id == self.login_student and roster.subject in data.LOGIN_ABILITIES:
            return self.abilities[data.LOGIN_ABILITIES[roster.subject]]
        if self.rng.random() < data.SAME_ABILITY_IN_EVERY_CLASS:
            return base
        return self.ability()

    def student_work(
        self,
        roster: Roster,
        framework: data.FrameworkData,
        timings: list[_TargetTiming],
        student: StudentRef,
        ability: data.AbilityData,
    ) -> list[_Work]:
        """Which targets the student has evidence on, of which kinds, on which days."""
        rng = self.rng
        today = self.today_index
        if today < 0:
            return []  # school hasn't started
        is_login = student.sourced_id == self.login_student
        current = self._current(timings)
        ahead = 0 if is_login else rng.choice(ability.ahead)
        kinds = data.KIND_WEIGHTS[roster.subject]
        titles = data.TITLES[roster.subject]
        work: list[_Work] = []
        for i, t in enumerate(timings):
            if t.starts > today and i >= current + ahead:
                break
            if is_login and i == current:
                # The login student is partway through the current target: "in progress".
                work.append(_Work(today, "observation", rng.choice(titles["observation"]), i, 0))
                continue
            if i < current and not is_login and rng.random() >= ability.coverage:
                continue  # a past target with no evidence yet
            if i == current and rng.random() >= 0.85:
                continue
            ahead_of_class = t.starts > today
            n = rng.choices((1, 2, 3, 4), weights=framework.n_evidence_weights)[0]
            pieces: list[tuple[int, str, str]] = []
            assessed = 0
            for _ in range(n):
                if ahead_of_class:
                    # Working ahead with the teacher: a conversation, a quiz or a side project.
                    kind = self.weighted((("conversation", 3), ("project", 2), ("assessment", 2)))
                    day = self.day_between(today - 15, today)
                    title = {"assessment": t.quiz, "project": t.project}.get(kind) or rng.choice(
                        titles[kind]
                    )
                else:
                    kind = self.weighted(kinds)
                    if kind == "assessment":
                        if assessed == 0:
                            day, title = t.check, t.quiz
                        else:
                            day = t.retake if assessed == 1 else t.retake + rng.randint(5, 15)
                            title = rng.choice(titles["retake"])
                        assessed += 1
                    elif kind == "project":
                        day, title = t.project_day, t.project
                    else:
                        day = self.day_between(t.starts, t.expected + 5)
                        title = rng.choice(titles[kind])
                if day <= today:
                    pieces.append((day, kind, title.format(short=t.short)))
            pieces.sort(key=lambda p: p[0])
            work += [
                _Work(day, kind, title, i, attempt, ahead_of_class)
                for attempt, (day, kind, title) in enumerate(pieces)
            ]
        if ability.key == "slipping":
            work += self._reassessments(work, timings, titles)
        quiet = self.quiet.get(student.sourced_id)
        if quiet is not None:
            work = [w for w in work if w.day <= today - quiet]
        return work

    def _reassessments(
        self, work: list[_Work], timings: list[_TargetTiming], titles: dict[str, tuple[str, ...]]
    ) -> list[_Work]:
        """A slipping student's recent reassessments: one piece in the last school days on each
        of the targets they worked on most recently (scored low by :meth:`scored`)."""
        today = self.today_index
        last: dict[int, _Work] = {}
        for w in sorted(work, key=lambda w: w.day):
            if w.day < today - data.SLIPPING_RECENT_DAYS:
                last[w.target] = w
        recent = sorted(last.values(), key=lambda w: (-w.day, w.target))
        return [
            _Work(
                self.day_between(today - data.SLIPPING_RECENT_DAYS + 1, today),
                "assessment",
                self.rng.choice(titles["retake"]).format(short=timings[w.target].short),
                w.target,
                w.attempt + 1,
            )
            for w in recent[: data.SLIPPING_RECENT_TARGETS]
        ]

    def scored(
        self,
        roster: Roster,
        timings: list[_TargetTiming],
        student: StudentRef,
        ability: data.AbilityData,
        work: list[_Work],
    ) -> list[EvidenceSpec]:
        rng = self.rng
        elapsed = max(1, (self.today - self.term_start).days)
        scores: list[int] = []
        for w in work:
            frac = min(1.0, (self.days[w.day] - self.term_start).days / elapsed)
            mean = (
                ability.start
                + ability.change * frac
                + timings[w.target].difficulty
                + ability.growth * w.attempt
                + (0.3 if w.ahead else 0.0)
            )
            scores.append(max(1, min(4, math.floor(mean + rng.gauss(0, 0.55) + 0.5))))
        is_login = student.sourced_id == self.login_student
        current = self._current(timings)
        if is_login:
            # Partway through the current target: approaching, not yet mastered.
            scores = [2 if w.target == current else s for w, s in zip(work, scores, strict=True)]
        if ability.key == "slipping":
            # What they showed before on a target holds at Meets; the recent reassessment
            # comes in at Beginning: the target's level drops (the "slipping" rule sees it).
            since = self.today_index - data.SLIPPING_RECENT_DAYS
            slipped = {w.target for w in work if w.day > since and w.attempt > 0}
            for i, w in enumerate(work):
                if w.target in slipped:
                    scores[i] = 1 if w.day > since else max(scores[i], 3)
        if ability.reassessed and not is_login:
            extra = self._reassessments_until_met(roster, timings, work, scores)
            work = work + [w for w, _ in extra]
            scores = scores + [s for _, s in extra]
        notes = data.NOTES[roster.subject]
        no_notes: dict[str, tuple[str, ...]] = {}
        result = []
        for w, score in zip(work, scores, strict=True):
            note = ""
            if is_login and w.target == current:
                note = "Good start; still needs a worked example before trying one alone."
            elif rng.random() < data.NOTE_SHARE:
                band = "high" if score >= 3 else "mid" if score == 2 else "low"
                specific = data.DOMAIN_NOTES.get(timings[w.target].domain, no_notes)
                pool = notes[band] + specific.get(band, ())
                note = rng.choice(pool).format(name=student.first_name)
            result.append(
                EvidenceSpec(
                    student=student.sourced_id,
                    competency=timings[w.target].identifier,
                    section=roster.section,
                    author=roster.teacher,
                    score=Decimal(score),
                    observed_on=self.days[w.day],
                    kind=w.kind,
                    title=w.title,
                    note=note,
                )
            )
        result.sort(key=lambda e: (e.observed_on, e.competency))
        return result

    def _reassessments_until_met(
        self, roster: Roster, timings: list[_TargetTiming], work: list[_Work], scores: list[int]
    ) -> list[tuple[_Work, int]]:
        """Reassessments, at Meets or Exceeds, of each target still not met a few school days
        after its pacing date, until the framework's method counts it as met."""
        framework = framework_for(roster.subject)
        assert framework is not None  # only classes with a framework have timings
        retakes = data.TITLES[roster.subject]["retake"]
        today = self.today_index
        pieces: dict[int, list[tuple[_Work, int]]] = defaultdict(list)
        for w, score in sorted(zip(work, scores, strict=True), key=lambda p: p[0].day):
            pieces[w.target].append((w, score))
        extra: list[tuple[_Work, int]] = []
        for target, done in sorted(pieces.items()):
            t = timings[target]
            if t.expected + data.REASSESS_AFTER_DAYS > today:
                continue
            got = [Decimal(score) for _, score in done]
            day = max(done[-1][0].day, t.expected)
            for attempt in range(len(done), len(done) + data.REASSESSMENTS):
                if calc.rollup(
                    framework.method, got, LEVELS, parameter=framework.parameter
                ).mastered:
                    break
                day += self.rng.randint(1, 4)
                if day > today:
                    break
                score = self.rng.choice((3, 4))
                got.append(Decimal(score))
                title = self.rng.choice(retakes).format(short=t.short)
                extra.append((_Work(day, "assessment", title, target, attempt), score))
        return extra

    def _current(self, timings: list[_TargetTiming]) -> int:
        return next(
            (i for i, t in enumerate(timings) if t.expected > self.today_index), len(timings)
        )

    def submissions(
        self,
        timings_by_class: dict[str, list[_TargetTiming]],
        work_by_class: dict[str, dict[str, list[_Work]]],
    ) -> list[EvidenceSpec]:
        """Students' own evidence waiting for a teacher: prior learning with a note and a link,
        from the last two weeks, on a target they have no evidence on yet."""
        rng = self.rng
        if self.today_index < 0:
            return []
        rosters = {r.key: r for r in self.rosters if r.section in timings_by_class}
        wanted: list[tuple[Roster, StudentRef, str]] = []
        login_roster = rosters.get(data.LOGIN_SUBMISSION_CLASS)
        if login_roster is not None:
            login = next(
                (s for s in login_roster.students if s.sourced_id == self.login_student), None
            )
            if login is not None:
                wanted.append((login_roster, login, data.LOGIN_SUBMISSION_NOTE))
        for key, count in data.SUBMISSIONS:
            roster = rosters.get(key)
            if roster is None:
                continue
            others = [
                s
                for s in roster.students
                if s.sourced_id != self.login_student and s.sourced_id not in self.quiet
            ]
            for student in rng.sample(others, min(count, len(others))):
                wanted.append((roster, student, rng.choice(data.SUBMISSION_NOTES[roster.subject])))
        result = []
        for roster, student, note in wanted:
            timings = timings_by_class[roster.section]
            done = {w.target for w in work_by_class[roster.section][student.sourced_id]}
            started = {timings[i].identifier for i in done}
            current = self._current(timings)
            # The next target they haven't started but could: what they feel ready to show.
            options = [
                i
                for i, t in enumerate(timings)
                if i not in done and i >= current and set(t.after) <= started
            ]
            options = options or [i for i in range(len(timings)) if i not in done]
            # At the end of the year everyone has started everything: more for the last one.
            t = timings[options[0] if options else -1]
            result.append(
                EvidenceSpec(
                    student=student.sourced_id,
                    competency=t.identifier,
                    section=None,
                    author=student.sourced_id,
                    score=None,
                    observed_on=self.days[self.day_between(self.today_index - 8, self.today_index)],
                    kind=Evidence.Kind.PRIOR_LEARNING,
                    note=note,
                    link=f"https://example.org/portfolio/{student.slug}/{t.code.lower()}",
                    status=Evidence.Status.SUBMITTED,
                )
            )
        return result


def rosters_from_school_plan(plan: DemoPlan) -> list[Roster]:
    """The rosters :func:`build_mastery_plan` needs, straight from the pure demo school plan
    (what :func:`demo_mastery_seed` reads back from the database after writing it)."""
    people = {s.person.sourced_id: s.person for s in plan.students}
    rosters = []
    for section in sorted(plan.sections, key=lambda s: s.sourced_id):
        if (
            section.kind != Section.Kind.CLASS
            or not section.sourced_id.startswith(CLASS_PREFIX)
            or framework_for(section.subject) is None
        ):
            continue
        students = tuple(
            StudentRef(
                sid, people[sid].preferred_name or people[sid].given_name, _slug(people[sid].email)
            )
            for sid in sorted(section.students)
        )
        rosters.append(
            Roster(
                section.sourced_id, section.subject, section.grade_levels, section.teacher, students
            )
        )
    return rosters


def _slug(email: str) -> str:
    return email.split("@")[0]


def build_mastery_plan(
    rosters: Sequence[Roster], *, today: date, login_student: str | None = None
) -> MasteryPlan:
    """Every link, pacing date and piece of evidence for these classes; the same on every call
    with the same arguments. Evidence runs from the Fall term's start to ``today``, never after.
    """
    return _PlanBuilder(rosters, today, login_student).build()


# --- Writing it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MasteryDemoSummary:
    """What a run did: ``created`` is False when the demo frameworks were already there (or
    there is no demo school to add them to)."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def demo_identifiers() -> list[str]:
    return [f.identifier for f in data.FRAMEWORKS]


def demo_mastery_seed(*, today: date | None = None) -> MasteryDemoSummary:
    """Add frameworks, pacing plans, evidence and mastery records to the demo school, or do
    nothing when its demo frameworks exist (one query).

    Everything is written in one transaction that first locks the demo school's row, so a second
    run racing the first waits for it and then finds the frameworks.
    """
    frameworks = Framework.objects.filter(
        school__sourced_id=school_data.SCHOOL_SOURCED_ID, identifier__in=demo_identifiers()
    )
    if frameworks.exists():
        return MasteryDemoSummary(created=False)
    today = today or timezone.localdate()
    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = (
            School.objects.select_for_update()
            .filter(sourced_id=school_data.SCHOOL_SOURCED_ID)
            .first()
        )
        if school is None or frameworks.exists():
            return MasteryDemoSummary(created=False)
        counts = _write(school, today)
    return MasteryDemoSummary(created=True, counts=counts)


def format_mastery_created(summary: MasteryDemoSummary) -> str:
    c = summary.counts
    return (
        f"Added the demo mastery data: {c['frameworks']} frameworks, {c['targets']} learning "
        f"targets, {c['pacing_plans']} pacing plans, {c['evidence']} pieces of evidence "
        f"({c['submitted']} waiting for review), {c['mastery_records']} mastery records."
    )


def _rosters(school: School) -> tuple[list[Roster], dict[str, int], dict[str, int], str | None]:
    """The demo classes that have a demo framework, with their teacher and students; the ids of
    the sections and people by sourced id; the login student's sourced id."""
    subjects = [f.subject for f in data.FRAMEWORKS]
    rows = sorted(
        Enrollment.objects.filter(
            section__school=school,
            section__kind=Section.Kind.CLASS,
            section__sourced_id__startswith=CLASS_PREFIX,
            section__subject__in=subjects,
            is_active=True,
            user__sourced_id__isnull=False,
        ).values_list(
            "section__sourced_id",
            "section_id",
            "section__subject",
            "section__grade_levels",
            "role",
            "user__sourced_id",
            "user_id",
            "user__given_name",
            "user__preferred_name",
            "user__email",
        )
    )
    login_email = next(login.email for login in demo_logins() if login.role == "student")
    login_student = None
    sections: dict[str, int] = {}
    people: dict[str, int] = {}
    grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        section_sid, section_id, _, _, _, user_sid, user_id, _, _, email = row
        assert section_sid is not None and user_sid is not None  # filtered above
        sections[section_sid] = section_id
        people[user_sid] = user_id
        grouped[section_sid].append(row)
        if email == login_email:
            login_student = user_sid
    rosters = []
    for section_sid in sorted(grouped):
        members = grouped[section_sid]
        teachers = [r[5] for r in members if r[4] == Enrollment.Role.TEACHER]
        if not teachers:
            continue
        _, _, subject, grade, *_ = members[0]
        students = tuple(
            StudentRef(r[5], r[8] or r[7], _slug(r[9]))
            for r in members
            if r[4] == Enrollment.Role.STUDENT
        )
        rosters.append(Roster(section_sid, subject, grade, teachers[0], students))
    return rosters, sections, people, login_student


def _write(school: School, today: date) -> dict[str, int]:
    scale_default_create(school=school)
    frameworks = {
        fw.key: row
        for fw, row in zip(
            data.FRAMEWORKS,
            Framework.objects.bulk_create(
                Framework(
                    school=school,
                    title=fw.title,
                    identifier=fw.identifier,
                    creator=data.CREATOR,
                    version=data.VERSION,
                    subject=fw.subject,
                    description=fw.description,
                    calculation_method=fw.method,
                    calculation_parameter=fw.parameter,
                )
                for fw in data.FRAMEWORKS
            ),
            strict=True,
        )
    }
    nodes = [node for fw in data.FRAMEWORKS for node in framework_nodes(fw)]
    competency: dict[str, Competency] = {}
    for depth in sorted({n.depth for n in nodes}):
        level = [n for n in nodes if n.depth == depth]
        created = Competency.objects.bulk_create(
            Competency(
                framework=frameworks[n.framework],
                parent=None if n.parent is None else competency[n.parent],
                identifier=n.identifier,
                code=n.code,
                statement=n.statement,
                short_statement=n.short_statement,
                kind=n.kind,
                grade_levels=n.grade_levels,
                order=n.order,
                depth=n.depth,
                sort_key=n.sort_key,
                is_leaf=n.is_leaf,
            )
            for n in level
        )
        competency.update((c.identifier, c) for c in created)
    prerequisites = Prerequisite.objects.bulk_create(
        Prerequisite(competency=competency[c], prerequisite=competency[p])
        for fw in data.FRAMEWORKS
        for c, p in framework_prerequisites(fw)
    )

    rosters, sections, people, login_student = _rosters(school)
    plan = build_mastery_plan(rosters, today=today, login_student=login_student)

    SectionCompetency.objects.bulk_create(
        SectionCompetency(section_id=sections[s], competency=competency[c]) for s, c in plan.links
    )
    planned = sorted({p.section for p in plan.pacing})
    existing = {
        p.section_id: p for p in PacingPlan.objects.filter(section_id__in=sections.values())
    }
    names = dict(Section.objects.filter(pk__in=sections.values()).values_list("pk", "name"))
    PacingPlan.objects.bulk_create(
        PacingPlan(section_id=sections[s], name=f"{names[sections[s]]} pacing")
        for s in planned
        if sections[s] not in existing
    )
    plans = {p.section_id: p for p in PacingPlan.objects.filter(section_id__in=sections.values())}
    PacingTarget.objects.bulk_create(
        PacingTarget(
            plan=plans[sections[p.section]],
            competency=competency[p.competency],
            expected_by=p.expected_by,
        )
        for p in plan.pacing
    )
    Evidence.objects.bulk_create(
        (
            Evidence(
                student_id=people[e.student],
                competency=competency[e.competency],
                section_id=None if e.section is None else sections[e.section],
                score=e.score,
                observed_on=e.observed_on,
                kind=e.kind,
                title=e.title,
                note=e.note,
                link=e.link,
                status=e.status,
                author_id=people[e.author],
            )
            for e in plan.evidence
        ),
        batch_size=2000,
    )
    # Every record from all of its evidence, class by class (a chunk's students and targets).
    by_section: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for e in plan.evidence:
        if e.status == Evidence.Status.ACCEPTED and e.section is not None:
            by_section[e.section].add((people[e.student], competency[e.competency].pk))
    for section_sid in sorted(by_section):
        pairs = sorted(by_section[section_sid])
        for start in range(0, len(pairs), RECOMPUTE_CHUNK):
            mastery_recompute(pairs=pairs[start : start + RECOMPUTE_CHUNK])

    submitted = sum(1 for e in plan.evidence if e.status == Evidence.Status.SUBMITTED)
    return {
        "frameworks": len(frameworks),
        "competencies": len(competency),
        "targets": sum(1 for n in nodes if n.is_leaf),
        "prerequisites": len(prerequisites),
        "section_links": len(plan.links),
        "pacing_plans": len(planned),
        "pacing_targets": len(plan.pacing),
        "evidence": len(plan.evidence),
        "submitted": submitted,
        "mastery_records": MasteryRecord.objects.filter(
            competency__framework__in=frameworks.values()
        ).count(),
    }
