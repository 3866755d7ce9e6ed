"""seed_demo: a believable demo school, the same on every run, written once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command, get_commands
from django.db import transaction
from django.db.models import Count, Max, Q
from django.test import RequestFactory
from pghistory.models import Context

from profiles.demo import (
    DemoSummary,
    demo_export,
    demo_logins,
    demo_school_seed,
    demo_school_year,
    export_rows,
    format_demo_logins,
)
from profiles.models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    RosterImport,
    School,
    Section,
    Term,
    User,
)

TODAY = date(2026, 3, 2)
DOMAIN = "@demo.learnhub.school"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(db: None) -> DemoSummary:
    return demo_school_seed(today=TODAY)


def _people(role: str):
    return User.objects.filter(
        memberships__school__sourced_id="demo-school", memberships__role=role
    )


def _login(role: str) -> User:
    email = next(login.email for login in demo_logins() if login.role == role)
    return User.objects.get(email=email)


def _snapshot() -> dict[str, object]:
    """Row counts of everything the seed writes, its history included."""
    models = [User, Membership, LearnerProfile, School, Term, Section, Enrollment, GuardianLink]
    counts: dict[str, object] = {m.__name__: m.objects.count() for m in models}
    counts["section terms"] = Section.terms.through.objects.count()
    for model in (User, LearnerProfile, Enrollment, GuardianLink):
        counts[f"{model.__name__} events"] = model.pgh_event_model.objects.count()
    counts["history contexts"] = Context.objects.count()
    counts["profiles last updated"] = LearnerProfile.objects.aggregate(Max("updated_at"))
    return counts


# --- What the school holds ---------------------------------------------------------------------


def test_seed_creates_one_school_with_staff_students_and_families(seeded):
    files = demo_export(TODAY)
    guardians = [u for u in export_rows(files, "users.csv") if u["metadata.relationship"]]
    students = [e for e in export_rows(files, "enrollments.csv") if e["role"] == "student"]
    school = School.objects.get()
    assert (school.name, school.sourced_id) == ("Maple Grove Learning Community", "demo-school")
    assert _people(Role.TEACHER).count() == 6
    assert _people(Role.STUDENT).count() == 80
    assert _people(Role.ADMIN).count() == 1
    assert _people(Role.GUARDIAN).count() == len(guardians) > 80
    assert User.objects.count() == 6 + 1 + 80 + len(guardians)
    assert all(email.endswith(DOMAIN) for email in User.objects.values_list("email", flat=True))
    grades = Membership.objects.filter(role=Role.STUDENT).values_list("grade_level", flat=True)
    assert Counter(grades) == {"6": 26, "7": 27, "8": 27}
    assert seeded.created is True
    assert seeded.counts == {
        "teachers": 6,
        "students": 80,
        "guardians": len(guardians),
        "sections": 17,
        "terms": 3,
    }
    assert Enrollment.objects.count() == 17 + len(students)
    assert GuardianLink.objects.count() == sum(
        len(g["agentSourcedIds"].split(",")) for g in guardians
    )


def test_terms_are_the_school_year_containing_today_and_its_two_semesters(seeded):
    terms = Term.objects.order_by("start_date", "-end_date")
    assert [(t.kind, t.title, t.start_date, t.end_date, t.school_year) for t in terms] == [
        ("schoolYear", "School year 2025-2026", date(2025, 8, 24), date(2026, 6, 11), "2026"),
        ("semester", "Fall 2025", date(2025, 8, 24), date(2026, 1, 22), "2026"),
        ("semester", "Spring 2026", date(2026, 1, 25), date(2026, 6, 11), "2026"),
    ]
    year = terms[0]
    assert [t.parent for t in terms] == [None, year, year]


@pytest.mark.parametrize(
    ("today", "fall_starts"),
    [
        (date(2025, 8, 24), date(2025, 8, 24)),
        (date(2026, 1, 1), date(2025, 8, 24)),
        (date(2026, 6, 30), date(2025, 8, 24)),
        (date(2026, 7, 1), date(2026, 8, 24)),
    ],
)
def test_the_school_year_turns_over_on_july_first(today, fall_starts):
    assert demo_school_year(today) == (fall_starts, date(fall_starts.year + 1, 6, 11))


def test_every_section_has_one_teacher_and_runs_in_both_semesters(seeded):
    semesters = set(Term.objects.filter(kind=Term.Kind.SEMESTER))
    sections = Section.objects.annotate(
        teachers=Count("enrollments", filter=Q(enrollments__role=Enrollment.Role.TEACHER))
    )
    assert Counter(s.kind for s in sections) == {"advisory": 6, "class": 11}
    assert {s.name for s in sections if s.kind == Section.Kind.CLASS} == {
        *(f"{subject} {grade}" for subject in ("Humanities", "Math", "Science") for grade in "678"),
        "Spanish",
        "Art",
    }
    assert {s.teachers for s in sections} == {1}
    assert all(set(s.terms.all()) == semesters for s in sections)
    advisors = Enrollment.objects.filter(
        role=Enrollment.Role.TEACHER, section__kind=Section.Kind.ADVISORY
    ).values_list("user__email", flat=True)
    assert sorted(advisors) == sorted(_people(Role.TEACHER).values_list("email", flat=True))


def test_every_student_is_in_exactly_one_advisory_and_three_or_four_classes(seeded):
    def counted(kind: str) -> Count:
        return Count(
            "enrollments",
            filter=Q(enrollments__role=Enrollment.Role.STUDENT, enrollments__section__kind=kind),
        )

    students = _people(Role.STUDENT).annotate(
        advisories=counted(Section.Kind.ADVISORY), classes=counted(Section.Kind.CLASS)
    )
    assert {s.advisories for s in students} == {1}
    assert {s.classes for s in students} == {3, 4}
    advisory_sizes = Section.objects.filter(kind=Section.Kind.ADVISORY).annotate(
        n=Count("enrollments", filter=Q(enrollments__role=Enrollment.Role.STUDENT))
    )
    assert sorted(s.n for s in advisory_sizes) == [13, 13, 13, 13, 14, 14]


def test_every_student_has_a_learner_profile_a_tenth_of_them_empty(seeded):
    profiles = list(LearnerProfile.objects.all())
    assert {p.student_id for p in profiles} == set(
        _people(Role.STUDENT).values_list("pk", flat=True)
    )
    assert sum(p.is_empty for p in profiles) == 8
    assert sum(bool(p.support_notes or p.accommodations) for p in profiles) == 12
    written = [p for p in profiles if not p.is_empty]
    assert len({p.interests for p in written}) == len(written)  # varied, not one template
    assert len({p.strengths for p in written if p.strengths}) > 30


def test_families_have_one_or_two_guardians_and_some_guardians_two_children(seeded):
    per_student = Counter(GuardianLink.objects.values_list("student_id", flat=True))
    per_guardian = Counter(GuardianLink.objects.values_list("guardian_id", flat=True))
    assert len(per_student) == 80
    assert set(per_student.values()) == {1, 2}
    assert set(per_guardian.values()) == {1, 2}
    assert set(GuardianLink.objects.values_list("relationship", flat=True)) == {
        "mother",
        "father",
        "grandparent",
        "guardian",
    }


# --- The demo logins ---------------------------------------------------------------------------


def test_each_login_signs_in_with_the_demo_password(seeded, settings):
    for login in seeded.logins:
        user = authenticate(
            RequestFactory().post("/accounts/login/"),
            username=login.email,
            password=settings.LEARNHUB_DEMO_PASSWORD,
        )
        assert user is not None
        assert user.email == login.email
    assert [login.role for login in seeded.logins] == ["teacher", "student", "parent", "admin"]


def test_the_demo_password_comes_from_settings_and_is_hashed_once(db, settings):
    settings.LEARNHUB_DEMO_PASSWORD = "another-demo-password"
    demo_school_seed(today=TODAY)
    assert User.objects.values("password").distinct().count() == 1
    assert _login("student").check_password("another-demo-password")
    assert not _login("student").check_password("learnhub-demo")


def test_login_student_is_in_the_login_teachers_advisory_and_class(seeded):
    teacher, student = _login("teacher"), _login("student")
    assert teacher.email == "ms.rivera@demo.learnhub.school"
    assert set(teacher.memberships.values_list("role", flat=True)) == {Role.TEACHER}
    assert set(student.memberships.values_list("role", flat=True)) == {Role.STUDENT}
    shared = Section.objects.filter(enrollments__user=teacher).filter(enrollments__user=student)
    assert sorted(shared.values_list("kind", "name")) == [
        ("advisory", "Advisory 7 (Ms. Rivera)"),
        ("class", "Math 7"),
    ]
    profile = student.learner_profile
    assert not profile.is_empty
    assert profile.support_notes  # so the demo shows what only staff see


def test_login_parent_is_the_parent_of_the_login_student_and_a_sibling(seeded):
    parent, student = _login("parent"), _login("student")
    assert set(parent.memberships.values_list("role", flat=True)) == {Role.GUARDIAN}
    children = User.objects.filter(guardian_links__guardian=parent).order_by("given_name")
    assert [(c.display_name, c.memberships.get().grade_level) for c in children] == [
        ("Mateo Martinez", "6"),
        ("Sofia Martinez", "7"),
    ]
    assert student in children
    assert set(parent.child_links.values_list("relationship", flat=True)) == {"mother"}


def test_school_admin_is_staff_with_an_admin_membership(seeded):
    admin = _login("admin")
    assert admin.email == "admin@demo.learnhub.school"
    assert (admin.is_staff, admin.is_superuser) == (True, False)
    assert list(admin.memberships.values_list("school__sourced_id", "role")) == [
        ("demo-school", Role.ADMIN)
    ]
    assert list(User.objects.filter(is_staff=True)) == [admin]


# --- Idempotent and deterministic ---------------------------------------------------------------


def test_a_second_run_writes_nothing_and_only_looks_up_the_school(
    seeded, django_assert_max_num_queries
):
    before = _snapshot()
    # The school, plus one look per school-setup step (each finds its defaults in place).
    with django_assert_max_num_queries(3 + len(settings.LEARNHUB_SCHOOL_SETUP)):
        again = demo_school_seed(today=TODAY)
    assert again.created is False
    assert again.school_id == seeded.school_id
    assert again.logins == seeded.logins
    assert _snapshot() == before


def test_a_run_in_a_later_school_year_leaves_the_existing_demo_alone(seeded):
    before = _snapshot()
    assert demo_school_seed(today=date(2027, 9, 1)).created is False
    assert _snapshot() == before


def test_history_names_the_seed_as_the_source(seeded):
    """The roster import inserts every profile; the seed then writes each written one through
    the profile service, as the school admin: all of it under the seed's name."""
    events = LearnerProfile.pgh_event_model.objects.select_related("pgh_context")
    written = LearnerProfile.objects.exclude(version=1).count()
    assert Counter(e.pgh_label for e in events) == {"insert": 80, "update": written}
    assert written > 70
    contexts = {e.pgh_context_id: e.pgh_context.metadata for e in events}
    assert [m["source"] for m in contexts.values()] == ["seed_demo"]
    assert RosterImport.objects.get().pk == next(iter(contexts.values()))["roster_import"]
    admin = _login("admin")
    assert set(LearnerProfile.objects.exclude(version=1).values_list("updated_by", flat=True)) == {
        admin.pk
    }


