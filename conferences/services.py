"""Every write about conferences. Transitions are explicit; an invalid one is refused with a
reason (``code="invalid_transition"``).

scheduled ─(student starts)─▶ preparing ─submit─▶ submitted ─approve─▶ ready ─hold─▶ held
                               ▲                   │
                               └──────return───────┘
any state before held ──cancel──▶ cancelled

The student prepares (answers, work samples, checklist, next-term goals) while scheduled or
preparing; the advisor reviews; at the conference the advisor writes notes and commitments;
after it the summary for the family and, in one action, the next-term goals become the
student's draft goals (through ``goals.services.goal_create``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.dates import plausible_date
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.services import service
from core.tasks import enqueue_after_commit
from goals.models import GoalCategory
from goals.services import goal_create
from mastery.models import Evidence
from profiles.models import GuardianLink, School, Term, User

from .defaults import default_template_write
from .models import (
    AgendaItem,
    Attendee,
    Commitment,
    Conference,
    ConferenceSlot,
    ConferenceTemplate,
    ConferenceWindow,
    NextTermGoal,
    SectionKind,
    TemplateSection,
    WorkSample,
)
from .permissions import (
    can_manage_slots,
    can_prepare_conference,
    can_run_conference,
    is_guardian_of,
    is_school_admin,
)
from .selectors import advisee_pairs

S = Conference.Status
MAX_WORK_SAMPLES = 6
MAX_NEXT_GOALS = 5
PREPARING_STATES = (S.SCHEDULED, S.PREPARING)
OPEN_STATES = (S.SCHEDULED, S.PREPARING, S.SUBMITTED, S.READY)


# --- text and choice checks ------------------------------------------------------------------


def _text(value: Any, *, field: str, limit: int, required: str | None = None) -> str:
    text = str(value if value is not None else "").strip()
    if "\x00" in text:
        raise ValidationFailed("Remove the NUL character from the text.", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"Keep this under {limit} characters.", field=field)
    if required and not text:
        raise ValidationFailed(required, field=field)
    return text


def _transition(conference: Conference, allowed: Iterable[str], action: str) -> None:
    if conference.status not in allowed:
        raise ValidationFailed(
            f"A conference that is {conference.get_status_display().lower()} can't be {action}.",
            code="invalid_transition",
            field="status",
        )


def _lock(conference: Conference) -> Conference:
    return (
        Conference.objects.select_for_update(of=("self",))
        .select_related("window__school", "window__template", "slot", "student", "advisor")
        .get(pk=conference.pk)
    )


def _save(conference: Conference, actor: User, fields: list[str]) -> Conference:
    conference.version = F("version") + 1
    conference.updated_by = actor
    conference.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    conference.refresh_from_db(fields=["version", "updated_at"])
    return conference


def _check_version(current: int, expected: int | None, who: User | None, what: str) -> None:
    if expected is not None and current != expected:
        by = who.display_name if who else "someone else"
        raise Conflict(
            f"{by} changed {what} while you were editing, so nothing was overwritten. "
            "Their version is shown; make your change again."
        )


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# --- the school's default template -----------------------------------------------------------


def conference_template_default_create(*, school: School) -> None:
    """LEARNHUB_SCHOOL_SETUP step: every school starts with the default template. One query
    when it has it; run inside the caller's transaction (the school's creation)."""
    default_template_write(ConferenceTemplate, TemplateSection, school.pk)


def template_for_school(school: School) -> ConferenceTemplate:
    template = ConferenceTemplate.objects.filter(
        school=school, is_default=True, is_active=True
    ).first() or (ConferenceTemplate.objects.filter(school=school, is_active=True).first())
    if template is None:
        raise ValidationFailed(
            "The school has no conference template yet; add one in the admin.", field="template"
        )
    return template


@service
def template_save(*, actor: User, template: ConferenceTemplate) -> ConferenceTemplate:
    """The admin's save of a template: school admins only, for their own school."""
    if not is_school_admin(actor, template.school_id):
        raise NotAllowed("Only the school's admins change its conference templates.")
    template.name = _text(template.name, field="name", limit=128, required="Name the template.")
    if not isinstance(template.checklist, list) or not all(
        isinstance(i, str) and 0 < len(i) <= 200 for i in template.checklist
    ):
        raise ValidationFailed("The checklist is a list of short sentences.", field="checklist")
    if template.is_default:
        ConferenceTemplate.objects.filter(school_id=template.school_id, is_default=True).exclude(
            pk=template.pk
        ).update(is_default=False)
    template.save()
    return template


