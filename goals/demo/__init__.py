"""The demo school's goals: templates, and a term of goals in every state with their steps,
check-ins and comments.

The content is ``goals.json`` (templates, goal ideas, phrases, reflections, comment rules, the
login student's own goals, the simulation's shares). :func:`goal_inputs` reads the school back
from the database; :func:`plan_goals` is pure and seeded, the same on every run and in every
process; :func:`demo_goals_seed` writes it in bulk (a revised goal in its first version, then
updated), or does nothing (one query) when the school has goal templates or goals.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from django.utils import timezone

from core.demo import DemoStep, school_days
from mastery import calculation as calc
from mastery.models import Competency, Evidence, Framework, PacingTarget
from mastery.selectors import levels_of, scale_for
from profiles.demo import SCHOOL_SOURCED_ID, demo_logins, demo_step_seed
from profiles.models import Enrollment, GuardianLink, Membership, Role, School, Section, Term, User

from ..models import ActionStep, CheckIn, Goal, GoalComment, GoalSettings, GoalTemplate
from ..selectors import goal_categories_for

DATA: dict[str, Any] = json.loads(Path(__file__).with_name("goals.json").read_text("utf-8"))
SIM: dict[str, Any] = DATA["simulation"]
MIN_WINDOW_DAYS = 35  # before the term has run this long, goals start this many days back
UNDER_WAY = ("active", "quiet", "achieved", "not_met", "set_aside")
# Times are naive, in the school's time zone; authors are sourced ids.
Step = namedtuple("Step", "title due_date done_at")
Check = namedtuple(
    "Check", "at progress progress_derived confidence what_helped what_got_in_the_way next_step"
)
Comment = namedtuple("Comment", "at author kind body")


# Sourced ids; advisor "" without one; teachers (subject, teacher), guardians (id, relationship),
# targets the linked framework's pacing (identifier, short statement).
Student = namedtuple("Student", "sid name advisor teachers guardians targets")
# students by sourced id; semesters (start, end, sourced id) in order; evidence: accepted, scored
# on the linked framework, (student, target, observed on, score) by student and target, then
# oldest first as the rollup reads it; logins: the demo logins' sourced ids by role.
Inputs = namedtuple("Inputs", "students semesters evidence method parameter levels logins")


@dataclass
class Plan:
    """One goal, in plain values."""

    student: str
    status: str
    created: datetime
    updated: datetime
    updated_by: str
    suggested_by: str | None
    term: str | None
    category: str = ""
    horizon: str = ""
    origin: str = ""
    title: str = ""
    why: str = ""
    criteria: str = ""
    target: date | None = None
    version: int = 1
    approved_by: str | None = None
    approved: datetime | None = None
    return_comment: str = ""
    reflection: str = ""
    closed: datetime | None = None
    first: tuple[str, str] | None = None  # (title, criteria) before it was revised
    competencies: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    checkins: list[Check] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def derived_progress(inputs: Inputs, histories: list[list[Decimal]]) -> int:
    """What :func:`goals.services.progress_from_competencies` says for targets with these
    scores (oldest first)."""
    points = next(lv.points for lv in inputs.levels if lv.is_mastery)
    total = Decimal(0)
    for scores in histories:
        r = calc.rollup(inputs.method, scores, inputs.levels, parameter=inputs.parameter)
        if r.score is not None:
            total += 1 if r.mastered else min(Decimal(1), r.score / points)
    return int((total / len(histories) * 100).to_integral_value())


def _weekday(day: date) -> date:
    """The day itself, or the Friday before when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