def _school_as_written() -> list[object]:
    people = list(
        User.objects.order_by("sourced_id").values_list(
            "sourced_id", "email", "given_name", "family_name", "preferred_name"
        )
    )
    profiles = list(
        LearnerProfile.objects.order_by("student__sourced_id").values_list(
            "student__email",
            "strengths",
            "needs",
            "interests",
            "learning_preferences",
            "aspirations",
            "support_notes",
            "accommodations",
        )
    )
    enrollments = list(
        Enrollment.objects.order_by("section__sourced_id", "user__sourced_id").values_list(
            "section__name", "user__email", "role"
        )
    )
    links = list(
        GuardianLink.objects.order_by("guardian__sourced_id", "student__sourced_id").values_list(
            "guardian__email", "student__email", "relationship"
        )
    )
    return [people, profiles, enrollments, links]


def test_two_fresh_runs_write_the_same_school(db):
    def fresh_run() -> list[object]:
        with transaction.atomic():
            demo_school_seed(today=TODAY)
            written = _school_as_written()
            transaction.set_rollback(True)
        return written

    first = fresh_run()
    assert School.objects.count() == 0
    second = fresh_run()
    assert first == second
    assert len(first[0]) > 180


# --- The command --------------------------------------------------------------------------------


def test_seed_demo_is_one_project_level_command():
    """It spans apps (profiles, then mastery), so it lives in the project package, only there."""
    assert get_commands()["seed_demo"] == "learnhub"
    assert not (REPO_ROOT / "profiles/management/commands/seed_demo.py").exists()