@service
def template_sections_save(
    *,
    actor: User,
    template: ConferenceTemplate,
    sections: Iterable[TemplateSection],
    deleted: Iterable[TemplateSection] = (),
) -> None:
    """The admin's save of a template's sections (school admins of its school)."""
    if not is_school_admin(actor, template.school_id):
        raise NotAllowed("Only the school's admins change its conference templates.")
    for section in deleted:
        if section.template_id == template.pk:
            section.delete()
    for section in sections:
        section.template = template
        section.title = _text(section.title, field="title", limit=128, required="Name it.")
        section.prompts = section_prompts_clean(section.prompts)
        if section.kind not in SectionKind.values:
            raise ValidationFailed("Pick a kind of section.", field="kind")
        if not 1 <= int(section.minutes) <= 60:
            raise ValidationFailed("A section lasts 1 to 60 minutes.", field="minutes")
        section.save()


def section_prompts_clean(prompts: Any) -> list[str]:
    if not isinstance(prompts, list) or not all(
        isinstance(p, str) and 0 < len(p) <= 500 and "\x00" not in p for p in prompts
    ):
        raise ValidationFailed("Prompts are a list of questions.", field="prompts")
    return [p.strip() for p in prompts]


# --- windows and conferences -----------------------------------------------------------------


@service
def window_save(*, actor: User, window: ConferenceWindow) -> ConferenceWindow:
    """Create or change a window (school admins). The term and template must be the school's."""
    if not is_school_admin(actor, window.school_id):
        raise NotAllowed("Only the school's admins set conference windows.")
    window.name = _text(window.name, field="name", limit=128, required="Name the window.")
    if window.term.school_id != window.school_id:
        raise ValidationFailed("Pick one of the school's terms.", field="term")
    if getattr(window, "template_id", None) is None:
        window.template = template_for_school(window.school)
    elif window.template.school_id != window.school_id:
        raise ValidationFailed("Pick one of the school's templates.", field="template")
    if window.ends_on < window.starts_on:
        raise ValidationFailed("The window ends after it starts.", field="ends_on")
    today = window.school.today()
    plausible_date(window.starts_on, field="starts_on", today=today)
    plausible_date(window.ends_on, field="ends_on", today=today)
    if window.mode not in ConferenceWindow.Mode.values:
        raise ValidationFailed("Choose assigned slots or family booking.", field="mode")
    if window.mode == ConferenceWindow.Mode.BOOKING and window.booking_opens_at is None:
        raise ValidationFailed("Say when booking opens.", field="booking_opens_at")
    if (
        window.booking_opens_at
        and window.booking_closes_at
        and window.booking_closes_at <= window.booking_opens_at
    ):
        raise ValidationFailed("Booking closes after it opens.", field="booking_closes_at")
    try:
        with transaction.atomic():
            window.save()
    except IntegrityError as exc:
        raise Conflict("The school already has a window with that name.") from exc
    return window


def window_create(
    *,
    actor: User,
    school: School,
    term: Term,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    mode: str = ConferenceWindow.Mode.ASSIGNED,
    booking_opens_at: dt.datetime | None = None,
    booking_closes_at: dt.datetime | None = None,
    template: ConferenceTemplate | None = None,
) -> ConferenceWindow:
    window = ConferenceWindow(
        school=school,
        term=term,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        mode=mode,
        booking_opens_at=booking_opens_at,
        booking_closes_at=booking_closes_at,
    )
    if template is not None:
        window.template = template
    return window_save(actor=actor, window=window)


@service
def conferences_create_for_window(
    *, actor: User, window: ConferenceWindow, advisor: User | None = None
) -> list[Conference]:
    """A conference for every advisee (of ``advisor``, or of everyone for a school admin),
    with the student, their guardians and the advisor as attendees. Students who already have
    one in the window are left alone, so running it twice creates nothing twice."""
    if (advisor is None or advisor.pk != actor.pk) and not is_school_admin(actor, window.school_id):
        raise NotAllowed("Advisors create their advisees' conferences; admins everyone's.")
    pairs = advisee_pairs(school_id=window.school_id, advisor=advisor)
    existing = set(Conference.objects.filter(window=window).values_list("student_id", flat=True))
    missing = [(s, a) for s, a in pairs if s not in existing]
    created = Conference.objects.bulk_create(
        [
            Conference(window=window, student_id=s, advisor_id=a, updated_by=actor)
            for s, a in missing
        ]
    )
    guardians: dict[int, list[int]] = {}
    for student_id, guardian_id in GuardianLink.objects.filter(
        student_id__in=[s for s, _ in missing], is_active=True, guardian__is_active=True
    ).values_list("student_id", "guardian_id"):
        guardians.setdefault(student_id, []).append(guardian_id)
    attendees = []
    for conference in created:
        attendees.append(
            Attendee(conference=conference, user_id=conference.student_id, role="student")
        )
        attendees.extend(
            Attendee(conference=conference, user_id=g, role="guardian")
            for g in guardians.get(conference.student_id, [])
        )
        attendees.append(
            Attendee(
                conference=conference,
                user_id=conference.advisor_id,
                role="advisor",
                rsvp=Attendee.Rsvp.ACCEPTED,
            )
        )
    Attendee.objects.bulk_create(attendees)
    return created


