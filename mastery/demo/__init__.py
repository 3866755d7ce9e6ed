"""The demo school's mastery data: frameworks, pacing plans and a term of varied evidence.

The material is files: ``case/<key>.json`` (each framework as a CASE 1.1 package, imported with
the real :func:`mastery.case_import.case_import`), ``frameworks.json`` (what CASE does not hold:
calculation method and parameter, each grade's pacing order, ``""`` for a 6–8 band, how often a
target gets 1–4 pieces), ``abilities.json`` (how students do, and the follow-up scan's cases)
and ``evidence.json`` (the phrases and shares). :func:`build_mastery_plan` is the simulation of
a term, pure and seeded: the same on every run and in every process. :func:`demo_mastery_seed`
writes it in bulk and computes every mastery record, or does nothing (one query).
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pghistory
from django.db.models import QuerySet
from django.utils import timezone

from core.demo import DemoStep, demo_json, school_days
from profiles.demo import (
    HISTORY_SOURCE,
    SCHOOL_SOURCED_ID,
    demo_logins,
    demo_school_year,
    demo_step_seed,
)
from profiles.models import Enrollment, School, Section, User

from .. import calculation as calc
from ..case_import import case_import
from ..models import (
    Competency,
    Evidence,
    Framework,
    MasteryRecord,
    PacingPlan,
    PacingTarget,
    SectionCompetency,
)
from ..services import DEFAULT_LEVELS, mastery_recompute, scale_default_create

CLASS_PREFIX = "demo-class-"
E: dict[str, Any] = demo_json(__file__, "evidence.json")
A: dict[str, Any] = demo_json(__file__, "abilities.json")
# The school's default scale, for deciding whether a reassessment is still needed.
LEVELS = tuple(calc.Level(points=p, label=lb, is_mastery=m) for p, lb, _, m in DEFAULT_LEVELS)
StudentRef = namedtuple("StudentRef", "sourced_id first_name slug")  # slug: email's local part
# One class that works on a demo framework: sourced ids, students ordered by sourced id.
Roster = namedtuple("Roster", "section subject grade teacher students")
PacingSpec = namedtuple("PacingSpec", "section competency expected_by")
EvidenceSpec = namedtuple(
    "EvidenceSpec",
    "student competency section author score observed_on kind title note link status",
    defaults=("", "", "", Evidence.Status.ACCEPTED),
)
MasteryPlan = namedtuple("MasteryPlan", "pacing evidence")  # pacing: also the classes' targets
# A framework: its CFDocument's identifier and subject (its classes' Section.subject), targets
# by code (short statement, codes of the targets that precede it), and frameworks.json's values.
FrameworkData = namedtuple(
    "FrameworkData", "key identifier subject targets method parameter pacing n_evidence_weights"
)
TargetData = namedtuple("TargetData", "code short after")
# When a class works on a target (indexes into the year's school days), its quiz and project.
_Target = namedtuple(
    "_Target",
    "code identifier short domain after quiz project starts expected check retake project_day "
    "difficulty",
)
# One piece of a student's evidence before it is scored (``attempt`` 0 for the first).
_Work = namedtuple("_Work", "day kind title target attempt ahead", defaults=(False,))
_Class = namedtuple("_Class", "roster fw targets current work")  # work: by student


def _framework(key: str, settings: dict[str, Any]) -> FrameworkData:
    package = demo_json(__file__, f"case/{key}.json")
    items = {item["identifier"]: item for item in package["CFItems"]}
    after: dict[str, list[str]] = defaultdict(list)
    for a in package["CFAssociations"]:
        if a["associationType"] == "precedes":
            origin = items[a["originNodeURI"]["identifier"]]
            after[a["destinationNodeURI"]["identifier"]].append(origin["humanCodingScheme"])
    targets = {
        t["humanCodingScheme"]: TargetData(
            t["humanCodingScheme"], t["abbreviatedStatement"], tuple(after[t["identifier"]])
        )
        for t in items.values()
        if t["CFItemType"] == "Learning Target"
    }
    doc = package["CFDocument"]
    return FrameworkData(key, doc["identifier"], doc["subject"][0], targets, **settings)


FRAMEWORKS = tuple(_framework(key, s) for key, s in demo_json(__file__, "frameworks.json").items())
BY_SUBJECT = {f.subject: f for f in FRAMEWORKS}


class _Term:
    def __init__(self, rosters: Sequence[Roster], today: date, login: str | None) -> None:
        self.rosters, self.today, self.login = rosters, today, login
        self.rng = random.Random(E["random_seed"])
        self.term_start, last = demo_school_year(today)
        self.days = school_days(self.term_start, last)
        self.now = bisect.bisect_right(self.days, today) - 1  # -1: school hasn't started
        self.abilities = {a["key"]: a for a in A["abilities"]}

    def ability(self) -> dict[str, Any]:
        return self.rng.choices(A["abilities"], weights=[a["weight"] for a in A["abilities"]])[0]

    def weighted(self, pairs: Sequence[tuple[str, int]]) -> str:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def day_between(self, first: int, last: int) -> int:
        last = min(last, self.now)
        return self.rng.randint(max(0, min(first, last)), last)

    def targets(self, fw: FrameworkData, grade: str) -> list[_Target]:
        """Expected-by dates spread over the year from a month in to a fortnight before its end
        (so on any school day some are expected and some not), a class quiz just before each, a
        retake about two weeks later and a class project."""
        rng, titles = self.rng, E["titles"][fw.subject]
        codes = fw.pacing.get(grade) or fw.pacing.get("", ())  # in teaching order
        first, last = 25, len(self.days) - 8
        span, shift = (last - first) / max(1, len(codes) - 1), rng.randint(-2, 2)
        result: list[_Target] = []
        for i, code in enumerate(codes):
            expected = max(0, min(len(self.days) - 1, round(first + i * span) + shift))
            starts = 0 if i == 0 else max(0, result[-1].expected - rng.randint(2, 5))
            check, target = max(starts, expected - rng.randint(0, 2)), fw.targets[code]
            parts = code.split(".")
            domain = parts[1] if parts[0].isdigit() else parts[0]
            after = tuple(f"{fw.identifier}-{a}" for a in target.after)
            quiz = rng.choice(titles["assessment"]).format(short=target.short)
            values: tuple[Any, ...] = (code, f"{fw.identifier}-{code}", target.short, domain)
            values += (after, quiz, rng.choice(E["projects"][domain]), starts, expected, check)
            values += (check + rng.randint(6, 12), max(starts, expected - rng.randint(1, 4)))
            result.append(_Target._make((*values, max(-0.35, min(0.35, rng.gauss(0, 0.2))))))
        return result

    def build(self) -> MasteryPlan:
        rng, pacing, evidence = self.rng, [], []
        students = sorted({s.sourced_id for r in self.rosters for s in r.students})
        base = {sid: self.ability() for sid in students}
        others = [sid for sid in students if sid != self.login]
        quiet = rng.sample(others, min(A["quiet_students"], len(others)))
        self.quiet = {sid: rng.randint(*A["quiet_school_days"]) for sid in quiet}
        self.classes: dict[str, _Class] = {}
        for roster in self.rosters:
            fw = BY_SUBJECT[roster.subject]
            targets = self.targets(fw, roster.grade)
            current = next(
                (i for i, t in enumerate(targets) if t.expected > self.now), len(targets)
            )
            c = self.classes[roster.section.removeprefix(CLASS_PREFIX)] = _Class(
                roster, fw, targets, current, {}
            )
            pacing += [
                PacingSpec(roster.section, t.identifier, self.days[t.expected]) for t in targets
            ]
            for student in roster.students:
                ability = base[student.sourced_id]
                if student.sourced_id == self.login and roster.subject in A["login_abilities"]:
                    ability = self.abilities[A["login_abilities"][roster.subject]]
                elif rng.random() >= A["same_ability_in_every_class"]:
                    ability = self.ability()
                c.work[student.sourced_id] = self.work(c, student, ability)
                evidence += self.scored(c, student, ability, c.work[student.sourced_id])
        return MasteryPlan(tuple(pacing), tuple(evidence + self.submissions()))

    def work(self, c: _Class, student: StudentRef, ability: dict[str, Any]) -> list[_Work]:
        """Which targets the student has evidence on, of which kinds, on which days."""
        rng, today, is_login = self.rng, self.now, student.sourced_id == self.login
        if today < 0:
            return []  # school hasn't started
        targets, current = c.targets, c.current
        ahead = 0 if is_login else rng.choice(ability["ahead"])
        kinds, titles = E["kind_weights"][c.fw.subject], E["titles"][c.fw.subject]
        work: list[_Work] = []
        for i, t in enumerate(targets):
            if t.starts > today and i >= current + ahead:
                break
            if is_login and i == current:
                # The login student is partway through the current target: "in progress".
                work.append(_Work(today, "observation", rng.choice(titles["observation"]), i, 0))
                continue
            if i < current and not is_login and rng.random() >= ability["coverage"]:
                continue  # a past target with no evidence yet
            if i == current and rng.random() >= 0.85:
                continue
            ahead_of_class, assessed = t.starts > today, 0
            pieces: list[tuple[int, str, str]] = []
            for _ in range(rng.choices((1, 2, 3, 4), weights=c.fw.n_evidence_weights)[0]):
                if ahead_of_class:  # working ahead with the teacher
                    kind = self.weighted((("conversation", 3), ("project", 2), ("assessment", 2)))
                    day = self.day_between(today - 15, today)
                    own = {"assessment": t.quiz, "project": t.project}.get(kind)
                    title = own or rng.choice(titles[kind])
                elif (kind := self.weighted(kinds)) == "assessment":
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
            work += [_Work(*p, i, n, ahead_of_class) for n, p in enumerate(pieces)]
        if ability["key"] == "slipping":
            # Recent reassessments, scored low, on the targets they worked on most recently.
            recent_days, early = A["slipping_recent_days"], sorted(work, key=lambda w: w.day)
            last = {w.target: w for w in early if w.day < today - recent_days}
            recent = sorted(last.values(), key=lambda w: (-w.day, w.target))
            for w in recent[: A["slipping_recent_targets"]]:
                day = self.day_between(today - recent_days + 1, today)
                title = rng.choice(titles["retake"]).format(short=targets[w.target].short)
                work.append(_Work(day, "assessment", title, w.target, w.attempt + 1))
        if (quiet := self.quiet.get(student.sourced_id)) is not None:
            work = [w for w in work if w.day <= today - quiet]
        return work

    def scored(
        self, c: _Class, student: StudentRef, ability: dict[str, Any], work: list[_Work]
    ) -> list[EvidenceSpec]:
        rng, targets, current = self.rng, c.targets, c.current
        is_login, elapsed = (
            student.sourced_id == self.login,
            max(1, (self.today - self.term_start).days),
        )
        scores: list[int] = []
        for w in work:
            frac = min(1.0, (self.days[w.day] - self.term_start).days / elapsed)
            mean = ability["start"] + ability["change"] * frac + targets[w.target].difficulty
            mean += ability["growth"] * w.attempt + (0.3 if w.ahead else 0.0)
            scores.append(max(1, min(4, math.floor(mean + rng.gauss(0, 0.55) + 0.5))))
        if is_login:  # partway through the current target: approaching, not yet mastered
            scores = [2 if w.target == current else s for w, s in zip(work, scores, strict=True)]
        if ability["key"] == "slipping":
            # What they showed before holds at Meets; the recent reassessment comes in at
            # Beginning: the target's level drops (the "slipping" rule sees it).
            since = self.now - A["slipping_recent_days"]
            slipped = {w.target for w in work if w.day > since and w.attempt > 0}
            for i, w in enumerate(work):
                if w.target in slipped:
                    scores[i] = 1 if w.day > since else max(scores[i], 3)
        if ability["reassessed"] and not is_login:
            extra = self.reassessed_until_met(c, work, scores)
            work, scores = work + [w for w, _ in extra], scores + [s for _, s in extra]
        notes, result = E["notes"][c.fw.subject], []
        for w, score in zip(work, scores, strict=True):
            note = ""
            if is_login and w.target == current:
                note = E["login_current_note"]
            elif rng.random() < E["note_share"]:
                band = "high" if score >= 3 else "mid" if score == 2 else "low"
                specific = E["domain_notes"].get(targets[w.target].domain, {}).get(band, ())
                note = rng.choice(notes[band] + specific).format(name=student.first_name)
            who = (student.sourced_id, targets[w.target].identifier, c.roster.section)
            when = (Decimal(score), self.days[w.day], w.kind, w.title, note)
            result.append(EvidenceSpec(*who, c.roster.teacher, *when))
        return sorted(result, key=lambda e: (e.observed_on, e.competency))

    def reassessed_until_met(
        self, c: _Class, work: list[_Work], scores: list[int]
    ) -> list[tuple[_Work, int]]:
        """Reassessments, at Meets or Exceeds, of each target still not met a few school days
        after its pacing date, until the framework's method counts it as met."""
        pieces: dict[int, list[tuple[_Work, int]]] = defaultdict(list)
        for w, score in sorted(zip(work, scores, strict=True), key=lambda p: p[0].day):
            pieces[w.target].append((w, score))
        extra: list[tuple[_Work, int]] = []
        for target, done in sorted(pieces.items()):
            t = c.targets[target]
            if t.expected + A["reassess_after_days"] > self.now:
                continue
            got, day = [Decimal(s) for _, s in done], max(done[-1][0].day, t.expected)
            for attempt in range(len(done), len(done) + A["reassessments"]):
                if calc.rollup(c.fw.method, got, LEVELS, parameter=c.fw.parameter).mastered:
                    break
                day += self.rng.randint(1, 4)
                if day > self.now:
                    break
                score = self.rng.choice((3, 4))
                got.append(Decimal(score))
                title = self.rng.choice(E["titles"][c.fw.subject]["retake"]).format(short=t.short)
                extra.append((_Work(day, "assessment", title, target, attempt), score))
        return extra

    def submissions(self) -> list[EvidenceSpec]:
        """Students' own evidence waiting for a teacher: prior learning with a note and a link,
        from the last two weeks, on a target they have no evidence on yet."""
        if self.now < 0:
            return []
        wanted: list[tuple[_Class, StudentRef, str]] = []
        if (c := self.classes.get(E["login_submission_class"])) is not None:
            login = [s for s in c.roster.students if s.sourced_id == self.login]
            wanted += [(c, s, E["login_submission_note"]) for s in login]
        for key, count in E["submissions"]:
            if (c := self.classes.get(key)) is None:
                continue
            skip = {self.login, *self.quiet}
            others = [s for s in c.roster.students if s.sourced_id not in skip]
            for student in self.rng.sample(others, min(count, len(others))):
                wanted.append((c, student, self.rng.choice(E["submission_notes"][c.fw.subject])))
        result = []
        for c, student, note in wanted:
            targets, done = c.targets, {w.target for w in c.work[student.sourced_id]}
            started = {targets[i].identifier for i in done}
            # The next target they haven't started but could: what they feel ready to show.
            options = [
                i
                for i, t in enumerate(targets)
                if i not in done and i >= c.current and set(t.after) <= started
            ] or [i for i in range(len(targets)) if i not in done]
            t = targets[options[0] if options else -1]  # at the year's end: more for the last
            day = self.days[self.day_between(self.now - 8, self.now)]
            link = f"https://example.org/portfolio/{student.slug}/{t.code.lower()}"
            who = (student.sourced_id, t.identifier, None, student.sourced_id, None, day)
            result.append(
                EvidenceSpec(
                    *who, Evidence.Kind.PRIOR_LEARNING, "", note, link, Evidence.Status.SUBMITTED
                )
            )
        return result