def test_command_seeds_then_prints_only_the_logins_on_a_seeded_database(db, settings):
    block = format_demo_logins(demo_logins(), settings.LEARNHUB_DEMO_PASSWORD)
    first, second = StringIO(), StringIO()

    call_command("seed_demo", "--today", "2026-03-02", stdout=first)
    call_command("seed_demo", stdout=second)

    lines = first.getvalue().splitlines()
    assert lines[0].startswith("Created the demo school: 6 teachers, 80 students, ")
    assert lines[1].startswith("Added the demo mastery data: 3 frameworks, 81 learning targets, ")
    assert first.getvalue().endswith("\n" + block + "\n")
    assert second.getvalue() == block + "\n"
    assert Term.objects.get(title="Fall 2025").start_date == date(2025, 8, 24)


def test_the_logins_block_names_each_account_and_who_it_is():
    block = format_demo_logins(demo_logins(), "learnhub-demo")
    assert block.splitlines() == [
        "Demo logins (password: learnhub-demo)",
        "  teacher  ms.rivera@demo.learnhub.school        "
        "(Ms. Rivera: grade 7 advisor, teaches Math 7 and Math 8)",
        "  student  sofia.martinez@demo.learnhub.school   "
        "(Sofia Martinez, grade 7: in Ms. Rivera's advisory and Math 7)",
        "  parent   carmen.martinez@demo.learnhub.school  "
        "(Carmen Martinez: mother of Sofia (grade 7) and Mateo (grade 6))",
        "  admin    admin@demo.learnhub.school            "
        "(Dana Whitfield: school admin, at /admin/)",
    ]