# --- slots, blocks and scheduling ------------------------------------------------------------


def _overlapping(advisor_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> Any:
    return ConferenceSlot.objects.filter(
        advisor_id=advisor_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )


@service
def slot_create(
    *,
    actor: User,
    window: ConferenceWindow,
    advisor: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: str = "",
    capacity: int = 1,
    is_blocked: bool = False,
    block_reason: str = "",
    now: dt.datetime | None = None,
) -> ConferenceSlot:
    """A slot for up to ``capacity`` families at once, or (``is_blocked``) a time the advisor is
    away, which only works before booking opens. An advisor is never in two slots at once."""
    if not can_manage_slots(actor, advisor_id=advisor.pk, school_id=window.school_id):
        raise NotAllowed("Advisors keep their own slots; school admins keep everyone's.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed("Give the times with a time zone.", field="starts_at")
    if ends_at <= starts_at:
        raise ValidationFailed("A slot ends after it starts.", field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=12):
        raise ValidationFailed("Keep a slot under 12 hours.", field="ends_at")
    tz = window.school.tzinfo
    plausible_date(starts_at.astimezone(tz).date(), field="starts_at", today=window.school.today())
    if not (
        window.starts_on <= starts_at.astimezone(tz).date() <= window.ends_on
        or is_blocked  # a block may start before the window (away all week)
    ):
        raise ValidationFailed(
            f"Slots fall within the window ({window.starts_on:%b %-d}–{window.ends_on:%b %-d}).",
            field="starts_at",
        )
    if not 1 <= int(capacity) <= 12:
        raise ValidationFailed("Capacity is from 1 to 12 families.", field="capacity")
    if is_blocked and not window.booking_not_yet_open(_now(now)):
        raise ValidationFailed(
            "Block your away times before booking opens; ask the office to move families now.",
            code="booking_open",
            field="is_blocked",
        )
    clash = _overlapping(advisor.pk, starts_at, ends_at).first()
    if clash is not None:
        local = window.school.local(clash.starts_at)
        what = "blocked time" if clash.is_blocked else "slot"
        raise Conflict(
            f"{advisor.display_name} already has a {what} at {local:%a %b %-d, %-I:%M %p}: "
            "an advisor can't be in two places at once."
        )
    slot = ConferenceSlot(
        window=window,
        advisor=advisor,
        starts_at=starts_at,
        ends_at=ends_at,
        room=_text(room, field="room", limit=64),
        capacity=int(capacity),
        is_blocked=is_blocked,
        block_reason=_text(block_reason, field="block_reason", limit=200),
    )
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError as exc:  # a concurrent slot won the race
        raise Conflict(
            f"{advisor.display_name} already has a slot then: an advisor can't be in two "
            "places at once."
        ) from exc
    return slot


@service
def slots_generate(
    *,
    actor: User,
    window: ConferenceWindow,
    advisor: User,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    minutes: int,
    room: str = "",
    capacity: int = 1,
) -> list[ConferenceSlot]:
    """Back-to-back slots on one day between ``start`` and ``end`` (school time), all or none."""
    if not 10 <= int(minutes) <= 120:
        raise ValidationFailed("Slots are 10 to 120 minutes long.", field="minutes")
    tz = window.school.tzinfo
    cursor = dt.datetime.combine(day, start, tzinfo=tz)
    stop = dt.datetime.combine(day, end, tzinfo=tz)
    if stop <= cursor:
        raise ValidationFailed("The last slot ends after the first begins.", field="end")
    slots: list[ConferenceSlot] = []
    while cursor + dt.timedelta(minutes=minutes) <= stop and len(slots) < 48:
        slots.append(
            slot_create(
                actor=actor,
                window=window,
                advisor=advisor,
                starts_at=cursor,
                ends_at=cursor + dt.timedelta(minutes=minutes),
                room=room,
                capacity=capacity,
            )
        )
        cursor += dt.timedelta(minutes=minutes)
    if not slots:
        raise ValidationFailed("No slot fits between those times.", field="end")
    return slots


@service
def slot_update(*, actor: User, slot: ConferenceSlot, room: str, capacity: int) -> ConferenceSlot:
    """Change a slot's room or capacity (never below the families already booked in it)."""
    if not can_manage_slots(actor, advisor_id=slot.advisor_id, school_id=slot.window.school_id):
        raise NotAllowed("Advisors keep their own slots; school admins keep everyone's.")
    if not 1 <= int(capacity) <= 12:
        raise ValidationFailed("Capacity is from 1 to 12 families.", field="capacity")
    booked = slot.conferences.exclude(status=S.CANCELLED).count()
    if int(capacity) < booked:
        raise ValidationFailed(
            f"{booked} families are booked in this slot already.", field="capacity"
        )
    slot.room = _text(room, field="room", limit=64)
    slot.capacity = int(capacity)
    slot.save(update_fields=["room", "capacity"])
    return slot


@service
def slot_delete(*, actor: User, slot: ConferenceSlot) -> None:
    if not can_manage_slots(actor, advisor_id=slot.advisor_id, school_id=slot.window.school_id):
        raise NotAllowed("Advisors keep their own slots; school admins keep everyone's.")
    if slot.conferences.exclude(status=S.CANCELLED).exists():
        raise ValidationFailed(
            "Families are booked in this slot: move them first.", code="slot_in_use"
        )
    slot.delete()


def _family_clash_message(conference: Conference) -> str:
    return (
        f"Someone in {conference.student.get_short_name()}'s family already has a conference "
        "at that time: siblings' conferences never overlap. Pick another time."
    )


def _place(conference: Conference, slot: ConferenceSlot | None) -> None:
    """Put a locked conference in a slot (or none) and move its people's times with it."""
    if slot is not None:
        if slot.window_id != conference.window_id:
            raise ValidationFailed("Pick a slot of this conference's window.", field="slot")
        if slot.advisor_id != conference.advisor_id:
            raise ValidationFailed(
                f"Pick one of {conference.advisor.display_name}'s slots.", field="slot"
            )
        if slot.is_blocked:
            raise ValidationFailed("The advisor is away then.", field="slot")
        locked = ConferenceSlot.objects.select_for_update().get(pk=slot.pk)
        taken = (
            Conference.objects.filter(slot=locked)
            .exclude(status=S.CANCELLED)
            .exclude(pk=conference.pk)
            .count()
        )
        if taken >= locked.capacity:
            raise Conflict("That time is full now; pick another.")
    moved = conference.slot_id != (slot.pk if slot else None)
    conference.slot = slot
    conference.save(update_fields=["slot", "updated_at"])
    try:
        with transaction.atomic():
            Attendee.objects.filter(conference=conference).update(
                starts_at=slot.starts_at if slot else None,
                ends_at=slot.ends_at if slot else None,
            )
            if moved:
                Attendee.objects.filter(conference=conference).exclude(role="advisor").update(
                    rsvp=Attendee.Rsvp.PENDING, rsvp_at=None
                )
    except IntegrityError as exc:
        raise Conflict(_family_clash_message(conference), code="family_overlap") from exc


@service
def conference_schedule(
    *, actor: User, conference: Conference, slot: ConferenceSlot | None
) -> Conference:
    """The school (advisor or admin) puts a conference in a slot, or takes it out of one."""
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor and the school's admins schedule conferences.")
    _transition(conference, OPEN_STATES, "scheduled")
    _place(conference, slot)
    conference = _save(conference, actor, [])
    if slot is not None:
        from .tasks import conference_reminder_task

        enqueue_after_commit(conference_reminder_task, conference.pk, "invitation")
    return conference


@service
def family_book(
    *,
    actor: User,
    window: ConferenceWindow,
    choices: Mapping[int, ConferenceSlot],
    interpreter_language: str | None = None,
    now: dt.datetime | None = None,
) -> list[Conference]:
    """A family books its children's conferences together (student id → slot). The times must
    not overlap, so siblings are side by side; the database refuses overlaps as well."""
    if not window.booking_open(_now(now)):
        raise ValidationFailed(
            "Booking isn't open for this window.", code="booking_closed", field="window"
        )
    if not choices:
        raise ValidationFailed("Pick a time for each child.", field="slots")
    for student_id in choices:
        if not is_guardian_of(actor, student_id):
            raise NotAllowed("Families book their own children's conferences.")
    ordered = sorted(choices.items(), key=lambda kv: kv[1].starts_at)
    for (_, a), (_, b) in itertools.pairwise(ordered):
        if b.starts_at < a.ends_at:
            raise Conflict(
                "Two of your children's times overlap: pick times side by side.",
                code="family_overlap",
            )
    language = (
        None
        if interpreter_language is None
        else _text(interpreter_language, field="interpreter_language", limit=64)
    )
    booked = []
    # Clear the family's current times first so they can swap times between siblings.
    conferences = {
        c.student_id: c
        for c in Conference.objects.select_for_update(of=("self",))
        .select_related("window__school", "slot", "student", "advisor")
        .filter(window=window, student_id__in=list(choices))
    }
    for student_id, _ in ordered:
        conference = conferences.get(student_id)
        if conference is None:
            raise NotFound("That child has no conference in this window.")
        _transition(conference, OPEN_STATES, "booked")
    Attendee.objects.filter(conference__in=list(conferences.values())).update(
        starts_at=None, ends_at=None
    )
    for student_id, slot in ordered:
        conference = conferences[student_id]
        _place(conference, slot)
        if language is not None:
            conference.interpreter_language = language
        booked.append(_save(conference, actor, ["interpreter_language"]))
        from .tasks import conference_reminder_task

        enqueue_after_commit(conference_reminder_task, conference.pk, "invitation")
    return booked


@service
def rsvp_respond(*, actor: User, conference: Conference, response: str, note: str = "") -> Attendee:
    """An attendee answers the invitation: coming, or asking for another time with a note."""
    conference = _lock(conference)
    attendee = Attendee.objects.filter(conference=conference, user=actor).first()
    if attendee is None or attendee.role == Attendee.Role.ADVISOR:
        raise NotAllowed("Only the people invited answer the invitation.")
    _transition(conference, OPEN_STATES, "answered")
    if conference.slot_id is None:
        raise ValidationFailed("There is no time to answer yet.", field="response")
    if response not in (Attendee.Rsvp.ACCEPTED, Attendee.Rsvp.ANOTHER_TIME):
        raise ValidationFailed("Say you're coming, or ask for another time.", field="response")
    text = _text(note, field="note", limit=500)
    if response == Attendee.Rsvp.ANOTHER_TIME and not text:
        raise ValidationFailed("Say which times would work better.", field="note")
    attendee.rsvp = response
    attendee.rsvp_note = text
    attendee.rsvp_at = timezone.now()
    attendee.save(update_fields=["rsvp", "rsvp_note", "rsvp_at"])
    return attendee


@service
def interpreter_request(*, actor: User, conference: Conference, language: str) -> Conference:
    """A family asks for an interpreter in a language (empty to take the request back)."""
    conference = _lock(conference)
    if not is_guardian_of(actor, conference.student_id) and not can_run_conference(
        actor, conference
    ):
        raise NotAllowed("The family (or the advisor for them) asks for an interpreter.")
    _transition(conference, OPEN_STATES, "changed")
    conference.interpreter_language = _text(language, field="language", limit=64)
    return _save(conference, actor, ["interpreter_language"])


@service
def attendee_invite(*, actor: User, conference: Conference, name: str, email: str = "") -> Attendee:
    """The student or the advisor invites someone else (a coach, a grandparent)."""
    conference = _lock(conference)
    if not (can_prepare_conference(actor, conference) or can_run_conference(actor, conference)):
        raise NotAllowed("The student and the advisor invite others.")
    _transition(conference, OPEN_STATES, "changed")
    clean_name = _text(name, field="name", limit=150, required="Give their name.")
    clean_email = _text(email, field="email", limit=254)
    if clean_email and "@" not in clean_email:
        raise ValidationFailed("That email address looks wrong.", field="email")
    if conference.attendees.filter(role=Attendee.Role.OTHER).count() >= 6:
        raise ValidationFailed("Invite up to six others.", field="name")
    return Attendee.objects.create(
        conference=conference,
        name=clean_name,
        email=clean_email,
        role=Attendee.Role.OTHER,
        starts_at=None,
        ends_at=None,
    )


# --- the student prepares --------------------------------------------------------------------


def _start_preparing(conference: Conference, actor: User) -> None:
    if not can_prepare_conference(actor, conference):
        raise NotAllowed("Only the student prepares their conference.")
    _transition(conference, PREPARING_STATES, "changed now (it has gone to your advisor)")
    if conference.status == S.SCHEDULED:
        conference.status = S.PREPARING
        _save(conference, actor, ["status"])


@service
def agenda_item_save(
    *,
    actor: User,
    conference: Conference,
    section: TemplateSection,
    response: str,
    expected_version: int | None = None,
) -> AgendaItem:
    """The student writes their answer to one section's prompts. Two tabs editing the same
    section: the later save based on an older version is a conflict."""
    conference = _lock(conference)
    _start_preparing(conference, actor)
    if section.template_id != conference.window.template_id:
        raise ValidationFailed("That section isn't on this agenda.", field="section")
    text = _text(response, field="response", limit=4000)
    item, created = AgendaItem.objects.select_for_update().get_or_create(
        conference=conference, section=section
    )
    if not created:
        _check_version(item.version, expected_version, None, "this section")
        item.version = F("version") + 1
    item.response = text
    item.save(update_fields=["response", "version", "updated_at"])
    item.refresh_from_db(fields=["version"])
    return item


@service
def agenda_items_save(
    *, actor: User, conference: Conference, responses: Mapping[int, str]
) -> list[AgendaItem]:
    """The student saves several sections at once (section id → answer): one "save all"."""
    conference = _lock(conference)
    _start_preparing(conference, actor)
    sections = {
        s.pk: s for s in TemplateSection.objects.filter(template_id=conference.window.template_id)
    }
    if set(responses) - set(sections):
        raise ValidationFailed("That section isn't on this agenda.", field="section")
    existing = {
        i.section_id: i
        for i in AgendaItem.objects.select_for_update().filter(
            conference=conference, section_id__in=list(responses)
        )
    }
    fresh, changed = [], []
    for section_id, response in responses.items():
        text = _text(response, field="response", limit=4000)
        item = existing.get(section_id)
        if item is None:
            fresh.append(AgendaItem(conference=conference, section_id=section_id, response=text))
        else:
            item.response = text
            item.version += 1
            changed.append(item)
    AgendaItem.objects.bulk_create(fresh)
    AgendaItem.objects.bulk_update(changed, ["response", "version"])
    return [*fresh, *changed]


def _student_evidence(conference: Conference, evidence: Evidence) -> Evidence:
    if evidence.student_id != conference.student_id or evidence.status == "returned":
        raise ValidationFailed("Pick a piece of your own evidence.", field="evidence")
    return evidence


@service
def work_sample_add(
    *,
    actor: User,
    conference: Conference,
    evidence: Evidence,
    proud_of: str = "",
    do_differently: str = "",
) -> WorkSample:
    conference = _lock(conference)
    _start_preparing(conference, actor)
    _student_evidence(conference, evidence)
    count = conference.work_samples.count()
    if count >= MAX_WORK_SAMPLES:
        raise ValidationFailed(
            f"Pick up to {MAX_WORK_SAMPLES} work samples: the ones that show the most.",
            field="evidence",
        )
    if conference.work_samples.filter(evidence=evidence).exists():
        raise ValidationFailed("You already picked that one.", field="evidence")
    return WorkSample.objects.create(
        conference=conference,
        evidence=evidence,
        proud_of=_text(proud_of, field="proud_of", limit=2000),
        do_differently=_text(do_differently, field="do_differently", limit=2000),
        order=count,
    )


@service
def work_sample_update(
    *, actor: User, sample: WorkSample, proud_of: str, do_differently: str
) -> WorkSample:
    conference = _lock(sample.conference)
    _start_preparing(conference, actor)
    sample.proud_of = _text(proud_of, field="proud_of", limit=2000)
    sample.do_differently = _text(do_differently, field="do_differently", limit=2000)
    sample.save(update_fields=["proud_of", "do_differently"])
    return sample


@service
def work_sample_remove(*, actor: User, sample: WorkSample) -> None:
    conference = _lock(sample.conference)
    _start_preparing(conference, actor)
    sample.delete()


@service
def checklist_set(*, actor: User, conference: Conference, items: Iterable[str]) -> Conference:
    """The rehearsal checklist: the items the student has ticked (from the template's list).
    Rehearsing goes on until the conference is held, so this works after submitting too."""
    conference = _lock(conference)
    if not can_prepare_conference(actor, conference):
        raise NotAllowed("Only the student ticks their rehearsal checklist.")
    _transition(conference, OPEN_STATES, "changed")
    allowed = list(conference.window.template.checklist)
    ticked = [i for i in allowed if i in set(items)]
    unknown = set(items) - set(allowed)
    if unknown:
        raise ValidationFailed("Tick items from the checklist.", field="items")
    conference.checklist = ticked
    return _save(conference, actor, ["checklist"])


@service
def next_goal_add(
    *,
    actor: User,
    conference: Conference,
    title: str,
    why: str = "",
    category: GoalCategory | None = None,
) -> NextTermGoal:
    """A goal for next term: the student names it while preparing; the advisor may add one the
    student agreed to, up to and at the conference, until they are turned into drafts."""
    conference = _lock(conference)
    if can_run_conference(actor, conference):
        _transition(conference, (*OPEN_STATES, S.HELD), "given goals")
        if conference.goals_created_at is not None:
            raise ValidationFailed(
                "The next-term goals were already turned into drafts.",
                code="invalid_transition",
                field="status",
            )
    elif can_prepare_conference(actor, conference):
        _start_preparing(conference, actor)
    else:
        raise NotAllowed("The student (or their advisor) names next-term goals.")
    if category is not None and category.school_id != conference.window.school_id:
        raise ValidationFailed("Pick one of the school's categories.", field="category")
    if conference.next_goals.count() >= MAX_NEXT_GOALS:
        raise ValidationFailed(f"Name up to {MAX_NEXT_GOALS} goals.", field="title")
    return NextTermGoal.objects.create(
        conference=conference,
        title=_text(title, field="title", limit=200, required="Name the goal."),
        why=_text(why, field="why", limit=2000),
        category=category,
    )


@service
def next_goal_remove(*, actor: User, goal: NextTermGoal) -> None:
    conference = _lock(goal.conference)
    _start_preparing(conference, actor)
    goal.delete()


@service
def conference_submit(*, actor: User, conference: Conference) -> Conference:
    """The student sends their prepared agenda to the advisor for review."""
    conference = _lock(conference)
    if not can_prepare_conference(actor, conference):
        raise NotAllowed("Only the student submits their conference for review.")
    if conference.status == S.SCHEDULED:
        raise ValidationFailed(
            "Prepare at least one section before submitting it for review.",
            code="invalid_transition",
            field="status",
        )
    _transition(conference, [S.PREPARING], "submitted for review")
    conference.status = S.SUBMITTED
    conference.submitted_at = timezone.now()
    return _save(conference, actor, ["status", "submitted_at"])


@service
def conference_return(
    *,
    actor: User,
    conference: Conference,
    comment: str,
    section_comments: Mapping[int, str] | None = None,
) -> Conference:
    """The advisor sends the agenda back with a comment (and per-section comments)."""
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor reviews the agenda.")
    text = _text(comment, field="comment", limit=4000, required="Say what to change first.")
    _transition(conference, [S.SUBMITTED], "returned")
    _section_comments(conference, section_comments or {})
    conference.status = S.PREPARING
    conference.review_comment = text
    return _save(conference, actor, ["status", "review_comment"])


def _section_comments(conference: Conference, comments: Mapping[int, str]) -> None:
    sections = {s.pk: s for s in conference.window.template.sections.all()}
    for section_id, comment in comments.items():
        section = sections.get(int(section_id))
        if section is None:
            raise ValidationFailed("That section isn't on this agenda.", field="section_comments")
        text = _text(comment, field="section_comments", limit=2000)
        item, _ = AgendaItem.objects.get_or_create(conference=conference, section=section)
        item.advisor_comment = text
        item.save(update_fields=["advisor_comment", "updated_at"])


@service
def conference_approve(
    *,
    actor: User,
    conference: Conference,
    comment: str = "",
    section_comments: Mapping[int, str] | None = None,
) -> Conference:
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor approves the agenda.")
    text = _text(comment, field="comment", limit=4000)
    _transition(conference, [S.SUBMITTED], "approved")
    _section_comments(conference, section_comments or {})
    conference.status = S.READY
    conference.approved_at = timezone.now()
    conference.review_comment = text
    return _save(conference, actor, ["status", "approved_at", "review_comment"])


@service
def conference_hold(
    *, actor: User, conference: Conference, now: dt.datetime | None = None
) -> Conference:
    """The conference took place (from ready, once its time has come)."""
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor marks the conference held.")
    _transition(conference, [S.READY], "marked held")
    moment = _now(now)
    if conference.slot is None:
        raise ValidationFailed(
            "Schedule the conference first.", code="invalid_transition", field="status"
        )
    if conference.slot.starts_at > moment:
        raise ValidationFailed(
            "The conference hasn't started yet.", code="invalid_transition", field="status"
        )
    conference.status = S.HELD
    conference.held_at = moment
    return _save(conference, actor, ["status", "held_at"])


@service
def conference_cancel(*, actor: User, conference: Conference, reason: str = "") -> Conference:
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor and the school's admins cancel conferences.")
    _transition(conference, OPEN_STATES, "cancelled")
    conference.status = S.CANCELLED
    conference.review_comment = _text(reason, field="reason", limit=4000)
    Attendee.objects.filter(conference=conference).update(is_active=False)
    return _save(conference, actor, ["status", "review_comment"])


# --- during and after ------------------------------------------------------------------------


@service
def conference_notes_save(
    *, actor: User, conference: Conference, notes: str, expected_version: int | None = None
) -> Conference:
    """The advisor's notes during the conference (and after it)."""
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor keeps the notes.")
    _transition(conference, [S.READY, S.HELD], "given notes yet")
    _check_version(conference.version, expected_version, conference.updated_by, "the notes")
    conference.notes = _text(notes, field="notes", limit=10000)
    return _save(conference, actor, ["notes"])


@service
def conference_summary_save(
    *, actor: User, conference: Conference, summary: str, expected_version: int | None = None
) -> Conference:
    """The summary for the family, after the conference; it is emailed to them once."""
    conference = _lock(conference)
    if not can_run_conference(actor, conference):
        raise NotAllowed("The advisor writes the summary.")
    _transition(conference, [S.HELD], "summarised before it is held")
    _check_version(conference.version, expected_version, conference.updated_by, "the summary")
    conference.summary = _text(summary, field="summary", limit=6000)
    conference = _save(conference, actor, ["summary"])
    if conference.summary:
        from .tasks import conference_reminder_task

        enqueue_after_commit(conference_reminder_task, conference.pk, "summary")
    return conference


@service
def commitment_add(
    *,
    actor: User,
    conference: Conference,
    who: str,
    text: str,
    due_on: dt.date | None = None,
) -> Commitment:
    """Who will do what by when: written at the conference by the advisor or the student."""
    conference = _lock(conference)
    if not (can_run_conference(actor, conference) or can_prepare_conference(actor, conference)):
        raise NotAllowed("The advisor and the student write the commitments.")
    _transition(conference, [S.READY, S.HELD], "given commitments yet")
    if who not in Commitment.Who.values:
        raise ValidationFailed("Say who commits: student, family or advisor.", field="who")
    if due_on is not None and not isinstance(due_on, dt.date):
        raise ValidationFailed("Give a date.", field="due_on")
    if due_on is not None:
        plausible_date(due_on, field="due_on", today=conference.window.school.today())
    if conference.commitments.count() >= 20:
        raise ValidationFailed("Keep it to twenty commitments.", field="text")
    return Commitment.objects.create(
        conference=conference,
        who=who,
        text=_text(text, field="text", limit=500, required="Say what will be done."),
        due_on=due_on,
    )


@service
def commitment_review(*, actor: User, commitment: Commitment, outcome: str) -> Commitment:
    """At the next conference (or any time after), a commitment is marked kept or not."""
    conference = commitment.conference
    if not (can_run_conference(actor, conference) or can_prepare_conference(actor, conference)):
        raise NotAllowed("The advisor and the student review commitments.")
    if conference.status != S.HELD:
        raise ValidationFailed(
            "Commitments are reviewed after their conference is held.",
            code="invalid_transition",
            field="outcome",
        )
    if outcome not in Commitment.Outcome.values:
        raise ValidationFailed("Choose kept, not kept or not reviewed yet.", field="outcome")
    commitment.outcome = outcome
    commitment.reviewed_at = None if outcome == Commitment.Outcome.OPEN else timezone.now()
    commitment.save(update_fields=["outcome", "reviewed_at"])
    return commitment


@service
def next_goals_to_drafts(*, actor: User, conference: Conference) -> list[Any]:
    """After the conference, each next-term goal becomes one of the student's draft goals, in
    one action, through ``goals.services.goal_create``. Each is turned once."""
    conference = _lock(conference)
    if not (can_run_conference(actor, conference) or can_prepare_conference(actor, conference)):
        raise NotAllowed("The advisor and the student turn next goals into drafts.")
    _transition(conference, [S.HELD], "turned into goals before it is held")
    pending = list(
        NextTermGoal.objects.select_for_update(of=("self",))
        .filter(conference=conference, goal__isnull=True)
        .select_related("category")
    )
    if not pending:
        raise ValidationFailed(
            "There are no next-term goals left to turn into drafts.", field="next_goals"
        )
    created = []
    for next_goal in pending:
        goal = goal_create(
            actor=conference.student,  # the student's own drafts, to propose when ready
            student=conference.student,
            title=next_goal.title,
            why=next_goal.why,
            category=next_goal.category,
        )
        next_goal.goal = goal
        next_goal.save(update_fields=["goal"])
        created.append(goal)
    conference.goals_created_at = timezone.now()
    _save(conference, actor, ["goals_created_at"])
    return created


def conference_counts(window: ConferenceWindow) -> dict[str, int]:
    return dict(
        Conference.objects.filter(window=window)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def students_with_guardian(guardian: User) -> Q:
    return Q(
        student_id__in=GuardianLink.objects.filter(guardian=guardian, is_active=True).values(
            "student_id"
        )
    )
