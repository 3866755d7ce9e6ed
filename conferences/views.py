"""Conference pages: the teacher's schedule and review, the student's preparation and lead
mode, the family's invitation, booking, agenda and summary, and the printable agenda and
summary. Thin: parse a form, call a service or a selector, render. A refused or invalid POST
re-renders its page with the service's sentence and a 4xx status."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound, ValidationFailed
from goals.models import GoalCategory
from mastery.models import Evidence
from profiles.access import AuthenticatedHttpRequest, request_user, role_required
from profiles.models import Role, User
from profiles.permissions import roles_of

from . import services as svc
from .forms import (
    BlockForm,
    CancelForm,
    CommitmentForm,
    CommitmentReviewForm,
    InterpreterForm,
    InviteForm,
    NextGoalForm,
    NotesForm,
    ReviewForm,
    RsvpForm,
    SampleAddForm,
    SampleUpdateForm,
    SectionForm,
    SlotsForm,
    SummaryForm,
)
from .models import Commitment, Conference, ConferenceSlot, NextTermGoal, WorkSample
from .permissions import can_prepare_conference, can_run_conference, is_guardian_of
from .selectors import (
    agenda_assemble,
    conference_current_for_student,
    conference_get_for_viewer,
    default_window,
    evidence_to_pick,
    family_conferences_for,
    schedule_for_teacher,
    schedule_windows_for,
)

S = Conference.Status
STATUS_STEPS = [
    (S.SCHEDULED, "Scheduled"),
    (S.PREPARING, "Preparing"),
    (S.SUBMITTED, "Submitted for review"),
    (S.READY, "Ready"),
    (S.HELD, "Held"),
]


def _conference(request: AuthenticatedHttpRequest, pk: int) -> Conference:
    try:
        return conference_get_for_viewer(viewer=request.user, conference_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _status_of(error: DomainError) -> int:
    return {"conflict": 409, "not_allowed": 403}.get(error.code, error.status)


def _steps(conference: Conference) -> list[dict[str, Any]]:
    order: list[str] = [s.value for s, _ in STATUS_STEPS]
    here = order.index(conference.status) if conference.status in order else -1
    return [
        {"label": label, "state": "done" if i < here else "current" if i == here else "todo"}
        for i, (_, label) in enumerate(STATUS_STEPS)
    ]


# --- teacher ---------------------------------------------------------------------------------


@role_required(Role.TEACHER)
def schedule(
    request: AuthenticatedHttpRequest,
    *,
    error: str | None = None,
    status: int = 200,
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    """A window's schedule: slots by day with families, RSVPs, interpreters and conflicts;
    each advisee's preparation status; slot and block forms."""
    viewer = request_user(request)
    windows = schedule_windows_for(viewer=viewer)
    chosen = request.GET.get("window") or request.POST.get("window")
    window = next((w for w in windows if str(w.pk) == chosen), None)
    if window is None and windows:
        window = default_window(windows, windows[0].school.today())
    board = schedule_for_teacher(viewer=viewer, window=window, windows=windows) if window else None
    forms = forms or {}
    day = window.starts_on if window else None
    return render(
        request,
        "conferences/schedule.html",
        {
            "board": board,
            "window": window,
            "windows": windows,
            "error": error,
            "booking_not_open": window.booking_not_yet_open(timezone.now()) if window else False,
            "slots_form": forms.get("slots")
            or SlotsForm(initial={"day": day, "start": "15:00", "end": "18:00", "minutes": 30}),
            "block_form": forms.get("block") or BlockForm(initial={"day": day}),
        },
        status=status,
    )


