"""The demo school's conferences: a past window with held conferences (notes, commitments,
summaries, next-term goals turned into drafts) and an upcoming one with booking open and
conferences in preparation, Sofia Martinez's among them (her mother booked Sofia and her brother
Mateo side by side).

The content is ``conferences.json``, written through the real services (admin, advisors,
families and students each doing their part); only time is simulated (the services that check
the clock are given the demo's moment). Deterministic (choices cycle through the data by
position) and idempotent (one query when the demo windows exist).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from core.demo import DemoStep, demo_json, weekdays
from core.errors import Conflict
from goals.models import GoalCategory
from mastery.models import Evidence
from profiles.demo import SCHOOL_SOURCED_ID, demo_step_seed
from profiles.models import Enrollment, School, Section, User
from profiles.selectors import term_current_for

from .. import services as svc
from ..models import (
    Attendee,
    Commitment,
    Conference,
    ConferenceReminder,
    ConferenceSlot,
    ConferenceWindow,
)

DATA: dict[str, Any] = demo_json(__file__, "conferences.json")


def _window_days(window: ConferenceWindow) -> list[dt.date]:
    span = (window.ends_on - window.starts_on).days + 1
    return [d for d in weekdays(window.starts_on, span) if d <= window.ends_on]


def _first_that_fits(slots: list[ConferenceSlot], start: int, book: Callable[..., Any]) -> Any:
    """Book the slot at ``start`` or the next one with room (wrapping round); None if none."""
    for slot in slots[start:] + slots[:start]:
        try:
            book(slot=slot)
        except Conflict:
            continue
        return slot
    return None


class _Seeder:
    def __init__(self, school: School, today: dt.date) -> None:
        self.school, self.today, self.data, self.featured = school, today, DATA, DATA["featured"]
        keys = ("windows", "slots", "held", "upcoming", "preparing", "booked")
        self.counts = dict.fromkeys(keys, 0)
        emails = {DATA["admin"], *(b["advisor"] for b in DATA["blocks"])}
        emails |= {self.featured[k] for k in ("student", "sibling", "guardian", "advisor")}
        self.users = {u.email: u for u in User.objects.filter(email__in=emails)}
        self.admin = self.users[DATA["admin"]]
        self.advisors: dict[str, User] = {}
        taught = Enrollment.objects.filter(section__school=school, role=Enrollment.Role.TEACHER)
        advisories = taught.filter(section__kind=Section.Kind.ADVISORY, is_active=True)
        for e in advisories.select_related("user", "section").order_by("-is_primary", "id"):
            self.advisors.setdefault(e.section.code, e.user)
        categories = GoalCategory.objects.filter(school=school, is_active=True)
        self.categories = {c.name: c for c in categories}
        self.noon = self.at(today, "12:00")

    def at(self, day: dt.date, time: str) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=self.school.tzinfo)

    def open_window(self, spec: dict[str, Any]) -> ConferenceWindow | None:
        """The window, its advisors' blocked times (set before booking opened), their slots and
        a conference for each of their advisees."""
        past = "days_before_today" in spec
        offset = -spec["days_before_today"] if past else spec["days_after_today"]
        days = weekdays(self.today + dt.timedelta(days=offset), spec["days"])
        term = term_current_for(school=self.school, today=days[0], grading_period=True)
        term = term or term_current_for(school=self.school, today=days[0])
        if term is None or (past and days[-1] >= self.today):
            return None
        when: dict[str, Any] = {"name": spec["name"], "mode": spec["mode"]}
        when |= {"starts_on": days[0], "ends_on": days[-1]}
        if spec["mode"] == ConferenceWindow.Mode.BOOKING:
            opened, closes = (
                spec["booking_opened_days_ago"],
                spec["booking_closes_days_after_today"],
            )
            when["booking_opens_at"] = self.noon - dt.timedelta(days=opened)
            when["booking_closes_at"] = self.noon + dt.timedelta(days=closes)
        window = svc.window_create(actor=self.admin, school=self.school, term=term, **when)
        self.counts["windows"] += 1
        advisors = {c: self.advisors[c] for c in spec["advisories"] if c in self.advisors}
        days = _window_days(window)
        before_booking = (window.booking_opens_at or self.noon) - dt.timedelta(days=1)
        by_email = {a.email: a for a in advisors.values()}

        def create(advisor: User, starts: dt.datetime, ends: dt.datetime, **extra: Any) -> None:
            mine: dict[str, Any] = {"actor": advisor, "window": window, "advisor": advisor}
            svc.slot_create(**mine, starts_at=starts, ends_at=ends, **extra)

        for block in self.data["blocks"]:
            if (advisor := by_email.get(block["advisor"])) and block["day"] <= len(days):
                day = days[block["day"] - 1]
                times = self.at(day, block["start"]), self.at(day, block["end"])
                extra = {"is_blocked": True, "block_reason": block["reason"], "now": before_booking}
                create(advisor, *times, **extra)
        spec, step = self.data["slots"], dt.timedelta(minutes=self.data["slots"]["minutes"])
        for code, advisor in advisors.items():
            blocked = list(window.slots.filter(advisor=advisor, is_blocked=True))
            extra = {"room": self.data["rooms"].get(code, ""), "capacity": spec["capacity"]}
            for day in days:
                cursor, end = self.at(day, spec["start"]), self.at(day, spec["end"])
                while cursor + step <= end:
                    if not any(b.starts_at < cursor + step and cursor < b.ends_at for b in blocked):
                        create(advisor, cursor, cursor + step, **extra)
                        self.counts["slots"] += 1
                    cursor += step
        for advisor in advisors.values():
            svc.conferences_create_for_window(actor=self.admin, window=window, advisor=advisor)
        return window

    def conferences(self, window: ConferenceWindow) -> list[Conference]:
        return list(
            Conference.objects.filter(window=window)
            .select_related("student", "advisor", "window__template", "window__school")
            .order_by("advisor__family_name", "student__family_name", "student__given_name", "id")
        )

    def open_slots(self, conference: Conference) -> list[ConferenceSlot]:
        slots = conference.window.slots.filter(advisor=conference.advisor, is_blocked=False)
        return list(slots.order_by("starts_at"))

    def prepare(self, c: Conference, i: int, answered: int | None = None, goals: int = 2) -> None:
        """The student's agenda answers, two work samples and next-term goals."""
        data, student = self.data, c.student
        names = {"advisor": c.advisor.display_name, "name": student.get_short_name()}
        answers = {
            section.pk: options[i % len(options)].format(**names)
            for section in list(c.window.template.sections.order_by("order"))[:answered]
            if (options := data["responses"].get(section.kind))
        }
        svc.agenda_items_save(actor=student, conference=c, responses=answers)
        used = Conference.objects.filter(student=student).exclude(pk=c.pk)
        used_ids = [u for u in used.values_list("work_samples__evidence_id", flat=True) if u]
        picked: dict[int, Evidence] = {}
        accepted = Evidence.objects.filter(student=student, status=Evidence.Status.ACCEPTED)
        for evidence in accepted.exclude(pk__in=used_ids).order_by("-observed_on", "-id")[:30]:
            picked.setdefault(evidence.competency_id, evidence)
            if len(picked) == 2:
                break
        for k, evidence in enumerate(picked.values()):
            text = data["samples"][(i + k) % len(data["samples"])]
            svc.work_sample_add(actor=student, conference=c, evidence=evidence, **text)
        for k in range(goals):
            goal = data["next_goals"][(i + k) % len(data["next_goals"])]
            goal = {**goal, "category": self.categories.get(goal["category"])}
            svc.next_goal_add(actor=student, conference=c, **goal)

    def review(self, c: Conference, *, approve: bool) -> None:
        svc.checklist_set(actor=c.student, conference=c, items=c.window.template.checklist)
        svc.conference_submit(actor=c.student, conference=c)
        if approve:
            comment = self.data["approve_comment"].format(name=c.student.get_short_name())
            svc.conference_approve(actor=c.advisor, conference=c, comment=comment)

    def hold(self, c: Conference, i: int, slot: ConferenceSlot) -> None:
        data, advisor = self.data, c.advisor
        names = {"name": c.student.get_short_name(), "advisor": advisor.display_name}
        svc.conference_hold(actor=advisor, conference=c, now=slot.ends_at)
        notes = data["notes"][i % len(data["notes"])].format(**names)
        svc.conference_notes_save(actor=advisor, conference=c, notes=notes)
        due = dt.timedelta(days=data["commitments_due_days"])
        due_on = self.school.local(slot.starts_at).date() + due
        for who, texts in data["commitments"].items():
            text = texts[i % len(texts)]
            svc.commitment_add(actor=advisor, conference=c, who=who, text=text, due_on=due_on)
        summary = data["summaries"][i % len(data["summaries"])].format(**names)
        svc.conference_summary_save(actor=advisor, conference=c, summary=summary)
        svc.next_goals_to_drafts(actor=advisor, conference=c)
        # What the demo pretends happened at the time: emails sent, reviews and answers before.
        events = ConferenceReminder.Event.values
        reminders = [ConferenceReminder(conference=c, event=e, recipients=[]) for e in events]
        ConferenceReminder.objects.bulk_create(reminders, ignore_conflicts=True)
        Conference.objects.filter(pk=c.pk).update(
            submitted_at=slot.starts_at - dt.timedelta(days=4),
            approved_at=slot.starts_at - dt.timedelta(days=2),
        )
        Attendee.objects.filter(conference=c).exclude(role="advisor").update(
            rsvp=Attendee.Rsvp.ACCEPTED, rsvp_at=slot.starts_at - dt.timedelta(days=6)
        )
        self.counts["held"] += 1

    def past(self, spec: dict[str, Any]) -> None:
        if (window := self.open_window(spec)) is None:
            return
        for i, c in enumerate(self.conferences(window)):
            schedule = partial(svc.conference_schedule, actor=c.advisor, conference=c)
            slot = _first_that_fits(
                self.open_slots(c), i // self.data["slots"]["capacity"], schedule
            )
            if slot is not None:
                self.prepare(c, i, goals=1)
                self.review(c, approve=True)
                self.hold(c, i, slot)

    def upcoming(self, spec: dict[str, Any]) -> None:
        if (window := self.open_window(spec)) is None:
            return
        featured = self.featured
        conferences = self.conferences(window)
        self.counts["upcoming"] = len(conferences)
        by_email = {c.student.email: c for c in conferences}
        days, choices = _window_days(window), {}  # the featured family books both side by side
        pair = (featured["student"], featured["sibling"])
        for email, pick in zip(pair, featured["upcoming_slots"], strict=True):
            if (c := by_email.get(email)) is not None:
                starts_at = self.at(days[pick["day"] - 1], pick["time"])
                slot = window.slots.filter(advisor=c.advisor, starts_at=starts_at).first()
                if slot is not None:
                    choices[c.student_id] = slot
        book = partial(svc.family_book, window=window, now=self.noon)
        if choices:
            language = featured["interpreter_language"]
            book(
                actor=self.users[featured["guardian"]],
                choices=choices,
                interpreter_language=language,
            )
            self.counts["booked"] += len(choices)
        for i, c in enumerate(conferences):  # every other family books a slot of its own
            if c.student.email in pair or i % self.data["upcoming_booked_share"]:
                continue
            links = c.student.guardian_links.filter(is_active=True).select_related("guardian")
            if (link := links.order_by("id").first()) is None:
                continue
            slots, guardian = self.open_slots(c), link.guardian
            booked = _first_that_fits(
                slots,
                (i // 2) % max(1, len(slots)),
                lambda slot, c=c, g=guardian: book(actor=g, choices={c.student_id: slot}),
            )
            self.counts["booked"] += int(booked is not None)
        advisor, states = self.users[featured["advisor"]], self.data["upcoming_states"]
        pattern = self.data["kept_pattern"]
        for i, c in enumerate(c for c in conferences if c.advisor_id == advisor.pk):
            featured_one = c.student.email == featured["student"]
            state = "preparing" if featured_one else states[i % len(states)]
            previous = Conference.objects.filter(student=c.student, status=Conference.Status.HELD)
            if (held := previous.exclude(pk=c.pk).first()) is not None:
                commitments = Commitment.objects.filter(conference=held).order_by("who", "id")
                for k, commitment in enumerate(commitments):
                    outcome = pattern[(i + k) % len(pattern)]
                    svc.commitment_review(actor=c.advisor, commitment=commitment, outcome=outcome)
            if state == "scheduled":
                continue
            self.prepare(c, i, answered=5 if featured_one else None)
            self.counts["preparing"] += 1
            if state in ("submitted", "ready"):
                self.review(c, approve=state == "ready")
        # Most families who booked say they're coming; every fifth asks for another time.
        attending = Attendee.objects.filter(
            conference__window=window, conference__slot__isnull=False
        )
        guardians = attending.filter(role="guardian").select_related("conference", "user")
        for k, a in enumerate(guardians.order_by("conference__student__family_name", "id")):
            if a.user is not None:
                asks, rsvp = k % 5 == 4, Attendee.Rsvp
                note = self.data["another_time_note"] if asks else ""
                response = rsvp.ANOTHER_TIME if asks else rsvp.ACCEPTED
                svc.rsvp_respond(
                    actor=a.user, conference=a.conference, response=response, note=note
                )


def _already_seeded() -> bool:
    windows = ConferenceWindow.objects.filter(school__sourced_id=SCHOOL_SOURCED_ID)
    return windows.filter(name__in=[w["name"] for w in DATA["windows"]]).exists()


def demo_conferences_seed(*, today: dt.date | None = None) -> DemoStep:
    """Add the demo windows and conferences, or do nothing when they exist (one query)."""
    return demo_step_seed(_already_seeded, lambda school: _write(school, today), DATA["created"])


def _write(school: School, today: dt.date | None) -> dict[str, int]:
    seeder = _Seeder(school, today or school.today())
    for spec in DATA["windows"]:
        (seeder.past if spec["key"] == "past" else seeder.upcoming)(spec)
    return dict(seeder.counts)