def demo_rosters(school: School) -> list[Roster]:
    """The demo school's classes that work on a demo framework, with their teacher and students
    as the roster import wrote them (a demo school seeded before this step existed may have
    lost some since), by sourced id."""
    enrollments = Enrollment.objects.filter(
        is_active=True,
        user__sourced_id__isnull=False,  # the roster's people
        section__school=school,
        section__kind=Section.Kind.CLASS,
        section__sourced_id__startswith=CLASS_PREFIX,
        section__subject__in=list(BY_SUBJECT),
    ).order_by("section__sourced_id", "user__sourced_id")
    classes: dict[tuple[str, str, str], list[StudentRef]] = {}
    teachers: dict[str, str] = {}
    fields: tuple[str, ...] = ("section__sourced_id", "section__subject", "section__grade_levels")
    fields += (
        "role",
        "user__sourced_id",
        "user__email",
        "user__given_name",
        "user__preferred_name",
    )
    rows: Any = enrollments.values_list(*fields)  # sourced ids all set (str, not str | None)
    for section, subject, grade, role, sid, email, given, preferred in rows:
        students = classes.setdefault((section, subject, grade), [])
        if role == Enrollment.Role.TEACHER:
            teachers.setdefault(section, sid)
        else:
            students.append(StudentRef(sid, preferred or given, email.split("@")[0]))
    return [
        Roster(section, subject, grade, teachers[section], tuple(students))
        for (section, subject, grade), students in classes.items()
        if section in teachers
    ]