class _Term:
    def __init__(self, inputs: Inputs, today: date) -> None:
        self.inputs, self.today, self.rng = inputs, today, Random(DATA["random_seed"])
        self.advisor, sems = inputs.logins.get("teacher"), inputs.semesters  # the login teacher
        self.start = min(sems[0][0], today - timedelta(days=MIN_WINDOW_DAYS))
        self.last = today - timedelta(days=1)
        self.span = (self.last - self.start).days
        self.days = school_days(self.start, self.last) or [self.start]
        current = next((s for s in sems if s[0] <= today <= s[1]), sems[-1])
        self.term_end = max(current[1], today + timedelta(days=28))
        self.year_end = max(sems[-1][1], today + timedelta(days=60))
        winter = date(sems[0][0].year, 12, 21)  # the first day of winter break
        self.winter = _weekday(winter - timedelta(days=1)) if today < winter else None
        self.evidence: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for sid, target, day, score in inputs.evidence:
            self.evidence[(sid, target)].append((day, score))

    # drawing, days and times

    def pick(self, pool: Any, key: str = "*") -> str:
        """One text of a list, or of a dict's list for ``key`` ("" when there is none)."""
        pool = pool.get(key, pool.get("*", [])) if isinstance(pool, dict) else pool
        return self.rng.choice(pool) if pool else ""

    def maybe(self, pool: list[str], share: float) -> str:
        return self.rng.choice(pool) if self.rng.random() < share else ""

    def weighted(self, pairs: list[list[Any]]) -> Any:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def when(self, spec: list[Any]) -> date:
        """``["today", -20]``, ``["start", 2]`` or ``["span", 0.3]`` (that share in)."""
        anchor, n = spec
        if anchor == "span":
            return self.start + timedelta(days=max(6, int(self.span * n)))
        return (self.today if anchor == "today" else self.start) + timedelta(days=n)

    def day(self, first: date, last: date, skew: float = 1.0) -> date:
        """A school day from ``first`` to ``last`` (earlier ones likelier with ``skew`` > 1),
        else the last one before."""
        lo = bisect.bisect_left(self.days, max(first, self.start))
        hi = bisect.bisect_right(self.days, min(last, self.last)) - 1
        if lo > hi:
            return self.days[max(0, hi)]
        return self.days[lo + int(self.rng.random() ** skew * (hi - lo + 1))]

    def at(self, day: date, who: str, after: datetime | None = None) -> datetime:
        """A believable time on ``day`` for a student, teacher or parent, later than ``after``
        (the next school day when that would be late in the evening)."""
        low, high = self.rng.choice(SIM["hours"][who])
        moment = datetime.combine(day, time()) + timedelta(minutes=self.rng.randint(low, high))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(10, 90))
            following = bisect.bisect_right(self.days, after.date())
            late = moment.hour >= (17 if who == "teacher" else 22) or moment.date() > after.date()
            if late and following < len(self.days):
                return self.at(self.days[following], who, after)
        moment = min(moment, datetime.combine(self.last, time(22)))
        return moment if after is None or moment > after else after + timedelta(minutes=1)

    def soon(self, after: datetime, who: str) -> datetime:
        return self.at(self.day(after.date(), after.date() + timedelta(days=2)), who, after)

    def target(self, first: date, last: date) -> date:
        return _weekday(first + timedelta(days=self.rng.randint(0, max(0, (last - first).days))))

    # the plan

    def build(self) -> list[Plan]:
        rng, login, teacher = self.rng, self.inputs.logins.get("student"), self.advisor
        others = [s for s in self.inputs.students if s.sid != login]
        forced: dict[str, list[str]] = defaultdict(list)
        advisees = [s.sid for s in others if s.advisor == teacher]
        rest = [s.sid for s in others if s.advisor != teacher]
        for kinds, sids in ((SIM["advisory_kinds"], advisees), (SIM["forced_kinds"], rest)):
            for kind, sid in zip(kinds, rng.sample(sids, len(sids)), strict=False):
                forced[sid].append(kind)
        goals = []
        for st in self.inputs.students:
            if st.sid == login:
                goals += [self.goal(st, g["kind"], g, g) for g in DATA["login_goals"]]
                continue
            kinds = forced[st.sid]
            if not kinds and rng.random() < SIM["no_goals_share"]:
                continue
            count = max(len(kinds), self.weighted(SIM["goals_per_student"]))
            kinds += [self.weighted(SIM["goal_kinds"]) for _ in range(count - len(kinds))]
            categories = rng.sample(SIM["categories"], len(SIM["categories"]))
            for i, kind in enumerate(kinds):
                goals.append(self.goal(st, *self.idea(st, kind, categories[i % len(categories)])))
        return goals

    def idea(self, st: Student, kind: str, category: str) -> tuple[str, dict[str, Any]]:
        """The kind it ends up as and what the goal says: a teacher's suggestion, a goal tied to
        the student's next targets, or one of the students' own ideas."""
        rng, ideas, linked = self.rng, DATA["ideas"], DATA["linked"]
        accepted = kind == "active" and rng.random() < SIM["accepted_suggestion_share"]
        if kind in ("suggested", "declined") or accepted:
            offered = [i for i in ideas if i["origin"] == "teacher"]
            idea = rng.choice([i for i in offered if i["category"] == category] or offered)
            subject = dict(st.teachers).get(DATA["subjects"].get(idea["category"], ""), "")
            by = subject if subject and (not st.advisor or rng.random() < 0.4) else st.advisor
            if by:
                return kind, {**idea, "by": by}
            kind = "active"
        numeracy = kind == "active" and category == linked["category"]
        if numeracy and rng.random() < SIM["linked_share"]:
            return kind, {**linked, "linked": rng.choice((2, 3))}
        ours = [i for i in ideas if i["origin"] == "student" and i["category"] == category]
        return kind, rng.choice(ours)

    def goal(self, st: Student, kind: str, idea: dict[str, Any], login: Any = None) -> Plan:
        rng, today, d, spec = self.rng, self.today, timedelta, SIM["kinds"][kind]
        lo, hi = (self.when(x) for x in (login or spec)["created"])
        created_day = self.day(lo, hi, spec.get("skew", 1.0))
        by = idea.get("by") if idea["origin"] == Goal.Origin.TEACHER else None
        by = self.advisor if by == "advisor" else by
        created = self.at(created_day, "teacher" if by else "student")
        term = next((s[2] for s in self.inputs.semesters if s[0] <= created_day <= s[1]), None)
        g = Plan(st.sid, spec["status"], created, created, by or st.sid, by, term)
        g.category, g.horizon, g.origin = idea["category"], idea["horizon"], idea["origin"]
        n, g.why = rng.choice(idea["numbers"]), rng.choice(idea["whys"])
        g.title, g.criteria = idea["title"].format(n=n), idea["criteria"].replace("{n}", str(n))
        g.target = self.target(today + d(10), self.term_end)
        if idea.get("linked"):
            self.link(g, st, created_day, idea["linked"])
        if g.horizon == Goal.Horizon.YEAR:
            g.target = self.target(today + d(30), self.year_end)
        if login and kind != "achieved":
            g.target = self.winter or _weekday(self.term_end)
            g.title = g.title if self.winter else login.get("winter_title", g.title)
        first = (idea["first_title"], idea["first_criteria"])
        until, done_share, stale = None, 0.0, False
        if kind == "draft":
            g.title, g.criteria = first if rng.random() < 0.5 else (g.title, g.criteria)
            g.criteria = "" if rng.random() < 0.4 else g.criteria
            g.target = None if rng.random() < 0.4 else g.target
        elif kind == "returned":  # proposed in a vaguer version, sent back with a comment
            g.title, g.criteria = first
            g.target = None if rng.random() < 0.5 else g.target
            back = self.day(created_day + d(1), created_day + d(5))
            g.updated, g.updated_by, g.version = self.at(back, "teacher", created), st.advisor, 2
        elif kind == "declined":  # the student set the suggestion aside, saying why
            answer = self.day(created_day + d(1), created_day + d(7))
            g.closed = g.updated = self.at(answer, "student", created)
            g.updated_by, g.version = st.sid, 2
            g.reflection = self.pick(DATA["reflections"]["declined"])
            g.target = self.target(created_day + d(28), self.term_end)
        elif kind in UNDER_WAY:
            until, done_share, stale = self.under_way(g, st, kind, idea, login)
        steps = idea["steps"]
        count = len(steps) if by else rng.randint(2, min(4, len(steps)))
        chosen = sorted(rng.sample(range(len(steps)), count))
        if kind == "draft":
            g.why = "" if rng.random() < 0.4 else g.why
            chosen = chosen[:1] if rng.random() < 0.5 else chosen
        begin = created.date() + d(3)
        for i, index in enumerate(chosen):
            due, done_at = None, None
            if g.target is not None and g.target > begin and rng.random() < 0.8:
                due = _weekday(begin + (g.target - begin) * (i + 1) // (count + 1))
            if until is not None and rng.random() < done_share:
                day = self.day(created.date(), min(due or until, until))
                done_at = self.at(day, "student", created)
            g.steps.append(Step(steps[index], due, done_at))
        tags = {kind, "active" if kind == "quiet" else kind} | ({"stale"} if stale else set())
        self.comments(g, st, tags, login.get("comments", []) if login else None)
        return g

    def link(self, g: Plan, st: Student, day: date, count: int) -> None:
        """Tie the goal to the next targets the student hasn't mastered by ``day`` (a practice
        goal instead for a student without evidence or with nothing left to master)."""
        method, levels, parameter = self.inputs.method, self.inputs.levels, self.inputs.parameter
        targets = []
        if any(self.evidence.get((st.sid, t)) for t, _ in st.targets):
            for target, short in st.targets:
                scores = [s for d, s in self.evidence[(st.sid, target)] if d <= day]
                rollup = scores and calc.rollup(method, scores, levels, parameter=parameter)
                if not rollup or not rollup.mastered:
                    targets.append((target, short))
        if not targets:
            idea = next(i for i in DATA["ideas"] if i.get("key") == DATA["linked"]["fallback"])
            n = idea["numbers"][0]
            g.title, g.criteria = idea["title"].format(n=n), idea["criteria"].format(n=n)
            return
        g.title = DATA["linked"]["title"].format(n=len(targets[:count]))
        shorts = "; ".join(s for _, s in targets[:count])
        g.criteria = DATA["linked"]["criteria"].format(targets=shorts)
        g.competencies = tuple(t for t, _ in targets[:count])

    def under_way(
        self, g: Plan, st: Student, kind: str, idea: dict[str, Any], login: Any
    ) -> tuple[date, float, bool]:
        """Approved (or accepted), checked in on, maybe revised, maybe closed: returns the last
        day its steps may be done by, the share of them done, and whether it went quiet."""
        rng, today, d, spec = self.rng, self.today, timedelta, SIM["kinds"][kind]
        day = g.created.date()
        if g.suggested_by:  # the student accepted a teacher's suggestion
            g.approved_by, g.updated_by = g.suggested_by, st.sid
            g.approved = self.at(self.day(day + d(1), day + d(5)), "student", g.created)
        else:
            g.approved_by = g.updated_by = st.advisor
            g.approved = self.at(self.day(day, day + d(4)), "teacher", g.created)
        g.updated, g.version, approved = g.approved, 2, g.approved.date()
        if kind in ("active", "quiet"):
            stale = kind == "quiet" or (
                not login and rng.random() < SIM["stale_share"] and approved <= today - d(9)
            )
            never = stale and rng.random() < SIM["never_checked_in_share"]
            gap = rng.randint(*login["until_days_ago"][::-1]) if login else rng.randint(1, 6)
            last_day = today - d(rng.randint(9, 24) if stale else gap)
            days = [] if never else self.checkin_days(approved + d(3), last_day)
            if not stale and not days and approved < today - d(7):
                days = [self.day(today - d(6), self.last)]
            final = rng.randint(2, 9) * 5 if stale else rng.randint(6, 18) * 5
            self.checkins(g, st, idea, days, (login or {}).get("final", final), stale)
            revised = login.get("revised") if login else rng.random() < SIM["revised_share"]
            if revised and not g.suggested_by:
                g.first = (idea["first_title"], idea["first_criteria"])
                when = self.day(approved + d(4), approved + d(20))
                g.updated, g.updated_by, g.version = self.at(when, "student", g.approved), st.sid, 3
            if not login and rng.random() < SIM["past_target_share"]:
                g.target = today - d(rng.randint(2, 12))
            return self.last, 0.7, stale
        if login:
            closed_day = self.day(today - d(login["until_days_ago"][0]), today)
        else:
            closed_day = self.day(approved + d(max(14, self.span * 35 // 100)), self.last)
        days = self.checkin_days(approved + d(3), closed_day - d(rng.randint(0, 2)))
        final = 5 * rng.randint(*(x // 5 for x in spec["final"]))
        self.checkins(g, st, idea, days, final, kind != "achieved" and rng.random() < 0.5)
        g.closed = self.at(closed_day, "student", g.checkins[-1].at if g.checkins else g.approved)
        g.updated, g.updated_by, g.version = g.closed, st.sid, 3
        reflection = self.pick(DATA["reflections"][kind], g.category)
        g.reflection = login["reflection"] if login else reflection
        g.target = {
            "achieved": self.target(closed_day, closed_day + d(14)),
            "not_met": max(approved + d(7), closed_day - d(rng.randint(0, 4))),
        }.get(kind) or self.target(closed_day + d(10), closed_day + d(40))
        return closed_day, spec["done"], False

    def checkin_days(self, first: date, last: date) -> list[date]:
        """Weekly-ish school days from ``first`` to ``last``'s school day."""
        result: list[date] = []
        day = self.day(last, last)
        while day >= max(first, self.start):
            result.append(day)
            earlier = day - timedelta(days=self.rng.randint(5, 9))
            if self.day(earlier, earlier) >= day:
                break
            day = self.day(earlier, earlier)
        return result[::-1]

    def checkins(
        self, g: Plan, st: Student, idea: Any, days: list[date], final: int, stalled: bool
    ) -> None:
        """Progress the student gives (rising toward ``final``, flat in the second half when
        ``stalled``) or, for a goal tied to targets, from their mastery on the day."""
        rng, phrases, voice = self.rng, DATA["checkins"], idea["voice"]
        n, start = len(days), min(final, rng.choice((0, 5, 10, 10, 15, 20)))
        previous, after = start, g.approved
        for i, day in enumerate(days):
            if g.competencies:
                evidence = [self.evidence[(st.sid, t)] for t in g.competencies]
                histories = [[s for d, s in scores if d <= day] for scores in evidence]
                progress = derived_progress(self.inputs, histories)
            else:
                fraction = (i + 1) / n
                aim = previous if stalled and fraction > 0.5 else start + (final - start) * fraction
                progress = 5 * round((aim + rng.gauss(0, 4)) / 5)
                if progress < previous and rng.random() > 0.15:
                    progress = previous
                progress = 100 if i == n - 1 and final == 100 else max(0, min(100, progress))
            moved = progress > previous or (i == 0 and progress > 0)
            confidence = 3 + (progress - previous >= 10) + (progress >= 60)
            confidence -= stalled and i >= n / 2
            confidence += rng.choice((-1, 0, 0, 0, 1)) - (progress <= previous and progress < 60)
            fixed = idea.get("checkins", [])  # the login student's own words
            if i < len(fixed):
                texts = fixed[i]
            else:
                texts = [self.maybe(phrases["helped"][voice], 1 if moved else 0.4)]
                stuck = stalled and not moved
                pool = phrases["stalled"] if stuck else phrases["in_the_way"][voice]
                texts.append(self.maybe(pool, 0.6 if stuck else 0.5 if moved else 0.9))
                texts.append(self.maybe(phrases["next_step"][voice], 0.85))
            after, confidence = self.at(day, "student", after), max(1, min(5, confidence))
            g.checkins.append(Check(after, progress, bool(g.competencies), confidence, *texts))
            previous = progress

    def comments(self, g: Plan, st: Student, tags: set[str], rules: Any) -> None:
        """Each comment rule that applies to the goal, drawn with its share: who writes, after
        what (the approval, a check-in, the closing…), and the student's reply."""
        rng, checks, approved = self.rng, [c.at for c in g.checkins], g.approved or g.created
        anchors = {
            "approved": [approved],
            "returned": [g.updated],
            "checkin": checks[1:],  # not the first one
            "any": [approved, *checks],
            "middle": checks[len(checks) // 2 :][:1],
            "late": [max([approved] + [c - timedelta(days=3) for c in checks[-1:]])],
            "closed": [g.closed or approved],
            "recent": [max(approved, datetime.combine(self.today - timedelta(days=4), time()))],
        }
        if rules is None:
            rules = [r for r in DATA["comments"] if tags & set(r["kinds"])]
            rules = [r for r in rules if r.get("origin", g.origin) == g.origin]
        for r in rules:
            if rng.random() >= r.get("share", 1):
                continue
            by, anchor, kind = r["by"], r["at"], r.get("kind", GoalComment.Kind.COMMENT)
            author, key = self.author(g, st, by)
            who = "parent" if by in ("guardian", "parent") else "teacher"
            body = self.pick(r["texts"], key).format(name=st.name)
            if not author or not body or not anchors[anchor]:
                continue
            if anchor == "returned":
                at, g.return_comment = g.updated, body
            elif anchor == "approved" and kind == GoalComment.Kind.APPROVED:
                at = approved
            else:  # soon after one of these
                at = self.soon(rng.choice(anchors[anchor] or [approved]), who)
            g.comments.append(Comment(at, author, kind, body))
            if rng.random() < r.get("reply", 0):
                reply = self.pick(r["replies"], key)
                g.comments.append(Comment(self.soon(at, "student"), st.sid, "comment", reply))
        g.comments.sort()

    def author(self, g: Plan, st: Student, by: str) -> tuple[str, str]:
        """Who writes, and the key their texts are picked by (a relationship or a category)."""
        if by == "parent":  # the login parent
            parent = self.inputs.logins.get("parent")
            return next((x for x in st.guardians if x[0] == parent), ("", ""))
        if by == "guardian":
            return self.rng.choice(st.guardians) if st.guardians else ("", "")
        if by in ("advisor", "approver"):
            return (st.advisor if by == "advisor" else g.approved_by or ""), g.category
        subject = DATA["subjects"].get(g.category, "") if by == "subject" else by
        return dict(st.teachers).get(subject, ""), g.category


def plan_goals(inputs: Inputs, *, today: date) -> list[Plan]:
    """Every goal, step, check-in and comment for these inputs; the same on every call with the
    same arguments."""
    return _Term(inputs, today).build()


def _rows(queryset: Any, fields: str) -> list[Any]:
    """The queryset's values of these (space-separated) fields, sorted."""
    return sorted(queryset.values_list(*fields.split()))


def goal_inputs(school: School) -> Inputs:
    """The plan's inputs, read from the school the earlier seeds wrote."""
    fw = Framework.objects.filter(school=school, identifier=DATA["linked"]["framework"]).first()
    enrollments = Enrollment.objects.filter(section__school=school, is_active=True)
    at = "section__sourced_id section__kind section__subject role user__sourced_id"
    members = _rows(enrollments, at)
    taught = {m[0]: m[4] for m in reversed(members) if m[3] == Enrollment.Role.TEACHER}
    advisor: dict[str, str] = {}
    teachers: dict[str, dict[str, str]] = defaultdict(dict)
    for section, kind, subject, role, sid in members:
        if role == Enrollment.Role.STUDENT and section in taught:
            if kind == Section.Kind.ADVISORY:
                advisor.setdefault(sid, taught[section])
            else:
                teachers[sid].setdefault(subject, taught[section])
    links = GuardianLink.objects.filter(is_active=True, student__memberships__school=school)
    guardians: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sid, *guardian in _rows(links, "student__sourced_id guardian__sourced_id relationship"):
        guardians[sid].append((guardian[0], guardian[1]))
    at = "plan__section__enrollments__"
    pacing = PacingTarget.objects.filter(competency__framework=fw, **{f"{at}role": "student"})
    targets: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)  # in teaching order
    fields = "expected_by competency__identifier competency__short_statement"
    for sid, _, *target in _rows(pacing, f"{at}user__sourced_id {fields}"):
        targets[sid][(target[0], target[1])] = None
    names = Membership.objects.filter(school=school, role=Role.STUDENT)
    students, fields = [], "user__sourced_id user__given_name user__preferred_name"
    for sid, given, preferred in _rows(names, fields):
        people = advisor.get(sid, ""), tuple(sorted(teachers[sid].items())), tuple(guardians[sid])
        students.append(Student(sid, preferred or given, *people, tuple(targets[sid])))
    scored = Evidence.objects.filter(status="accepted", score__isnull=False).filter(
        competency__framework=fw
    )
    fields = "student__sourced_id competency__identifier observed_on score"
    evidence: Any = scored.order_by("observed_on", "id").values_list(*fields.split())
    emails = {x.email: x.role for x in demo_logins()}
    logins = _rows(User.objects.filter(email__in=emails), "email sourced_id")
    semesters = Term.objects.filter(school=school, kind=Term.Kind.SEMESTER)
    levels = levels_of(scale=scale_for(framework=fw)) if fw else []
    return Inputs(
        tuple(students),
        tuple(_rows(semesters, "start_date end_date sourced_id")),
        tuple(sorted(evidence, key=lambda e: e[:3])),  # stable: same-day scores stay in order
        fw.calculation_method if fw else calc.Method.DECAYING_AVERAGE,
        fw.calculation_parameter if fw else None,
        tuple(calc.Level(lv.points, lv.label, lv.is_mastery) for lv in levels),
        {emails[email]: sid for email, sid in logins},
    )


# --- Writing it --------------------------------------------------------------------------------


def _already_seeded() -> bool:
    """Whether the demo school has goal templates, or goals of its students."""
    templates = GoalTemplate.objects.filter(school__sourced_id=SCHOOL_SOURCED_ID)
    goals = Goal.objects.filter(
        student__memberships__school__sourced_id=SCHOOL_SOURCED_ID,
        student__memberships__role=Role.STUDENT,
    )
    return templates.exists() or goals.exists()


def demo_goals_seed(*, today: date | None = None) -> DemoStep:
    """Add goal templates, settings and a term of goals to the demo school, or do nothing when
    it has goal templates or goals already."""
    return demo_step_seed(_already_seeded, lambda school: _write(school, today), DATA["created"])


def _stamp(model: Any, rows: list[Any], times: list[dict[str, datetime]]) -> None:
    """Backdate the times the database sets on insert to the plan's."""
    for row, values in zip(rows, times, strict=True):
        for name, value in values.items():
            setattr(row, name, timezone.make_aware(value))
    model.objects.bulk_update(rows, list(times[0]) if times else [], batch_size=500)


def _write(school: School, today: date | None) -> dict[str, int]:
    categories = {c.name: c for c in goal_categories_for(school_id=school.pk)}
    templates = GoalTemplate.objects.bulk_create(
        GoalTemplate(school=school, **{**t, "category": categories.get(t["category"])})
        for t in DATA["templates"]
    )
    nudge = {"checkin_nudge_days": DATA["checkin_nudge_days"]}
    GoalSettings.objects.get_or_create(school=school, defaults=nudge)
    plans = plan_goals(goal_inputs(school), today=today or timezone.localdate())
    people = User.objects.filter(memberships__school=school, sourced_id__isnull=False)
    ids: dict[str | None, int] = dict(people.values_list("sourced_id", "pk"))
    terms = dict(Term.objects.filter(school=school).values_list("sourced_id", "pk"))
    competencies = Competency.objects.filter(framework__school=school)
    competency = dict(competencies.values_list("identifier", "pk"))

    def aware(moment: datetime | None) -> datetime | None:
        return moment and timezone.make_aware(moment)

    goals = Goal.objects.bulk_create(
        Goal(
            title=(p.first or (p.title, p.criteria))[0],  # a revised goal: its first version
            success_criteria=(p.first or (p.title, p.criteria))[1],
            student_id=ids[p.student],
            category=categories.get(p.category),
            target_date=p.target,
            term_id=terms.get(p.term),
            suggested_by_id=ids.get(p.suggested_by),
            approved_by_id=ids.get(p.approved_by),
            approved_at=aware(p.approved),
            closed_at=aware(p.closed),
            version=p.version - bool(p.first),
            updated_by_id=ids[p.updated_by],
            **{f: getattr(p, f) for f in ("why", "horizon", "status", "origin", "reflection")},
            return_comment=p.return_comment,
        )
        for p in plans
    )
    pairs = list(zip(goals, plans, strict=True))
    _stamp(Goal, goals, [{"created_at": p.created, "updated_at": p.updated} for p in plans])
    revised = [(g, p) for g, p in pairs if p.first]  # then the revision, after the first version
    for g, p in revised:
        g.title, g.success_criteria, g.version = p.title, p.criteria, p.version
    Goal.objects.bulk_update([g for g, _ in revised], ["title", "success_criteria", "version"])
    Goal.competencies.through.objects.bulk_create(
        Goal.competencies.through(goal_id=g.pk, competency_id=competency[c])
        for g, p in pairs
        for c in p.competencies
    )
    steps = ActionStep.objects.bulk_create(
        ActionStep(
            goal=g, order=i, done=bool(s.done_at), **s._replace(done_at=aware(s.done_at))._asdict()
        )
        for g, p in pairs
        for i, s in enumerate(p.steps)
    )
    checks = [(g, c) for g, p in pairs for c in p.checkins]
    checkins = CheckIn.objects.bulk_create(
        CheckIn(goal=g, author_id=g.student_id, **dict(zip(Check._fields[1:], c[1:], strict=True)))
        for g, c in checks
    )
    _stamp(CheckIn, checkins, [{"created_at": c.at} for _, c in checks])
    notes = [(g, c) for g, p in pairs for c in p.comments]
    comments = GoalComment.objects.bulk_create(
        GoalComment(goal=g, author_id=ids[c.author], kind=c.kind, body=c.body) for g, c in notes
    )
    _stamp(GoalComment, comments, [{"created_at": c.at} for _, c in notes])
    kinds = Counter(
        "suggested" if p.status == "proposed" and p.suggested_by else p.status for p in plans
    )
    counts = {k: kinds[k] for k in ("active", "proposed", "suggested", "draft")}
    counts["closed"] = kinds["achieved"] + kinds["not_met"] + kinds["abandoned"]
    counts |= {"goals": len(plans), "students": len({p.student for p in plans})}
    counts |= {"steps": len(steps), "checkins": len(checkins), "comments": len(comments)}
    return counts | {"templates": len(templates)}
