"""The demo school's conferences: a past window with held conferences (notes, commitments,
summaries, next-term goals turned into drafts) and an upcoming one with booking open and
conferences in preparation, Sofia Martinez's among them, her mother having booked Sofia and
her brother Mateo side by side.

Everything comes from ``conferences/demo/conferences.json`` and is written through the real
services (the school admin opens the windows, advisors add slots and block times, families book
and answer, students prepare and submit, advisors review, hold and summarise). Only time is
simulated in code: the services that check the clock are given the moment the demo pretends it
is, the past window's emails are recorded as sent at the time, and its review timestamps are
moved to before the conference. Deterministic (no randomness: choices cycle through the data by
position) and idempotent (one query when the demo windows exist).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pghistory
from django.db import transaction

from core.errors import Conflict
from goals.models import GoalCategory
from mastery.models import Evidence
from profiles.demo import HISTORY_SOURCE, SCHOOL_SOURCED_ID
from profiles.models import Enrollment, School, Section, Term, User

from .. import services as svc
from ..models import (
    Attendee,
    Commitment,
    Conference,
    ConferenceReminder,
    ConferenceSlot,
    ConferenceWindow,
)

DATA_FILE = Path(__file__).resolve().parent / "conferences.json"
S = Conference.Status


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


@dataclass
class ConferencesDemoSummary:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def format_conferences_created(summary: ConferencesDemoSummary) -> str:
    c = summary.counts
    return (
        f"Added the demo conferences: {c.get('windows', 0)} windows, {c.get('slots', 0)} slots, "
        f"{c.get('held', 0)} held conferences with notes, commitments and summaries, "
        f"{c.get('upcoming', 0)} upcoming ({c.get('preparing', 0)} in preparation, "
        f"{c.get('booked', 0)} booked by their families)."
    )


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _days(first: dt.date, count: int) -> list[dt.date]:
    days = [_weekday(first)]
    while len(days) < count:
        days.append(_weekday(days[-1] + dt.timedelta(days=1)))
    return days


def _window_days(window: ConferenceWindow) -> list[dt.date]:
    """The school days of a window, first to last."""
    span = (window.ends_on - window.starts_on).days + 1
    return [d for d in _days(window.starts_on, span) if d <= window.ends_on]


def _term_for(school: School, day: dt.date) -> Term | None:
    terms = Term.objects.filter(school=school, start_date__lte=day, end_date__gte=day)
    return (
        terms.exclude(kind=Term.Kind.SCHOOL_YEAR).order_by("end_date").first()
        or terms.order_by("end_date").first()
    )


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _at(school: School, day: dt.date, text: str) -> dt.datetime:
    return dt.datetime.combine(day, _time(text), tzinfo=school.tzinfo)


class _Seeder:
    def __init__(self, school: School, today: dt.date, data: dict[str, Any]) -> None:
        self.school = school
        self.today = today
        self.data = data
        self.counts: dict[str, int] = {
            "windows": 0,
            "slots": 0,
            "held": 0,
            "upcoming": 0,
            "preparing": 0,
            "booked": 0,
        }
        emails = {data["admin"], *(b["advisor"] for b in data["blocks"])}
        featured = data["featured"]
        emails |= {featured["student"], featured["sibling"], featured["guardian"]}
        self.users = {u.email: u for u in User.objects.filter(email__in=emails)}
        self.admin = self.users[data["admin"]]
        self.advisories = {
            s.code: s for s in Section.objects.filter(school=school, kind=Section.Kind.ADVISORY)
        }
        self.categories = {
            c.name: c for c in GoalCategory.objects.filter(school=school, is_active=True)
        }
        self.noon = _at(school, today, "12:00")

    # --- building blocks -------------------------------------------------------------------

    def advisor_of(self, code: str) -> User | None:
        enrollment = (
            Enrollment.objects.filter(
                section=self.advisories[code], role=Enrollment.Role.TEACHER, is_active=True
            )
            .select_related("user")
            .order_by("-is_primary", "id")
            .first()
        )
        return enrollment.user if enrollment else None

    def window(self, spec: dict[str, Any]) -> ConferenceWindow | None:
        if "days_before_today" in spec:
            first = self.today - dt.timedelta(days=spec["days_before_today"])
        else:
            first = self.today + dt.timedelta(days=spec["days_after_today"])
        days = _days(first, spec["days"])
        term = _term_for(self.school, days[0])
        if term is None or (spec["key"] == "past" and days[-1] >= self.today):
            return None
        opens = closes = None
        if spec["mode"] == ConferenceWindow.Mode.BOOKING:
            opens = self.noon - dt.timedelta(days=spec["booking_opened_days_ago"])
            closes = self.noon + dt.timedelta(days=spec["booking_closes_days_after_today"])
        window = svc.window_create(
            actor=self.admin,
            school=self.school,
            term=term,
            name=spec["name"],
            starts_on=days[0],
            ends_on=days[-1],
            mode=spec["mode"],
            booking_opens_at=opens,
            booking_closes_at=closes,
        )
        self.counts["windows"] += 1
        return window

    def slots(self, window: ConferenceWindow, advisors: dict[str, User]) -> None:
        """Blocks first (before booking opened), then back-to-back slots around them."""
        days = _window_days(window)
        before_booking = (window.booking_opens_at or self.noon) - dt.timedelta(days=1)
        by_email = {a.email: a for a in advisors.values()}
        for block in self.data["blocks"]:
            advisor = by_email.get(block["advisor"])
            if advisor is None or block["day"] > len(days):
                continue
            day = days[block["day"] - 1]
            svc.slot_create(
                actor=advisor,
                window=window,
                advisor=advisor,
                starts_at=_at(self.school, day, block["start"]),
                ends_at=_at(self.school, day, block["end"]),
                is_blocked=True,
                block_reason=block["reason"],
                now=before_booking,
            )
        spec = self.data["slots"]
        step = dt.timedelta(minutes=spec["minutes"])
        for code, advisor in advisors.items():
            blocked = list(
                ConferenceSlot.objects.filter(window=window, advisor=advisor, is_blocked=True)
            )
            for day in days:
                cursor = _at(self.school, day, spec["start"])
                end = _at(self.school, day, spec["end"])
                while cursor + step <= end:
                    if not any(b.starts_at < cursor + step and cursor < b.ends_at for b in blocked):
                        svc.slot_create(
                            actor=advisor,
                            window=window,
                            advisor=advisor,
                            starts_at=cursor,
                            ends_at=cursor + step,
                            room=self.data["rooms"].get(code, ""),
                            capacity=spec["capacity"],
                        )
                        self.counts["slots"] += 1
                    cursor += step

    def place(self, conference: Conference, preferred: int) -> ConferenceSlot | None:
        """Schedule into the preferred slot or the next one that has room for the family."""
        slots = list(
            ConferenceSlot.objects.filter(
                window=conference.window, advisor=conference.advisor, is_blocked=False
            ).order_by("starts_at")
        )
        for slot in slots[preferred:] + slots[:preferred]:
            try:
                svc.conference_schedule(actor=conference.advisor, conference=conference, slot=slot)
            except Conflict:
                continue
            return slot
        return None

    def prepare(
        self,
        conference: Conference,
        i: int,
        sections_to_answer: int | None = None,
        next_goals: int = 2,
    ) -> None:
        student = conference.student
        responses = self.data["responses"]
        sections = list(conference.window.template.sections.order_by("order"))
        names = {"advisor": conference.advisor.display_name, "name": student.get_short_name()}
        answers = {
            section.pk: options[i % len(options)].format(**names)
            for section in sections[:sections_to_answer]
            if (options := responses.get(section.kind))
        }
        svc.agenda_items_save(actor=student, conference=conference, responses=answers)
        used = set(
            Conference.objects.filter(student=student)
            .exclude(pk=conference.pk)
            .values_list("work_samples__evidence_id", flat=True)
        )
        picked: list[Evidence] = []
        seen_competencies: set[int] = set()
        for evidence in (
            Evidence.objects.filter(student=student, status=Evidence.Status.ACCEPTED)
            .exclude(pk__in=[u for u in used if u])
            .order_by("-observed_on", "-id")[:30]
        ):
            if evidence.competency_id not in seen_competencies:
                picked.append(evidence)
                seen_competencies.add(evidence.competency_id)
            if len(picked) == 2:
                break
        samples = self.data["samples"]
        for k, evidence in enumerate(picked):
            text = samples[(i + k) % len(samples)]
            svc.work_sample_add(
                actor=student,
                conference=conference,
                evidence=evidence,
                proud_of=text["proud_of"],
                do_differently=text["do_differently"],
            )
        goals = self.data["next_goals"]
        for k in range(next_goals):
            spec = goals[(i + k) % len(goals)]
            svc.next_goal_add(
                actor=student,
                conference=conference,
                title=spec["title"],
                why=spec["why"],
                category=self.categories.get(spec["category"]),
            )

    def review(self, conference: Conference, i: int, *, approve: bool) -> None:
        student = conference.student
        svc.checklist_set(
            actor=student, conference=conference, items=conference.window.template.checklist
        )
        svc.conference_submit(actor=student, conference=conference)
        if approve:
            svc.conference_approve(
                actor=conference.advisor,
                conference=conference,
                comment=f"Well prepared, {student.get_short_name()}. See you there!",
            )

    def hold(self, conference: Conference, i: int, slot: ConferenceSlot) -> None:
        advisor = conference.advisor
        names = {"name": conference.student.get_short_name(), "advisor": advisor.display_name}
        svc.conference_hold(actor=advisor, conference=conference, now=slot.ends_at)
        notes = self.data["notes"]
        svc.conference_notes_save(
            actor=advisor, conference=conference, notes=notes[i % len(notes)].format(**names)
        )
        held_on = self.school.local(slot.starts_at).date()
        for who, texts in self.data["commitments"].items():
            svc.commitment_add(
                actor=advisor,
                conference=conference,
                who=who,
                text=texts[i % len(texts)],
                due_on=held_on + dt.timedelta(days=28),
            )
        summaries = self.data["summaries"]
        svc.conference_summary_save(
            actor=advisor,
            conference=conference,
            summary=summaries[i % len(summaries)].format(**names),
        )
        svc.next_goals_to_drafts(actor=advisor, conference=conference)
        # What the demo pretends happened at the time: emails sent, review days before.
        ConferenceReminder.objects.bulk_create(
            [
                ConferenceReminder(conference=conference, event=event, recipients=[])
                for event in ConferenceReminder.Event.values
            ],
            ignore_conflicts=True,
        )
        Conference.objects.filter(pk=conference.pk).update(
            submitted_at=slot.starts_at - dt.timedelta(days=4),
            approved_at=slot.starts_at - dt.timedelta(days=2),
        )
        Attendee.objects.filter(conference=conference).exclude(role="advisor").update(
            rsvp=Attendee.Rsvp.ACCEPTED, rsvp_at=slot.starts_at - dt.timedelta(days=6)
        )
        self.counts["held"] += 1

    def conferences(self, window: ConferenceWindow, advisors: dict[str, User]) -> list[Conference]:
        for advisor in advisors.values():
            svc.conferences_create_for_window(actor=self.admin, window=window, advisor=advisor)
        return list(
            Conference.objects.filter(window=window)
            .select_related("student", "advisor", "window__template", "window__school")
            .order_by("advisor__family_name", "student__family_name", "student__given_name", "id")
        )

    # --- the two windows -------------------------------------------------------------------

    def past(self, spec: dict[str, Any]) -> None:
        window = self.window(spec)
        if window is None:
            return
        advisors = {c: a for c in spec["advisories"] if (a := self.advisor_of(c)) is not None}
        self.slots(window, advisors)
        for i, conference in enumerate(self.conferences(window, advisors)):
            slot = self.place(conference, i // self.data["slots"]["capacity"])
            if slot is None:
                continue
            self.prepare(conference, i, next_goals=1)
            self.review(conference, i, approve=True)
            self.hold(conference, i, slot)

    def upcoming(self, spec: dict[str, Any]) -> None:
        window = self.window(spec)
        if window is None:
            return
        advisors = {c: a for c in spec["advisories"] if (a := self.advisor_of(c)) is not None}
        self.slots(window, advisors)
        conferences = self.conferences(window, advisors)
        self.counts["upcoming"] = len(conferences)
        featured = self.data["featured"]
        by_email = {c.student.email: c for c in conferences}
        self.book_featured(window, by_email, featured)
        rivera = self.advisor_of("ADV7-RIVERA")
        states = self.data["upcoming_states"]
        share = self.data["upcoming_booked_share"]
        advisees = [c for c in conferences if rivera and c.advisor_id == rivera.pk]
        for i, conference in enumerate(conferences):
            if conference.student.email in (featured["student"], featured["sibling"]):
                continue
            if i % share == 0:
                self.book_by_family(conference, i)
        for i, conference in enumerate(advisees):
            featured_one = conference.student.email == featured["student"]
            state = "preparing" if featured_one else states[i % len(states)]
            self.review_past_commitments(conference, i)
            if state == "scheduled":
                continue
            self.prepare(conference, i, sections_to_answer=5 if featured_one else None)
            self.counts["preparing"] += 1
            if state in ("submitted", "ready"):
                self.review(conference, i, approve=state == "ready")
        self.answer_invitations(window)

    def book_featured(
        self, window: ConferenceWindow, by_email: dict[str, Conference], featured: dict[str, Any]
    ) -> None:
        guardian = self.users[featured["guardian"]]
        days = _window_days(window)
        choices: dict[int, ConferenceSlot] = {}
        for email, pick in zip(
            (featured["student"], featured["sibling"]), featured["upcoming_slots"], strict=True
        ):
            conference = by_email.get(email)
            if conference is None:
                continue
            slot = ConferenceSlot.objects.filter(
                window=window,
                advisor=conference.advisor,
                starts_at=_at(self.school, days[pick["day"] - 1], pick["time"]),
            ).first()
            if slot is not None:
                choices[conference.student_id] = slot
        if choices:
            svc.family_book(
                actor=guardian,
                window=window,
                choices=choices,
                interpreter_language=featured["interpreter_language"],
                now=self.noon,
            )
            self.counts["booked"] += len(choices)

    def book_by_family(self, conference: Conference, i: int) -> None:
        guardian_link = conference.student.guardian_links.filter(is_active=True).order_by("id")
        link = guardian_link.select_related("guardian").first()
        if link is None:
            return
        slots = list(
            ConferenceSlot.objects.filter(
                window=conference.window, advisor=conference.advisor, is_blocked=False
            ).order_by("starts_at")
        )
        start = (i // 2) % max(1, len(slots))
        for slot in slots[start:] + slots[:start]:
            try:
                svc.family_book(
                    actor=link.guardian,
                    window=conference.window,
                    choices={conference.student_id: slot},
                    now=self.noon,
                )
            except Conflict:
                continue
            self.counts["booked"] += 1
            return

    def review_past_commitments(self, conference: Conference, i: int) -> None:
        previous = (
            Conference.objects.filter(student=conference.student, status=S.HELD)
            .exclude(pk=conference.pk)
            .first()
        )
        if previous is None:
            return
        pattern = self.data["kept_pattern"]
        for k, commitment in enumerate(
            Commitment.objects.filter(conference=previous).order_by("who", "id")
        ):
            svc.commitment_review(
                actor=conference.advisor,
                commitment=commitment,
                outcome=pattern[(i + k) % len(pattern)],
            )

    def answer_invitations(self, window: ConferenceWindow) -> None:
        """Most families who booked say they're coming; every fifth asks for another time."""
        attendees = (
            Attendee.objects.filter(
                conference__window=window, conference__slot__isnull=False, role="guardian"
            )
            .select_related("conference", "user")
            .order_by("conference__student__family_name", "id")
        )
        for k, attendee in enumerate(attendees):
            if attendee.user is None:
                continue
            asks = k % 5 == 4
            svc.rsvp_respond(
                actor=attendee.user,
                conference=attendee.conference,
                response=Attendee.Rsvp.ANOTHER_TIME if asks else Attendee.Rsvp.ACCEPTED,
                note=self.data["another_time_note"] if asks else "",
            )


def _already_seeded(names: list[str]) -> bool:
    return ConferenceWindow.objects.filter(
        school__sourced_id=SCHOOL_SOURCED_ID, name__in=names
    ).exists()


def demo_conferences_seed(*, today: dt.date | None = None) -> ConferencesDemoSummary:
    """Add the demo windows and conferences, or do nothing when they exist (one query)."""
    data = demo_data()
    names = [w["name"] for w in data["windows"]]
    if _already_seeded(names):
        return ConferencesDemoSummary(created=False)
    with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
        school = School.objects.select_for_update().filter(sourced_id=SCHOOL_SOURCED_ID).first()
        if school is None or _already_seeded(names):
            return ConferencesDemoSummary(created=False)
        seeder = _Seeder(school, today or school.today(), data)
        for spec in data["windows"]:
            if spec["key"] == "past":
                seeder.past(spec)
            else:
                seeder.upcoming(spec)
    return ConferencesDemoSummary(created=True, counts=seeder.counts)