# --- Existing data: seed only where it is safe, and still start --------------------------------


def _roster_reusing_the_demo(tmp_path: Path) -> Path:
    """The real sample, with one person given a demo teacher's sourcedId and another a demo
    email (what a school's first real roster might bring)."""
    from tests.profiles import roster_files as rf

    folder = rf.copy_sample(tmp_path)
    rf.set_value(folder, "users.csv", "us0003", "sourcedId", "demo-teacher-rivera")
    rf.edit(folder, "enrollments.csv", '"us0003"', '"demo-teacher-rivera"', count=2)
    rf.set_value(folder, "users.csv", "us0004", "email", "ms.rivera@demo.learnhub.school")
    return folder


def test_a_roster_that_reused_demo_ids_makes_the_seed_skip_the_demo_and_say_why(db, tmp_path):
    from profiles.oneroster import roster_import

    roster_import(source=_roster_reusing_the_demo(tmp_path), source_name="x", actor=None)
    before = _snapshot()
    out = StringIO()

    call_command("seed_demo", "--today", "2026-03-02", stdout=out)

    assert out.getvalue().splitlines() == [
        "Skipped the demo school: this database already has the email "
        "ms.rivera@demo.learnhub.school and the sourcedId demo-teacher-rivera that the demo "
        "would create (a roster import may have brought them). The demo is only added to a "
        "database without them, so nothing was changed.",
        "No demo logins work on this database: sign in with an account of your own "
        "(manage.py createsuperuser makes an operator's account).",
    ]
    assert _snapshot() == before
    assert not School.objects.filter(sourced_id="demo-school").exists()


def test_a_real_school_that_took_the_demo_schools_sourced_id_gets_no_demo_data(db, tmp_path):
    from mastery.models import Framework
    from profiles.oneroster import roster_import
    from tests.profiles import roster_files as rf

    folder = rf.copy_sample(tmp_path)
    for name in ("orgs.csv", "classes.csv", "courses.csv", "enrollments.csv", "users.csv"):
        text = (folder / name).read_text()
        (folder / name).write_text(text.replace('"or0001"', '"demo-school"'))
    roster_import(source=folder, source_name="x", actor=None)
    out = StringIO()

    call_command("seed_demo", "--today", "2026-03-02", stdout=out)

    text = out.getvalue()
    assert text.startswith("The demo school has changed since it was seeded")
    assert "ms.rivera@demo.learnhub.school does not exist any more" in text
    assert "No demo logins work on this database" in text
    assert Framework.objects.count() == 0  # nothing demo-made in a real school
    assert User.objects.count() == 20


def test_after_an_import_deactivated_the_demo_people_the_seed_prints_what_still_works(db, tmp_path):
    """Issue 9: a bulk export for the demo school listing other people, confirmed."""
    from profiles.oneroster import roster_import
    from tests.profiles import roster_files as rf

    call_command("seed_demo", "--today", "2026-03-02", stdout=StringIO())
    folder = rf.copy_sample(tmp_path)
    for name in ("orgs.csv", "classes.csv", "courses.csv", "enrollments.csv", "users.csv"):
        text = (folder / name).read_text()
        (folder / name).write_text(text.replace('"or0001"', '"demo-school"'))
    result = roster_import(source=folder, source_name="x", actor=None, confirmed=True)
    assert result.summary["deactivation"]["needed"] is True
    assert result.status == "applied"
    before = _snapshot()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "The demo school has changed since it was seeded (a roster import may have changed "
        "it): ms.rivera@demo.learnhub.school has been deactivated; "
        "sofia.martinez@demo.learnhub.school has been deactivated; "
        "carmen.martinez@demo.learnhub.school has been deactivated. Its frameworks, evidence "
        "and goals are only added to an unchanged demo school, so they were left as they are."
    )
    assert lines[1:] == [
        "Demo logins (password: learnhub-demo)",
        "  admin    admin@demo.learnhub.school  (Dana Whitfield: school admin, at /admin/)",
    ]
    assert _snapshot() == before