@role_required(Role.TEACHER)
@require_POST
def schedule_slots(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Generate slots, block a time, delete a slot, or create the advisees' conferences."""
    viewer = request_user(request)
    windows = schedule_windows_for(viewer=viewer)
    window = next((w for w in windows if str(w.pk) == request.POST.get("window")), None)
    if window is None:
        raise Http404("No such conference window.")
    action = request.POST.get("action", "")
    forms: dict[str, Any] = {}
    try:
        if action == "generate":
            form = SlotsForm(request.POST)
            forms["slots"] = form
            if not form.is_valid():
                raise ValidationFailed("Check the slot times.")
            d = form.cleaned_data
            made = svc.slots_generate(
                actor=viewer,
                window=window,
                advisor=viewer,
                day=d["day"],
                start=d["start"],
                end=d["end"],
                minutes=d["minutes"],
                room=d["room"],
                capacity=d["capacity"],
            )
            messages.success(request, f"Added {len(made)} slots.")
        elif action == "block":
            block = BlockForm(request.POST)
            forms["block"] = block
            if not block.is_valid():
                raise ValidationFailed("Check the times you are away.")
            d = block.cleaned_data
            tz = window.school.tzinfo
            svc.slot_create(
                actor=viewer,
                window=window,
                advisor=viewer,
                starts_at=dt.datetime.combine(d["day"], d["start"], tzinfo=tz),
                ends_at=dt.datetime.combine(d["day"], d["end"], tzinfo=tz),
                is_blocked=True,
                block_reason=d["reason"],
            )
            messages.success(request, "Blocked: families can't book that time.")
        elif action == "delete":
            slot = ConferenceSlot.objects.filter(
                pk=_int(request.POST.get("slot")), window=window
            ).first()
            if slot is None:
                raise ValidationFailed("No such slot.")
            svc.slot_delete(actor=viewer, slot=slot)
            messages.success(request, "Slot removed.")
        elif action == "create":
            made_conferences = svc.conferences_create_for_window(
                actor=viewer, window=window, advisor=viewer
            )
            messages.success(request, f"Created {len(made_conferences)} conferences.")
        else:
            raise ValidationFailed("Unknown action.")
    except DomainError as exc:
        return schedule(request, error=exc.message, status=_status_of(exc), forms=forms)
    return redirect(f"{reverse('conference-schedule')}?window={window.pk}")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _review_context(request: AuthenticatedHttpRequest, conference: Conference) -> dict[str, Any]:
    agenda = agenda_assemble(viewer=request.user, conference=conference)
    slots = list(
        ConferenceSlot.objects.filter(
            window=conference.window, advisor=conference.advisor, is_blocked=False
        ).order_by("starts_at")
    )
    # Full for this conference: others (not cancelled) fill it; its own slot is never "full".
    others = ~Q(status=Conference.Status.CANCELLED) & ~Q(pk=conference.pk)
    taken = Counter(
        Conference.objects.filter(others, slot__in=slots).values_list("slot_id", flat=True)
    )
    return {
        "conference": conference,
        "agenda": agenda,
        "steps": _steps(conference),
        "review_form": ReviewForm(),
        "notes_form": NotesForm(initial={"notes": conference.notes, "version": conference.version}),
        "summary_form": SummaryForm(
            initial={"summary": conference.summary, "version": conference.version}
        ),
        "commitment_form": CommitmentForm(),
        "cancel_form": CancelForm(),
        "invite_form": InviteForm(),
        "slots": slots,
        "full_slots": {s.pk for s in slots if taken[s.pk] >= s.capacity},
        "pending_goals": [g for g in agenda.next_goals if g.goal_id is None],
    }


@role_required(Role.TEACHER)
def review(
    request: AuthenticatedHttpRequest, pk: int, *, error: str | None = None, status: int = 200
) -> HttpResponse:
    """One conference for its advisor: review the agenda (return with comments or approve),
    notes and commitments during it, the summary and next-term drafts after it."""
    conference = _conference(request, pk)
    if not can_run_conference(request.user, conference):
        raise PermissionDenied("This conference is run by its advisor.")
    context = _review_context(request, conference)
    context["error"] = error
    return render(request, "conferences/review.html", context, status=status)


# --- student ---------------------------------------------------------------------------------


def _prepare_context(request: AuthenticatedHttpRequest, conference: Conference) -> dict[str, Any]:
    agenda = agenda_assemble(viewer=request.user, conference=conference)
    return {
        "conference": conference,
        "agenda": agenda,
        "steps": _steps(conference),
        "editable": conference.status in svc.PREPARING_STATES,
        "evidence": evidence_to_pick(conference=conference),
        "sample_form": SampleAddForm(),
        "goal_form": NextGoalForm(),
        "invite_form": InviteForm(),
        "categories": list(
            GoalCategory.objects.filter(school_id=conference.window.school_id, is_active=True)
        ),
        "me": next((a for a in agenda.attendees if a.user_id == conference.student_id), None),
        "rsvp_form": RsvpForm(),
    }


@role_required(Role.STUDENT)
def my_conference(
    request: AuthenticatedHttpRequest, *, error: str | None = None, status: int = 200
) -> HttpResponse:
    """Prepare my conference section by section, pick work samples, rehearse, submit."""
    conference = conference_current_for_student(viewer=request_user(request))
    if conference is None:
        return render(request, "conferences/my_conference.html", {"conference": None})
    context = _prepare_context(request, conference)
    context["error"] = error
    return render(request, "conferences/my_conference.html", context, status=status)


@role_required(Role.STUDENT)
def lead(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lead mode: one section at a time, large type, a timer per section, keyboard and swipe."""
    conference = conference_current_for_student(viewer=request_user(request))
    agenda = agenda_assemble(viewer=request.user, conference=conference) if conference else None
    return render(request, "conferences/lead.html", {"conference": conference, "agenda": agenda})


# --- families --------------------------------------------------------------------------------


@role_required(Role.GUARDIAN)
def family(
    request: AuthenticatedHttpRequest, *, error: str | None = None, status: int = 200
) -> HttpResponse:
    """Invitations with RSVP, booking all my children side by side, the agenda ahead of time
    and the summary with commitments afterwards."""
    windows = family_conferences_for(viewer=request_user(request))
    return render(
        request,
        "conferences/family.html",
        {
            "windows": windows,
            "error": error,
            "rsvp_form": RsvpForm(),
            "interpreter_form": InterpreterForm(),
        },
        status=status,
    )


@role_required(Role.GUARDIAN)
@require_POST
def family_book(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = request_user(request)
    windows = family_conferences_for(viewer=viewer)
    fw = next((w for w in windows if str(w.window.pk) == request.POST.get("window")), None)
    if fw is None:
        raise Http404("No such conference window.")
    choices: dict[int, ConferenceSlot] = {}
    try:
        for child in fw.children:
            picked = request.POST.get(f"slot_{child.child.pk}", "")
            if not picked:
                continue
            slot = next((s for s in child.slots if str(s.pk) == picked), None)
            if slot is None:
                raise ValidationFailed(
                    f"Pick one of the times offered for {child.child.get_short_name()}."
                )
            choices[child.child.pk] = slot
        language = request.POST.get("interpreter_language")
        if language is not None and len(language) > 64:
            raise ValidationFailed("Name the language in under 64 characters.")
        svc.family_book(
            actor=viewer, window=fw.window, choices=choices, interpreter_language=language
        )
    except DomainError as exc:
        return family(request, error=exc.message, status=_status_of(exc))
    messages.success(request, "Booked. You'll get an email with the times.")
    return redirect("family-conferences")


# --- printable agenda and summary ------------------------------------------------------------


def _family_may_read_agenda(conference: Conference) -> bool:
    return conference.status in (S.READY, S.HELD)


@login_required
def agenda_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conference = _conference(request, pk)
    staff_or_student = can_run_conference(request.user, conference) or can_prepare_conference(
        request.user, conference
    )
    show = (
        staff_or_student
        or _family_may_read_agenda(conference)
        or Role.TEACHER in roles_of(request.user)
    )
    agenda = agenda_assemble(viewer=request.user, conference=conference)
    return render(
        request,
        "conferences/agenda_print.html",
        {"conference": conference, "agenda": agenda, "show_answers": show},
    )


@login_required
def summary_print(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conference = _conference(request, pk)
    agenda = agenda_assemble(viewer=request.user, conference=conference)
    staff = can_run_conference(request.user, conference) or Role.TEACHER in roles_of(request.user)
    return render(
        request,
        "conferences/summary_print.html",
        {"conference": conference, "agenda": agenda, "show_notes": staff},
    )


# --- actions on one conference ---------------------------------------------------------------

Action = Callable[[AuthenticatedHttpRequest, User, Conference, QueryDict], str]


def _form(form_class: type, data: QueryDict) -> Any:
    form = form_class(data)
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        label = form.fields[first[0]].label if first[0] in form.fields else ""
        raise ValidationFailed(f"{label or 'This'}: {first[1][0]}".strip(), field=first[0])
    return form.cleaned_data


def _section(conference: Conference, data: QueryDict) -> Any:
    section = conference.window.template.sections.filter(pk=_int(data.get("section"))).first()
    if section is None:
        raise ValidationFailed("That section isn't on this agenda.", field="section")
    return section


def _a_save_section(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(SectionForm, data)
    svc.agenda_item_save(
        actor=actor,
        conference=c,
        section=_section(c, data),
        response=d["response"],
        expected_version=d["version"],
    )
    return "Saved."


def _sample(c: Conference, data: QueryDict) -> WorkSample:
    sample = WorkSample.objects.filter(conference=c, pk=_int(data.get("sample"))).first()
    if sample is None:
        raise ValidationFailed("No such work sample.", field="sample")
    return sample


def _a_add_sample(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(SampleAddForm, data)
    evidence = Evidence.objects.filter(pk=d["evidence"], student_id=c.student_id).first()
    if evidence is None:
        raise ValidationFailed("Pick a piece of your own evidence.", field="evidence")
    svc.work_sample_add(
        actor=actor,
        conference=c,
        evidence=evidence,
        proud_of=d["proud_of"],
        do_differently=d["do_differently"],
    )
    return "Work sample added."


def _a_update_sample(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(SampleUpdateForm, data)
    svc.work_sample_update(
        actor=actor,
        sample=_sample(c, data),
        proud_of=d["proud_of"],
        do_differently=d["do_differently"],
    )
    return "Reflections saved."


def _a_remove_sample(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    svc.work_sample_remove(actor=actor, sample=_sample(c, data))
    return "Work sample removed."


def _a_checklist(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    items = data.getlist("item")
    if len(items) > 50 or any(len(i) > 200 for i in items):
        raise ValidationFailed("Tick items from the checklist.", field="item")
    svc.checklist_set(actor=actor, conference=c, items=items)
    return "Checklist saved."


def _a_add_goal(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(NextGoalForm, data)
    category = None
    if d["category"]:
        category = GoalCategory.objects.filter(
            pk=d["category"], school_id=c.window.school_id
        ).first()
        if category is None:
            raise ValidationFailed("Pick one of the school's categories.", field="category")
    svc.next_goal_add(actor=actor, conference=c, title=d["title"], why=d["why"], category=category)
    return "Goal for next term added."


def _a_remove_goal(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    goal = NextTermGoal.objects.filter(conference=c, pk=_int(data.get("goal"))).first()
    if goal is None:
        raise ValidationFailed("No such goal.", field="goal")
    svc.next_goal_remove(actor=actor, goal=goal)
    return "Removed."


def _a_submit(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    svc.conference_submit(actor=actor, conference=c)
    return "Sent to your advisor for review."


def _section_comments(c: Conference, data: QueryDict) -> dict[int, str]:
    comments = {}
    for section in c.window.template.sections.all():
        text = data.get(f"section_{section.pk}", "")
        if len(text) > 2000:
            raise ValidationFailed("Keep each section comment under 2000 characters.")
        if text.strip():
            comments[section.pk] = text
    return comments


def _a_return(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(ReviewForm, data)
    svc.conference_return(
        actor=actor, conference=c, comment=d["comment"], section_comments=_section_comments(c, data)
    )
    return "Returned to the student with your comments."


def _a_approve(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(ReviewForm, data)
    svc.conference_approve(
        actor=actor, conference=c, comment=d["comment"], section_comments=_section_comments(c, data)
    )
    return "Approved: the agenda is ready."


def _a_hold(request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict) -> str:
    svc.conference_hold(actor=actor, conference=c)
    return "Marked held. Write the summary for the family next."


def _a_cancel(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(CancelForm, data)
    svc.conference_cancel(actor=actor, conference=c, reason=d["reason"])
    return "Conference cancelled."


def _a_notes(request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict) -> str:
    d = _form(NotesForm, data)
    svc.conference_notes_save(
        actor=actor, conference=c, notes=d["notes"], expected_version=d["version"]
    )
    return "Notes saved."


def _a_summary(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(SummaryForm, data)
    svc.conference_summary_save(
        actor=actor, conference=c, summary=d["summary"], expected_version=d["version"]
    )
    return "Summary saved; the family gets it by email."


def _a_commitment(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(CommitmentForm, data)
    svc.commitment_add(actor=actor, conference=c, who=d["who"], text=d["text"], due_on=d["due_on"])
    return "Commitment added."


def _a_review_commitment(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(CommitmentReviewForm, data)
    commitment = (
        Commitment.objects.filter(pk=d["commitment"], conference__student_id=c.student_id)
        .select_related("conference__window", "conference__advisor")
        .first()
    )
    if commitment is None:
        raise ValidationFailed("No such commitment.", field="commitment")
    svc.commitment_review(actor=actor, commitment=commitment, outcome=d["outcome"])
    return "Commitment marked."


def _a_drafts(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    made = svc.next_goals_to_drafts(actor=actor, conference=c)
    return f"{len(made)} draft goal(s) created for {c.student.get_short_name()}."


def _a_schedule(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    slot = None
    if data.get("slot"):
        slot = ConferenceSlot.objects.filter(pk=_int(data.get("slot")), window=c.window).first()
        if slot is None:
            raise ValidationFailed("Pick one of this window's slots.", field="slot")
    svc.conference_schedule(actor=actor, conference=c, slot=slot)
    return "Scheduled." if slot else "Taken out of its slot."


def _a_rsvp(request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict) -> str:
    d = _form(RsvpForm, data)
    svc.rsvp_respond(actor=actor, conference=c, response=d["response"], note=d["note"])
    return "Thank you: we've got your answer."


def _a_interpreter(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(InterpreterForm, data)
    svc.interpreter_request(actor=actor, conference=c, language=d["language"])
    return (
        f"We'll arrange an interpreter ({d['language'].strip()})."
        if d["language"].strip()
        else "No interpreter."
    )


def _a_invite(
    request: AuthenticatedHttpRequest, actor: User, c: Conference, data: QueryDict
) -> str:
    d = _form(InviteForm, data)
    svc.attendee_invite(actor=actor, conference=c, name=d["name"], email=d["email"])
    return f"{d['name']} is invited."


ACTIONS: dict[str, Action] = {
    "save-section": _a_save_section,
    "add-sample": _a_add_sample,
    "update-sample": _a_update_sample,
    "remove-sample": _a_remove_sample,
    "checklist": _a_checklist,
    "add-goal": _a_add_goal,
    "remove-goal": _a_remove_goal,
    "submit": _a_submit,
    "return": _a_return,
    "approve": _a_approve,
    "hold": _a_hold,
    "cancel": _a_cancel,
    "notes": _a_notes,
    "summary": _a_summary,
    "commitment": _a_commitment,
    "review-commitment": _a_review_commitment,
    "drafts": _a_drafts,
    "schedule": _a_schedule,
    "rsvp": _a_rsvp,
    "interpreter": _a_interpreter,
    "invite": _a_invite,
}
ACTION_PATTERN = "|".join(ACTIONS)
# The page's own anchors ("samples", "section-12"); a long one would make the redirect a 400
# (Django refuses a Location over 2048 characters) after the action was saved.
ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@login_required
@require_POST
def conference_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a conference. The service decides who may; the page the person came from
    is shown again, with the outcome (or the refusal, with a 4xx status)."""
    conference = _conference(request, pk)
    actor = request_user(request)
    if can_run_conference(actor, conference):
        page = "review"
    elif can_prepare_conference(actor, conference):
        page = "student"
    elif is_guardian_of(actor, conference.student_id):
        page = "family"
    else:
        raise PermissionDenied("This conference is its student's, their family's and advisor's.")
    try:
        done = ACTIONS[action](request, actor, conference, request.POST)
    except DomainError as exc:
        if request.htmx and action == "save-section":
            return _section_fragment(request, pk, exc.message, _status_of(exc))
        if page == "review":
            return review(request, pk, error=exc.message, status=_status_of(exc))
        if page == "student":
            return my_conference(request, error=exc.message, status=_status_of(exc))
        return family(request, error=exc.message, status=_status_of(exc))
    if request.htmx and action == "save-section":
        return _section_fragment(request, pk, None, 200, done)
    messages.success(request, done)
    target = {
        "review": reverse("conference-review", args=[pk]),
        "student": reverse("my-conference"),
        "family": reverse("family-conferences"),
    }[page]
    anchor = request.POST.get("anchor", "")
    if ANCHOR.fullmatch(anchor):  # anything else is dropped: the step is done by now
        target += f"#{anchor}"
    return redirect(target)


def _section_fragment(
    request: AuthenticatedHttpRequest,
    pk: int,
    error: str | None,
    status: int,
    done: str | None = None,
) -> HttpResponse:
    conference = _conference(request, pk)
    agenda = agenda_assemble(viewer=request.user, conference=conference)
    wanted = str(request.POST.get("section", ""))
    entry = next((s for s in agenda.sections if str(s.section.pk) == wanted), None)
    if entry is None:
        raise Http404("No such section.")
    return render(
        request,
        "conferences/_section_form.html",
        {
            "conference": conference,
            "entry": entry,
            "error": error,
            "done": done,
            "editable": conference.status in svc.PREPARING_STATES,
            "draft": request.POST.get("response", "") if error else None,
        },
        status=status,
    )