def build_mastery_plan(
    rosters: Sequence[Roster], *, today: date, login_student: str | None = None
) -> MasteryPlan:
    """Every pacing date and piece of evidence for these classes; the same on every call with
    the same arguments. Evidence runs from the Fall term's start to ``today``, never after."""
    return _Term(rosters, today, login_student).build()


def demo_mastery_seed(*, today: date | None = None) -> DemoStep:
    """Add frameworks, pacing plans, evidence and mastery records to the demo school, or do
    nothing when its demo frameworks exist (one query)."""
    frameworks = Framework.objects.filter(
        school__sourced_id=SCHOOL_SOURCED_ID, identifier__in=[f.identifier for f in FRAMEWORKS]
    )
    write = partial(_write, frameworks=frameworks, today=today or timezone.localdate())
    return demo_step_seed(frameworks.exists, write, E["created"])


def _write(school: School, *, frameworks: QuerySet[Framework], today: date) -> dict[str, int]:
    """The frameworks through the real CASE import (as the operator), then the plan for the
    demo's classes (as the database holds them), in bulk."""
    scale_default_create(school=school)
    for fw in FRAMEWORKS:
        package = Path(__file__).resolve().parent / "case" / f"{fw.key}.json"
        result = case_import(source=package, school=school, actor=None, source_name=fw.key)
        if not result.applied or result.framework is None:
            raise ValueError(f"The demo's CASE package {fw.key} was refused: {result.errors}")
        # A setting CASE does not carry; set before any evidence, so nothing to rebuild.
        Framework.objects.filter(pk=result.framework.pk).update(
            calculation_method=fw.method, calculation_parameter=fw.parameter
        )
    with pghistory.context(source=HISTORY_SOURCE):  # the CASE import named itself the source
        rosters = demo_rosters(school)
        email = next(login.email for login in demo_logins() if login.role == "student")
        login = User.objects.filter(email=email).values_list("sourced_id", flat=True).first()
        sids = {r.teacher for r in rosters} | {s.sourced_id for r in rosters for s in r.students}
        people = dict(User.objects.filter(sourced_id__in=sids).values_list("sourced_id", "pk"))
        classes = Section.objects.filter(school=school, sourced_id__in=[r.section for r in rosters])
        sections = dict(classes.values_list("sourced_id", "pk"))
        plan = build_mastery_plan(rosters, today=today, login_student=login)
        competencies = Competency.objects.filter(framework__in=frameworks)
        competency = dict(competencies.values_list("identifier", "pk"))
        pace = [(sections[p.section], competency[p.competency], p.expected_by) for p in plan.pacing]
        SectionCompetency.objects.bulk_create(
            SectionCompetency(section_id=s, competency_id=c) for s, c, _ in pace
        )
        PacingPlan.objects.bulk_create(  # a class may have one already
            (
                PacingPlan(section_id=pk, name=f"{name} pacing")
                for pk, name in classes.order_by("sourced_id").values_list("pk", "name")
            ),
            ignore_conflicts=True,
        )
        plans = dict(
            PacingPlan.objects.filter(section__school=school).values_list("section_id", "pk")
        )
        PacingTarget.objects.bulk_create(
            PacingTarget(plan_id=plans[s], competency_id=c, expected_by=by) for s, c, by in pace
        )
        ids: dict[str, dict[Any, int]] = {"student": people, "competency": competency}
        ids |= {"section": sections, "author": people}
        rows = [e._asdict() for e in plan.evidence]
        for row in rows:  # sourced ids and identifiers to keys
            row.update({f"{name}_id": ids[name].get(row.pop(name)) for name in ids})
        Evidence.objects.bulk_create((Evidence(**row) for row in rows), batch_size=2000)
        # Every record from all of its evidence, class by class.
        by_section: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for e in plan.evidence:
            if e.status == Evidence.Status.ACCEPTED and e.section is not None:
                by_section[e.section].add((people[e.student], competency[e.competency]))
        for section_sid in sorted(by_section):
            mastery_recompute(pairs=by_section[section_sid])
    records = MasteryRecord.objects.filter(competency__framework__in=frameworks).count()
    submitted = sum(e.status == Evidence.Status.SUBMITTED for e in plan.evidence)
    counts = {"frameworks": len(FRAMEWORKS), "targets": sum(len(f.targets) for f in FRAMEWORKS)}
    counts |= {"pacing_plans": len(rosters), "evidence": len(plan.evidence), "submitted": submitted}
    return counts | {"mastery_records": records}
