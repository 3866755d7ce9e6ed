"""The demo school's goals: templates, and a term of goals in every state with their steps,
check-ins and comments.

The content is ``goals.json`` beside this file: the templates, goal ideas in the students' own
words and the teachers' suggestions, the phrases check-ins are written with, reflections, the
comment rules (who writes what, when, and how often) and the login student's own goals. The
code is the simulation of a term: :func:`goal_inputs` reads the students, their advisors,
teachers and families, the terms, the linked framework's pacing and evidence back from the
database the earlier seeds wrote; :func:`plan_goals` is pure and decides, with one seeded
:class:`random.Random`, every goal, step, check-in and comment, the same way on every run and
in every process; :func:`demo_goals_seed` writes that plan with bulk inserts in one transaction
under the seed's history context, and does nothing (one query) when the demo school already has
goal templates or goals. A revised goal is written in its first version and then updated, so its
history holds both. Every timestamp lies between the window's start and the evening before
``today``.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any, NamedTuple

import pghistory
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from mastery import calculation as calc
from mastery.demo import school_days
from mastery.models import Competency, Evidence, Framework, PacingTarget
from mastery.selectors import levels_of, scale_for
from profiles.demo import HISTORY_SOURCE, SCHOOL_SOURCED_ID, demo_logins
from profiles.models import Enrollment, GuardianLink, Membership, Role, School, Term

from ..models import ActionStep, CheckIn, Goal, GoalComment, GoalSettings, GoalTemplate
from ..selectors import goal_categories_for

DATA: dict[str, Any] = json.loads(Path(__file__).with_name("goals.json").read_text("utf-8"))
SIM: dict[str, Any] = DATA["simulation"]
MIN_WINDOW_DAYS = 35  # before the term has run this long, goals start this many days back
UNDER_WAY = ("active", "quiet", "achieved", "not_met", "set_aside")
# Minutes of the day people write at: students before school, after school or in the evening;
# teachers in the school day; families before work or in the evening (repeats weigh more).
HOURS = {
    "student": ((485, 520), (485, 520), (870, 920), (1140, 1290)),
    "teacher": ((450, 1005),),
    "parent": ((390, 450), (1080, 1290), (1080, 1290)),
}


@dataclass(frozen=True)
class Student:
    sid: str  # sourced id
    name: str
    advisor: str  # the advisory teacher's sourced id, "" without one
    teachers: tuple[tuple[str, str], ...]  # (subject, teacher's sourced id)
    guardians: tuple[tuple[str, str], ...]  # (sourced id, relationship)
    targets: tuple[tuple[str, str], ...]  # the linked framework's pacing: (identifier, short)


@dataclass(frozen=True)
class Inputs:
    students: tuple[Student, ...]  # ordered by sourced id
    semesters: tuple[tuple[str, date, date], ...]  # (sourced id, start, end), in order
    # Accepted, scored evidence on the linked framework: (student, target, observed on, score),
    # by student and target, then oldest first as the mastery rollup reads it.
    evidence: tuple[tuple[str, str, date, Decimal], ...]
    method: str
    parameter: int | None
    levels: tuple[calc.Level, ...]
    logins: tuple[str, str, str]  # the login student's, teacher's and parent's sourced ids


class Step(NamedTuple):
    title: str
    due: date | None
    done_at: datetime | None  # naive, in the school's time zone, like every time below


class Check(NamedTuple):
    at: datetime
    progress: int
    derived: bool
    confidence: int
    helped: str
    in_the_way: str
    next_step: str


class Comment(NamedTuple):
    at: datetime
    author: str
    kind: str
    body: str


@dataclass
class Plan:
    """One goal, in plain values."""

    student: str
    category: str
    title: str
    why: str
    horizon: str
    criteria: str
    origin: str
    status: str
    created: datetime
    updated: datetime
    updated_by: str
    version: int = 1
    target: date | None = None
    term: str | None = None
    suggested_by: str | None = None
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
    """What :func:`goals.services.progress_from_competencies` says for targets whose scores
    (oldest first) are these."""
    points = next(lv.points for lv in inputs.levels if lv.is_mastery)
    total = Decimal(0)
    for scores in histories:
        r = calc.rollup(inputs.method, scores, inputs.levels, parameter=inputs.parameter)
        if r.score is not None:
            total += 1 if r.mastered else min(Decimal(1), r.score / points)
    return int((total / len(histories) * 100).to_integral_value())


def _weekday(day: date) -> date:
    return day - timedelta(days=max(0, day.weekday() - 4))


class _Term:
    def __init__(self, inputs: Inputs, today: date) -> None:
        self.inputs, self.today, self.rng = inputs, today, Random(DATA["random_seed"])
        sems = inputs.semesters
        self.start = min(sems[0][1], today - timedelta(days=MIN_WINDOW_DAYS))
        self.last = today - timedelta(days=1)
        self.span = (self.last - self.start).days
        self.days = school_days(self.start, self.last) or [self.start]
        self.latest = datetime.combine(self.last, time(22))
        current = next((s for s in sems if s[1] <= today <= s[2]), sems[-1])
        self.term_end = max(current[2], today + timedelta(days=28))
        self.year_end = max(sems[-1][2], today + timedelta(days=60))
        winter = date(sems[0][1].year, 12, 21)  # the first day of winter break
        self.winter = _weekday(winter - timedelta(days=1)) if today < winter else None
        self.evidence: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for sid, target, day, score in inputs.evidence:
            self.evidence[(sid, target)].append((day, score))

    def pick(self, pool: Any, key: str = "*") -> str:
        """One text of a list, or of a dict's list for ``key`` ("" when it has none)."""
        if isinstance(pool, dict):
            pool = pool.get(key, pool.get("*", []))
        return self.rng.choice(pool) if pool else ""

    def day(self, first: date, last: date, skew: float = 1.0) -> date:
        """A school day from ``first`` to ``last``; earlier ones likelier with ``skew`` > 1."""
        lo = bisect.bisect_left(self.days, max(first, self.start))
        hi = bisect.bisect_right(self.days, min(last, self.last)) - 1
        if lo > hi:
            return self.days[max(0, hi)]
        return self.days[lo + int(self.rng.random() ** skew * (hi - lo + 1))]

    def at(self, day: date, who: str, after: datetime | None = None) -> datetime:
        """A believable time on ``day`` for a student, teacher or parent, after ``after``; late
        in the evening, the next school day instead."""
        low, high = self.rng.choice(HOURS[who])
        moment = datetime.combine(day, time()) + timedelta(minutes=self.rng.randint(low, high))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(10, 90))
            following = bisect.bisect_right(self.days, after.date())
            late = moment.hour >= (17 if who == "teacher" else 22) or moment.date() > after.date()
            if late and following < len(self.days):
                return self.at(self.days[following], who, after)
        moment = min(moment, self.latest)
        return moment if after is None or moment > after else after + timedelta(minutes=1)

    def soon(self, after: datetime, who: str) -> datetime:
        return self.at(self.day(after.date(), after.date() + timedelta(days=2)), who, after)

    def target(self, first: date, last: date) -> date:
        return _weekday(first + timedelta(days=self.rng.randint(0, max(0, (last - first).days))))

    def progress(self, sid: str, targets: tuple[str, ...], day: date) -> int:
        histories = [[s for d, s in self.evidence[(sid, t)] if d <= day] for t in targets]
        return derived_progress(self.inputs, histories)

    def teacher(self, st: Student, category: str) -> str:
        """The advisor, or for a literacy or numeracy goal sometimes the subject's teacher."""
        subject = dict(st.teachers).get(DATA["subjects"].get(category, ""), "")
        return subject if subject and (not st.advisor or self.rng.random() < 0.4) else st.advisor

    def build(self) -> list[Plan]:
        rng, (login, teacher, _) = self.rng, self.inputs.logins
        others = [s for s in self.inputs.students if s.sid != login]
        advisees = [s.sid for s in others if s.advisor == teacher]
        forced: dict[str, list[str]] = defaultdict(list)
        for kind, sid in zip(
            SIM["advisory_kinds"], rng.sample(advisees, len(advisees)), strict=False
        ):
            forced[sid].append(kind)
        rest = [s.sid for s in others if s.sid not in advisees]
        for kind, sid in zip(SIM["forced_kinds"], rng.sample(rest, len(rest)), strict=False):
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

    def weighted(self, pairs: list[list[Any]]) -> Any:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def idea(self, st: Student, kind: str, category: str) -> tuple[str, dict[str, Any]]:
        """The kind it ends up as, and what the goal says: a teacher's suggestion, a goal tied
        to the student's next targets, or one of the students' own ideas."""
        rng, ideas, linked = self.rng, DATA["ideas"], DATA["linked"]
        if kind in ("suggested", "declined") or (
            kind == "active" and rng.random() < SIM["accepted_suggestion_share"]
        ):
            offered = [i for i in ideas if i["origin"] == "teacher"]
            idea = rng.choice([i for i in offered if i["category"] == category] or offered)
            by = self.teacher(st, idea["category"])
            if by:
                return kind, {**idea, "by": by}
            kind = "active"
        if (
            kind == "active"
            and category == linked["category"]
            and rng.random() < SIM["linked_share"]
        ):
            return kind, {**linked, "linked": rng.choice((2, 3))}
        ours = [i for i in ideas if i["origin"] == "student" and i["category"] == category]
        return kind, rng.choice(ours)

    def goal(self, st: Student, kind: str, idea: dict[str, Any], login: Any = None) -> Plan:
        rng, today, start, d = self.rng, self.today, self.start, timedelta
        if login:
            created_day = self.day(today - d(login["days_ago"][0]), today - d(login["days_ago"][1]))
        else:
            early, late = start + d(2), today - d(max(14, self.span // 5))
            lo, hi, skew = {
                "draft": (today - d(20), self.last, 1.0),
                "proposed": (today - d(10), self.last, 1.0),
                "suggested": (today - d(12), self.last, 1.0),
                "returned": (today - d(28), today - d(6), 1.0),
                "declined": (start + d(5), today - d(14), 1.0),
                "active": (early, late, 1.6),
                "quiet": (early, late, 1.6),
            }.get(kind, (early, start + d(max(6, self.span * 3 // 10)), 1.0))
            created_day = self.day(lo, hi, skew)
        by = idea.get("by") if idea["origin"] == Goal.Origin.TEACHER else None
        by = self.inputs.logins[1] if by == "advisor" else by
        n = rng.choice(idea["numbers"])
        created = self.at(created_day, "teacher" if by else "student")
        g = Plan(
            st.sid,
            idea["category"],
            idea["title"].format(n=n),
            rng.choice(idea["whys"]),
            idea["horizon"],
            idea["criteria"].replace("{n}", str(n)),
            idea["origin"],
            STATUS[kind],
            created,
            created,
            by or st.sid,
            target=self.target(today + d(10), self.term_end),
            term=next((s[0] for s in self.inputs.semesters if s[1] <= created_day <= s[2]), None),
            suggested_by=by,
        )
        if idea.get("linked"):
            self.link(g, st, created_day, idea["linked"])
        if g.horizon == Goal.Horizon.YEAR:
            g.target = self.target(today + d(30), self.year_end)
        if login and login["kind"] != "achieved":
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
            reply = self.day(created_day + d(1), created_day + d(7))
            g.closed = g.updated = self.at(reply, "student", created)
            g.updated_by, g.version = st.sid, 2
            g.reflection = self.rng.choice(DATA["reflections"]["declined"])
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
        goal instead for a student without evidence)."""
        if not any(self.evidence.get((st.sid, t)) for t, _ in st.targets):
            idea = next(i for i in DATA["ideas"] if i.get("key") == DATA["linked"]["fallback"])
            n = idea["numbers"][0]
            g.title, g.criteria = idea["title"].format(n=n), idea["criteria"].format(n=n)
            return
        targets = [(t, s) for t, s in st.targets if not self.mastered(st.sid, t, day)][:count]
        g.title = DATA["linked"]["title"].format(n=len(targets))
        g.criteria = DATA["linked"]["criteria"].format(targets="; ".join(s for _, s in targets))
        g.competencies = tuple(t for t, _ in targets)

    def mastered(self, sid: str, target: str, day: date) -> bool:
        scores = [s for d, s in self.evidence.get((sid, target), ()) if d <= day]
        method, levels, parameter = self.inputs.method, self.inputs.levels, self.inputs.parameter
        return bool(scores) and calc.rollup(method, scores, levels, parameter=parameter).mastered

    def under_way(
        self, g: Plan, st: Student, kind: str, idea: dict[str, Any], login: Any
    ) -> tuple[date, float, bool]:
        """Approved (or accepted), checked in on, maybe revised, maybe closed: the last day its
        steps may be done by, the share of them done, and whether it has gone quiet."""
        rng, today, d = self.rng, self.today, timedelta
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
            final = login["final"] if login and "final" in login else rng.randint(6, 18) * 5
            days = [] if never else self.checkin_days(approved + d(3), last_day)
            if not stale and not days and approved < today - d(7):
                days = [self.day(today - d(6), self.last)]
            final = rng.randint(2, 9) * 5 if stale else final
            self.checkins(g, st, idea, days, final, stale)
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
        final = {"achieved": 100, "not_met": rng.randint(6, 14) * 5}.get(
            kind, rng.randint(2, 9) * 5
        )
        self.checkins(g, st, idea, days, final, kind != "achieved" and rng.random() < 0.5)
        g.closed = self.at(closed_day, "student", g.checkins[-1].at if g.checkins else g.approved)
        g.updated, g.updated_by, g.version = g.closed, st.sid, 3
        pool = DATA["reflections"][kind]
        reflection = self.pick(pool, g.category)
        g.reflection = login["reflection"] if login else reflection
        g.target = {
            "achieved": self.target(closed_day, closed_day + d(14)),
            "not_met": max(approved + d(7), closed_day - d(rng.randint(0, 4))),
        }.get(kind) or self.target(closed_day + d(10), closed_day + d(40))
        return closed_day, {"achieved": 0.9, "not_met": 0.4}.get(kind, 0.3), False

    def checkin_days(self, first: date, last: date) -> list[date]:
        """Weekly-ish school days from ``first`` to ``last``'s school day."""
        result: list[date] = []
        day = self.day(last, last)
        while day >= max(first, self.start):
            result.append(day)
            earlier = day - timedelta(days=self.rng.randint(5, 9))
            earlier = self.day(earlier, earlier)
            if earlier >= day:
                break
            day = earlier
        return result[::-1]

    def checkins(
        self, g: Plan, st: Student, idea: Any, days: list[date], final: int, stalled: bool
    ) -> None:
        """Progress the student gives (rising toward ``final``, flat in the second half when
        ``stalled``) or, for a goal tied to targets, from their mastery on the day."""
        rng, phrases, voice, texts = (
            self.rng,
            DATA["checkins"],
            idea["voice"],
            idea.get("checkins", ()),
        )
        n, start = len(days), min(final, rng.choice((0, 5, 10, 10, 15, 20)))
        previous, after = start, g.approved
        for i, day in enumerate(days):
            if g.competencies:
                progress = self.progress(st.sid, g.competencies, day)
            else:
                fraction = (i + 1) / n
                aim = previous if stalled and fraction > 0.5 else start + (final - start) * fraction
                progress = 5 * round((aim + rng.gauss(0, 4)) / 5)
                if progress < previous and rng.random() > 0.15:
                    progress = previous
                progress = 100 if i == n - 1 and final == 100 else max(0, min(100, progress))
            moved = progress > previous or (i == 0 and progress > 0)
            confidence = (
                3 + (progress - previous >= 10) + (progress >= 60) + rng.choice((-1, 0, 0, 0, 1))
            )
            confidence -= (progress <= previous and progress < 60) + (stalled and i >= n / 2)
            if i < len(texts):
                helped, in_the_way, next_step = texts[i]
            else:
                helped = rng.choice(phrases["helped"][voice]) if moved or rng.random() < 0.4 else ""
                if stalled and not moved and rng.random() < 0.6:
                    in_the_way = rng.choice(phrases["stalled"])
                elif rng.random() < (0.9 if not moved else 0.5):
                    in_the_way = rng.choice(phrases["in_the_way"][voice])
                else:
                    in_the_way = ""
                next_step = rng.choice(phrases["next_step"][voice]) if rng.random() < 0.85 else ""
            after = self.at(day, "student", after)
            confidence = max(1, min(5, confidence))
            g.checkins.append(
                Check(
                    after, progress, bool(g.competencies), confidence, helped, in_the_way, next_step
                )
            )
            previous = progress

    def comments(self, g: Plan, st: Student, tags: set[str], rules: Any) -> None:
        """The comment rules that apply to the goal, each drawn with its share: who writes,
        after what, and the student's reply."""
        rng, checks = self.rng, g.checkins
        if rules is None:
            rules = [
                r
                for r in DATA["comments"]
                if tags & set(r["kinds"]) and r.get("origin", g.origin) == g.origin
            ]
        for r in rules:
            if rng.random() >= r.get("share", 1):
                continue
            by, anchor, kind = r["by"], r["at"], r.get("kind", GoalComment.Kind.COMMENT)
            author, key = self.author(g, st, by)
            who = "parent" if by in ("guardian", "parent") else "teacher"
            body = self.pick(r["texts"], key).format(name=st.name)
            if not author or not body or (anchor == "checkin" and len(checks) < 2):
                continue
            approved = g.approved or g.created
            if anchor == "returned":
                at, g.return_comment = g.updated, body
            elif anchor == "approved" and kind == GoalComment.Kind.APPROVED:
                at = approved
            elif anchor in ("any", "recent"):
                end = checks[-1].at.date() if checks and anchor == "any" else self.last
                first = (
                    approved.date() + timedelta(1) if anchor == "any" else self.today - timedelta(4)
                )
                at = self.at(self.day(first, end), who, approved)
            else:
                at = self.soon(
                    {
                        "approved": approved,
                        "checkin": checks[rng.randint(1, len(checks) - 1)].at
                        if len(checks) > 1
                        else approved,
                        "middle": checks[len(checks) // 2].at if checks else approved,
                        "late": max(approved, checks[-1].at - timedelta(3)) if checks else approved,
                    }.get(anchor)
                    or g.closed
                    or approved,
                    who,
                )
            g.comments.append(Comment(at, author, kind, body))
            if rng.random() < r.get("reply", 0):
                reply = self.pick(r["replies"], key)
                g.comments.append(Comment(self.soon(at, "student"), st.sid, "comment", reply))
        g.comments.sort()

    def author(self, g: Plan, st: Student, by: str) -> tuple[str, str]:
        """Who writes, and the key their texts are chosen by (a relationship or a category)."""
        if by in ("guardian", "parent"):
            parent = [x for x in st.guardians if by == "parent" and x[0] == self.inputs.logins[2]]
            chosen = (parent or st.guardians)[0] if by == "parent" else None
            return chosen or (self.rng.choice(st.guardians) if st.guardians else ("", ""))
        subject = (
            by
            if by not in ("subject", "advisor", "approver")
            else DATA["subjects"].get(g.category, "")
        )
        teacher = {"advisor": st.advisor, "approver": g.approved_by or ""}.get(by)
        return teacher if teacher is not None else dict(st.teachers).get(subject, ""), g.category


STATUS = {
    "draft": "draft",
    "returned": "draft",
    "proposed": "proposed",
    "suggested": "proposed",
    "declined": "abandoned",
    "active": "active",
    "quiet": "active",
    "achieved": "achieved",
    "not_met": "not_met",
    "set_aside": "abandoned",
}


def plan_goals(inputs: Inputs, *, today: date) -> list[Plan]:
    """Every goal, step, check-in and comment for these inputs; the same on every call with the
    same arguments. Nothing is dated after the evening before ``today``."""
    return _Term(inputs, today).build()


def goal_inputs(school: School) -> tuple[Inputs, dict[str, int]]:
    """The plan's inputs, read from the school the earlier seeds wrote, and everyone's id by
    sourced id."""
    ids: dict[str, int] = {}
    emails: dict[str, str] = {}
    students: list[Any] = sorted(
        Membership.objects.filter(
            school=school, role=Role.STUDENT, user__sourced_id__isnull=False
        ).values_list(
            "user__sourced_id", "user_id", "user__given_name", "user__preferred_name", "user__email"
        )
    )
    members: list[Any] = sorted(
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
    links: list[Any] = sorted(
        GuardianLink.objects.filter(
            is_active=True,
            student__memberships__school=school,
            student__memberships__role=Role.STUDENT,
            guardian__sourced_id__isnull=False,
        ).values_list(
            "student__sourced_id",
            "guardian__sourced_id",
            "relationship",
            "guardian_id",
            "guardian__email",
        )
    )
    framework = Framework.objects.filter(
        school=school, identifier=DATA["linked"]["framework"]
    ).first()
    pacing: list[Any] = sorted(
        PacingTarget.objects.filter(
            competency__framework=framework,
            plan__section__enrollments__role=Enrollment.Role.STUDENT,
            plan__section__enrollments__is_active=True,
        ).values_list(
            "plan__section__enrollments__user__sourced_id",
            "expected_by",
            "competency__identifier",
            "competency__short_statement",
        )
    )
    evidence: list[Any] = sorted(
        Evidence.objects.filter(
            status=Evidence.Status.ACCEPTED,
            score__isnull=False,
            competency__framework=framework,
            student__sourced_id__isnull=False,
        )
        .order_by("observed_on", "id")
        .values_list("student__sourced_id", "competency__identifier", "observed_on", "score"),
        key=lambda e: (e[0], e[1], e[2]),  # stable: same-day scores stay in the order recorded
    )
    semesters = Term.objects.filter(school=school, kind=Term.Kind.SEMESTER).order_by("start_date")
    advisor: dict[str, str] = {}
    teachers: dict[str, dict[str, str]] = defaultdict(dict)
    taught = {m[0]: m[4] for m in reversed(members) if m[3] == Enrollment.Role.TEACHER}
    for section, kind, subject, role, sid, user_id, email in members:
        ids[sid], emails[email] = user_id, sid
        if role == Enrollment.Role.STUDENT and section in taught:
            if kind == "advisory":
                advisor.setdefault(sid, taught[section])
            else:
                teachers[sid].setdefault(subject, taught[section])
    guardians: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for student, guardian, relationship, guardian_id, email in links:
        guardians[student].append((guardian, relationship))
        ids[guardian], emails[email] = guardian_id, guardian
    targets: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    for sid, _, identifier, short in pacing:
        targets[sid][(identifier, short)] = None
    refs = []
    for sid, user_id, given, preferred, email in students:
        ids[sid], emails[email] = user_id, sid
        refs.append(
            Student(
                sid,
                preferred or given,
                advisor.get(sid, ""),
                tuple(sorted(teachers[sid].items())),
                tuple(guardians[sid]),
                tuple(targets[sid]),
            )
        )
    login = {x.role: emails.get(x.email, "") for x in demo_logins()}
    levels = levels_of(scale=scale_for(framework=framework)) if framework else []
    inputs = Inputs(
        tuple(refs),
        tuple[Any, ...](semesters.values_list("sourced_id", "start_date", "end_date")),
        tuple(evidence),
        framework.calculation_method if framework else calc.Method.DECAYING_AVERAGE,
        framework.calculation_parameter if framework else None,
        tuple(calc.Level(lv.points, lv.label, lv.is_mastery) for lv in levels),
        (login["student"], login["teacher"], login["parent"]),
    )
    return inputs, ids


# --- Writing it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalsDemoSummary:
    """What a run did: ``created`` is False when the demo school already had goal templates or
    goals (or there is no demo school)."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def format_goals_created(summary: GoalsDemoSummary) -> str:
    c = summary.counts
    return (
        f"Added the demo goals: {c['goals']} goals for {c['students']} students "
        f"({c['active']} active, {c['proposed']} waiting for approval, {c['suggested']} "
        f"suggested by teachers, {c['draft']} drafts, {c['closed']} closed), {c['checkins']} "
        f"check-ins, {c['comments']} comments, {c['templates']} goal templates."
    )


def _already_seeded() -> Any:
    """The demo school's id, and whether it has goal templates or goals of its students."""
    students = Goal.objects.filter(
        student__memberships__school=OuterRef("pk"), student__memberships__role=Role.STUDENT
    )
    return (
        School.objects.filter(sourced_id=SCHOOL_SOURCED_ID)
        .annotate(
            has_templates=Exists(GoalTemplate.objects.filter(school=OuterRef("pk"))),
            has_goals=Exists(students),
        )
        .values_list("pk", "has_templates", "has_goals")
    )


def demo_goals_seed(*, today: date | None = None) -> GoalsDemoSummary:
    """Add goal templates, settings and a term of goals to the demo school, or do nothing when
    it has goal templates or goals already (one query). One transaction that first locks the
    demo school's row, so a second run racing the first waits for it and then finds the goals."""
    state = _already_seeded().first()
    if state is None or state[1] or state[2]:
        return GoalsDemoSummary(created=False)
    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = School.objects.select_for_update().filter(pk=state[0]).first()
        again = _already_seeded().filter(pk=state[0]).first()
        if school is None or again is None or again[1] or again[2]:
            return GoalsDemoSummary(created=False)
        counts = _write(school, today or timezone.localdate())
    return GoalsDemoSummary(created=True, counts=counts)


def _stamp(model: Any, rows: list[Any], values: list[dict[str, Any]]) -> None:
    """Set fields the database fills on insert (created and updated times) afterwards."""
    for row, changes in zip(rows, values, strict=True):
        for name, value in changes.items():
            setattr(row, name, timezone.make_aware(value) if isinstance(value, datetime) else value)
    if rows:
        model.objects.bulk_update(rows, list(values[0]), batch_size=500)


def _write(school: School, today: date) -> dict[str, int]:
    categories = {c.name: c for c in goal_categories_for(school_id=school.pk)}
    templates = GoalTemplate.objects.bulk_create(
        GoalTemplate(school=school, **{**t, "category": categories.get(t["category"])})
        for t in DATA["templates"]
    )
    GoalSettings.objects.get_or_create(
        school=school, defaults={"checkin_nudge_days": DATA["checkin_nudge_days"]}
    )
    inputs, ids = goal_inputs(school)
    plans = plan_goals(inputs, today=today)
    wanted = {c for p in plans for c in p.competencies}
    competency = dict(
        Competency.objects.filter(framework__school=school, identifier__in=wanted).values_list(
            "identifier", "pk"
        )
    )
    terms = dict(Term.objects.filter(school=school).values_list("sourced_id", "pk"))

    def aware(moment: datetime | None) -> datetime | None:
        return None if moment is None else timezone.make_aware(moment)

    goals = Goal.objects.bulk_create(
        Goal(
            student_id=ids[p.student],
            title=(p.first or (p.title,))[0],
            why=p.why,
            category=categories.get(p.category),
            horizon=p.horizon,
            success_criteria=(p.first or (p.title, p.criteria))[1],
            target_date=p.target,
            term_id=terms.get(p.term or ""),
            status=p.status,
            origin=p.origin,
            suggested_by_id=ids.get(p.suggested_by or ""),
            approved_by_id=ids.get(p.approved_by or ""),
            approved_at=aware(p.approved),
            return_comment=p.return_comment,
            reflection=p.reflection,
            closed_at=aware(p.closed),
            version=p.version - 1 if p.first else p.version,
            updated_by_id=ids.get(p.updated_by),
        )
        for p in plans
    )
    pairs = list(zip(goals, plans, strict=True))
    _stamp(Goal, goals, [{"created_at": p.created, "updated_at": p.updated} for p in plans])
    revised = [(g, p) for g, p in pairs if p.first]
    _stamp(
        Goal,
        [g for g, _ in revised],
        [
            {"title": p.title, "success_criteria": p.criteria, "version": p.version}
            for _, p in revised
        ],
    )
    links = Goal.competencies.through.objects.bulk_create(
        Goal.competencies.through(goal_id=g.pk, competency_id=competency[c])
        for g, p in pairs
        for c in p.competencies
    )
    steps = ActionStep.objects.bulk_create(
        ActionStep(
            goal=g,
            title=s.title,
            due_date=s.due,
            done=s.done_at is not None,
            done_at=aware(s.done_at),
            order=i,
        )
        for g, p in pairs
        for i, s in enumerate(p.steps)
    )
    checks = [(g, c) for g, p in pairs for c in p.checkins]
    checkins = CheckIn.objects.bulk_create(
        (
            CheckIn(
                goal=g,
                author_id=g.student_id,
                progress=c.progress,
                progress_derived=c.derived,
                confidence=c.confidence,
                what_helped=c.helped,
                what_got_in_the_way=c.in_the_way,
                next_step=c.next_step,
            )
            for g, c in checks
        ),
        batch_size=1000,
    )
    _stamp(CheckIn, checkins, [{"created_at": c.at} for _, c in checks])
    notes = [(g, c) for g, p in pairs for c in p.comments]
    comments = GoalComment.objects.bulk_create(
        GoalComment(goal=g, author_id=ids.get(c.author), kind=c.kind, body=c.body) for g, c in notes
    )
    _stamp(GoalComment, comments, [{"created_at": c.at} for _, c in notes])
    kinds = Counter(
        "suggested" if p.status == "proposed" and p.origin == "teacher" else p.status for p in plans
    )
    return {
        "goals": len(plans),
        "students": len({p.student for p in plans}),
        "active": kinds["active"],
        "proposed": kinds["proposed"],
        "suggested": kinds["suggested"],
        "draft": kinds["draft"],
        "closed": kinds["achieved"] + kinds["not_met"] + kinds["abandoned"],
        "linked": len(links),
        "steps": len(steps),
        "checkins": len(checkins),
        "comments": len(comments),
        "templates": len(templates),
    }
