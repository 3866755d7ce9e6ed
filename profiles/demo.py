"""The demo school: a believable, deterministic middle school for trying LearnHub out.

Two halves. :func:`build_demo_plan` is pure: from the fixed material in
:mod:`profiles.demo_data` and one seeded :class:`random.Random` it decides every person, profile,
section and link, the same way on every run and in every process. :func:`demo_school_seed`
writes that plan in one transaction with bulk inserts, and does nothing at all when the demo
school already exists, so running it on every start is cheap.

Later features (mastery, goals, conferences) extend the demo by seeding their own rows for the
people this creates; they find them by their stable ``demo-...`` sourced ids and should be
just as idempotent.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from . import demo_data as data
from .models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    Role,
    School,
    Section,
    Term,
    User,
)

HISTORY_SOURCE = "seed_demo"


# --- The plan: plain values, no ORM ------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    sourced_id: str
    email: str
    given_name: str
    family_name: str
    preferred_name: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


@dataclass(frozen=True)
class ProfileSpec:
    strengths: str = ""
    needs: str = ""
    interests: str = ""
    learning_preferences: str = ""
    aspirations: str = ""
    support_notes: str = ""
    accommodations: str = ""


@dataclass(frozen=True)
class StudentSpec:
    person: PersonSpec
    grade: str
    profile: ProfileSpec


@dataclass(frozen=True)
class TeacherSpec:
    person: PersonSpec
    salutation: str  # "Ms. Rivera"


@dataclass(frozen=True)
class SectionSpec:
    sourced_id: str
    name: str
    code: str
    kind: str
    course_title: str
    subject: str
    grade_levels: str
    teacher: str  # sourced id
    students: tuple[str, ...]  # sourced ids


@dataclass(frozen=True)
class GuardianLinkSpec:
    guardian: str  # sourced id
    student: str  # sourced id
    relationship: str


@dataclass(frozen=True)
class TermSpec:
    sourced_id: str
    title: str
    kind: str
    start_date: date
    end_date: date
    school_year: str


@dataclass(frozen=True)
class DemoPlan:
    teachers: tuple[TeacherSpec, ...]
    admin: PersonSpec
    students: tuple[StudentSpec, ...]
    guardians: tuple[PersonSpec, ...]
    guardian_links: tuple[GuardianLinkSpec, ...]
    sections: tuple[SectionSpec, ...]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    note: str


@dataclass(frozen=True)
class DemoSummary:
    """What a seed run did: ``created`` is False when the demo school was already there, or
    when it was not safe to create (``skipped`` says why, in a sentence). ``logins`` are the
    demo accounts that work; ``unavailable`` says why the others do not. ``intact`` is True when
    the demo school is the demo (every login works), so the later demo steps may build on it."""

    created: bool
    school_id: int | None
    logins: tuple[DemoLogin, ...]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: str = ""
    unavailable: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.school_id is not None and not self.skipped and not self.unavailable


def email_for(*names: str) -> str:
    """``"Seo-yeon", "O'Brien"`` → ``seo-yeon.obrien@demo.learnhub.school``."""
    folded = unicodedata.normalize("NFKD", ".".join(names)).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9.-]", "", folded.lower().replace(" ", "-"))
    return f"{local}@{data.EMAIL_DOMAIN}"


def teacher_person(teacher: data.TeacherData) -> PersonSpec:
    return PersonSpec(
        sourced_id=f"demo-teacher-{teacher.key}",
        email=f"{teacher.email_local}@{data.EMAIL_DOMAIN}",
        given_name=teacher.given_name,
        family_name=teacher.family_name,
    )


def admin_person() -> PersonSpec:
    return PersonSpec(
        sourced_id="demo-admin",
        email=f"{data.ADMIN_EMAIL_LOCAL}@{data.EMAIL_DOMAIN}",
        given_name=data.ADMIN_GIVEN_NAME,
        family_name=data.ADMIN_FAMILY_NAME,
    )


def _teacher(key: str) -> data.TeacherData:
    return next(t for t in data.TEACHERS if t.key == key)


def _core_classes(grade: str) -> list[data.ClassData]:
    return [c for c in data.CLASSES if not c.elective and c.grade_levels == grade]


def _advisors(grade: str) -> list[data.TeacherData]:
    return [t for t in data.TEACHERS if t.advisory_grade == grade]


def _advisory_sourced_id(teacher: data.TeacherData) -> str:
    return f"demo-advisory-{teacher.key}"


def _class_sourced_id(cls: data.ClassData) -> str:
    return f"demo-class-{cls.key}"


def demo_logins() -> tuple[DemoLogin, ...]:
    """The accounts the README points people to (all share the demo password)."""
    teacher = _teacher(data.LOGIN_TEACHER)
    taught = [c.name for c in data.CLASSES if c.teacher == teacher.key]
    student_class = next(
        c for c in _core_classes(data.LOGIN_STUDENT_GRADE) if c.teacher == teacher.key
    )
    family = data.LOGIN_FAMILY_NAME
    admin = admin_person()
    return (
        DemoLogin(
            "teacher",
            teacher_person(teacher).email,
            f"{teacher.salutation}: grade {teacher.advisory_grade} advisor, teaches {_and(taught)}",
        ),
        DemoLogin(
            "student",
            email_for(data.LOGIN_STUDENT_GIVEN_NAME, family),
            f"{data.LOGIN_STUDENT_GIVEN_NAME} {family}, grade {data.LOGIN_STUDENT_GRADE}: "
            f"in {teacher.salutation}'s advisory and {student_class.name}",
        ),
        DemoLogin(
            "parent",
            email_for(data.LOGIN_PARENT_GIVEN_NAME, family),
            f"{data.LOGIN_PARENT_GIVEN_NAME} {family}: {data.LOGIN_PARENT_RELATIONSHIP} of "
            f"{data.LOGIN_STUDENT_GIVEN_NAME} (grade {data.LOGIN_STUDENT_GRADE}) and "
            f"{data.LOGIN_SIBLING_GIVEN_NAME} (grade {data.LOGIN_SIBLING_GRADE})",
        ),
        DemoLogin("admin", admin.email, f"{admin.display_name}: school admin, at /admin/"),
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def format_demo_created(summary: DemoSummary) -> str:
    """The line the run command prints when it has just created the demo school."""
    counts = summary.counts
    return (
        f"Created the demo school: {counts['teachers']} teachers, "
        f"{counts['students']} students, {counts['guardians']} parents and guardians, "
        f"{counts['sections']} sections, {counts['terms']} terms."
    )


def format_demo_logins(logins: Sequence[DemoLogin], password: str) -> str:
    """The block the run command prints: role, email, who it is."""
    width = max(len(login.email) for login in logins)
    lines = [f"Demo logins (password: {password})"]
    lines += [f"  {login.role:<8} {login.email:<{width}}  ({login.note})" for login in logins]
    return "\n".join(lines)


def demo_terms(today: date) -> tuple[TermSpec, TermSpec, TermSpec]:
    """The school year containing ``today`` (it turns over on July 1) and its two semesters."""
    start = today.year if today.month >= 7 else today.year - 1
    end = start + 1
    year = str(end)  # OneRoster names a school year by the calendar year it ends in
    return (
        TermSpec(
            f"demo-{year}-year",
            f"School year {start}-{end}",
            Term.Kind.SCHOOL_YEAR,
            date(start, 8, 24),
            date(end, 6, 11),
            year,
        ),
        TermSpec(
            f"demo-{year}-fall",
            f"Fall {start}",
            Term.Kind.SEMESTER,
            date(start, 8, 24),
            date(end, 1, 22),
            year,
        ),
        TermSpec(
            f"demo-{year}-spring",
            f"Spring {end}",
            Term.Kind.SEMESTER,
            date(end, 1, 25),
            date(end, 6, 11),
            year,
        ),
    )


@dataclass
class _Family:
    family_name: str
    group: data.NameGroup
    children: list[tuple[str, str]]  # (given name, grade)
    guardians: list[tuple[str, str, str]] = field(default_factory=list)  # given, family, rel.
    profiles: list[ProfileSpec] = field(default_factory=list)  # fixed profiles, if any


class _PlanBuilder:
    def __init__(self) -> None:
        self.rng = random.Random(data.RANDOM_SEED)
        self.emails: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.family_names: list[str] = []

    # names and emails

    def unique_email(self, given: str, family: str) -> str:
        base = email_for(given, family)
        email, n = base, 1
        while email in self.emails:
            n += 1
            local, domain = base.split("@")
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def pick_group(self) -> data.NameGroup:
        groups = data.NAME_GROUPS
        return self.rng.choices(groups, weights=[g.weight for g in groups])[0]

    def pick_family_name(self, group: data.NameGroup) -> str:
        """Mostly a name no other family has yet; unrelated families sometimes share one."""
        name = self.rng.choice(group.family_names)
        for _ in range(3):
            if name not in self.family_names:
                break
            name = self.rng.choice(group.family_names)
        self.family_names.append(name)
        return name

    def child_name(self, group: data.NameGroup, family: str) -> str:
        while True:
            pool = (
                group.child_names
                if group.child_names and self.rng.random() < 0.6
                else data.COMMON_CHILD_NAMES
            )
            given = self.rng.choice(pool)
            if (given, family) not in self.names:
                self.names.add((given, family))
                return given

    def adult_name(self, group: data.NameGroup, *, female: bool) -> str:
        own = group.adult_female if female else group.adult_male
        common = data.COMMON_ADULT_FEMALE if female else data.COMMON_ADULT_MALE
        return self.rng.choice(own if own and self.rng.random() < 0.75 else common)

    def other_family_name(self) -> str:
        return self.rng.choice(self.pick_group().family_names)

    # families

    def guardians_for(self, family: str, group: data.NameGroup) -> list[tuple[str, str, str]]:
        """Mostly two parents or one; some grandparents and other guardians."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.55:
            couple = rng.random()
            if couple < 0.06:
                kinds = [("mother", True), ("mother", True)]
            elif couple < 0.10:
                kinds = [("father", False), ("father", False)]
            else:
                kinds = [("mother", True), ("father", False)]
            result = []
            for i, (relationship, female) in enumerate(kinds):
                # Sometimes one parent kept another family name.
                surname = self.other_family_name() if i == 0 and rng.random() < 0.2 else family
                result.append((self.adult_name(group, female=female), surname, relationship))
            if result[0][0] == result[1][0]:
                result.pop()
            return result
        if draw < 0.88:
            female = rng.random() < 0.7
            relationship = "mother" if female else "father"
            return [(self.adult_name(group, female=female), family, relationship)]
        if draw < 0.95:
            pool = data.GRANDPARENT_FEMALE if rng.random() < 0.6 else data.GRANDPARENT_MALE
            surname = family if rng.random() < 0.7 else self.other_family_name()
            return [(rng.choice(pool), surname, "grandparent")]
        female = rng.random() < 0.5
        surname = family if rng.random() < 0.5 else self.other_family_name()
        return [(self.adult_name(group, female=female), surname, "guardian")]

    def families(self) -> list[_Family]:
        rng = self.rng
        remaining = dict(data.GRADE_SIZES)
        grades = [g for g, _ in data.GRADE_SIZES]

        login = _Family(
            data.LOGIN_FAMILY_NAME,
            data.NAME_GROUPS[0],
            [
                (data.LOGIN_STUDENT_GIVEN_NAME, data.LOGIN_STUDENT_GRADE),
                (data.LOGIN_SIBLING_GIVEN_NAME, data.LOGIN_SIBLING_GRADE),
            ],
            [
                (
                    data.LOGIN_PARENT_GIVEN_NAME,
                    data.LOGIN_FAMILY_NAME,
                    data.LOGIN_PARENT_RELATIONSHIP,
                ),
                (
                    data.LOGIN_OTHER_PARENT_GIVEN_NAME,
                    data.LOGIN_FAMILY_NAME,
                    data.LOGIN_OTHER_PARENT_RELATIONSHIP,
                ),
            ],
            [
                ProfileSpec(**data.LOGIN_STUDENT_PROFILE),
                ProfileSpec(**data.LOGIN_SIBLING_PROFILE),
            ],
        )
        self.family_names.append(login.family_name)
        for given, grade in login.children:
            self.names.add((given, login.family_name))
            remaining[grade] -= 1

        shapes: list[list[str]] = []
        pairs = [(a, b) for i, a in enumerate(grades) for b in grades[i + 1 :]]
        for _ in range(data.SIBLING_PAIRS):
            a, b = rng.choice([p for p in pairs if remaining[p[0]] and remaining[p[1]]])
            remaining[a] -= 1
            remaining[b] -= 1
            shapes.append([a, b])
        for _ in range(data.TWIN_PAIRS):
            grade = rng.choice([g for g in grades if remaining[g] >= 2])
            remaining[grade] -= 2
            shapes.append([grade, grade])
        for grade in grades:
            shapes += [[grade] for _ in range(remaining[grade])]
        rng.shuffle(shapes)

        families = [login]
        for shape in shapes:
            group = self.pick_group()
            family = self.pick_family_name(group)
            children = [(self.child_name(group, family), grade) for grade in shape]
            families.append(_Family(family, group, children, self.guardians_for(family, group)))
        return families

    # profiles

    def profile(self, grade: str, *, partial: bool) -> ProfileSpec:
        rng = self.rng
        interests = rng.sample(data.INTERESTS, 3)
        template = rng.choice(data.INTEREST_TEMPLATES)
        aspirations = rng.choice(data.ASPIRATIONS_LONG)
        if rng.random() < 0.5:
            aspirations += " " + rng.choice(data.ASPIRATIONS_NEAR).format(grade=grade)
        fields = {
            "strengths": " ".join(rng.sample(data.STRENGTHS, rng.choice((1, 1, 2)))),
            "needs": " ".join(rng.sample(data.NEEDS, rng.choice((1, 2, 2)))),
            "interests": template.format(
                a=interests[0],
                A=interests[0][:1].upper() + interests[0][1:],
                b=interests[1],
                c=interests[2],
            ),
            "learning_preferences": " ".join(
                rng.sample(data.LEARNING_PREFERENCES, rng.choice((1, 2)))
            ),
            "aspirations": aspirations,
        }
        if partial:
            keep = rng.sample(list(fields), rng.choice((2, 3)))
            fields = {k: (v if k in keep else "") for k, v in fields.items()}
        return ProfileSpec(**fields)

    def support(self, profile: ProfileSpec) -> ProfileSpec:
        rng = self.rng
        draw = rng.random()
        notes = rng.choice(data.SUPPORT_NOTES) if draw < 0.75 else ""
        accommodations = ""
        if draw >= 0.4:
            accommodations = "\n".join(rng.sample(data.ACCOMMODATIONS, rng.choice((1, 1, 2))))
        return ProfileSpec(
            **{**asdict(profile), "support_notes": notes, "accommodations": accommodations}
        )

    # the whole school

    def build(self) -> DemoPlan:
        rng = self.rng
        teachers = tuple(TeacherSpec(teacher_person(t), t.salutation) for t in data.TEACHERS)
        admin = admin_person()
        self.emails.update(t.person.email for t in teachers)
        self.emails.add(admin.email)
        preferred = dict(data.PREFERRED_NAMES)

        students: list[StudentSpec] = []
        guardians: list[PersonSpec] = []
        links: list[GuardianLinkSpec] = []
        fixed_profiles: dict[str, ProfileSpec] = {}
        for family in self.families():
            child_ids = []
            for i, (given, grade) in enumerate(family.children):
                sid = f"demo-student-{len(students) + 1:03d}"
                nickname = preferred.get(given, "") if rng.random() < 0.6 else ""
                person = PersonSpec(
                    sid,
                    self.unique_email(given, family.family_name),
                    given,
                    family.family_name,
                    nickname,
                )
                students.append(StudentSpec(person, grade, ProfileSpec()))
                child_ids.append(sid)
                if family.profiles:
                    fixed_profiles[sid] = family.profiles[i]
            for given, surname, relationship in family.guardians:
                sid = f"demo-guardian-{len(guardians) + 1:03d}"
                guardians.append(PersonSpec(sid, self.unique_email(given, surname), given, surname))
                links += [GuardianLinkSpec(sid, child, relationship) for child in child_ids]

        students = self.with_profiles(students, fixed_profiles)
        return DemoPlan(
            teachers=teachers,
            admin=admin,
            students=tuple(students),
            guardians=tuple(guardians),
            guardian_links=tuple(links),
            sections=self.sections(students),
        )

    def with_profiles(
        self, students: list[StudentSpec], fixed: dict[str, ProfileSpec]
    ) -> list[StudentSpec]:
        rng = self.rng
        total = len(students)
        free = [s.person.sourced_id for s in students if s.person.sourced_id not in fixed]
        empty = set(rng.sample(free, round(total * data.EMPTY_PROFILE_SHARE)))
        already_supported = sum(1 for p in fixed.values() if p.support_notes or p.accommodations)
        supported = set(rng.sample(free, round(total * data.SUPPORT_SHARE) - already_supported))
        result = []
        for student in students:
            sid = student.person.sourced_id
            if sid in fixed:
                profile = fixed[sid]
            else:
                profile = (
                    ProfileSpec()
                    if sid in empty
                    else self.profile(student.grade, partial=rng.random() < 0.15)
                )
                if sid in supported:
                    profile = self.support(profile)
            result.append(StudentSpec(student.person, student.grade, profile))
        return result

    def sections(self, students: list[StudentSpec]) -> tuple[SectionSpec, ...]:
        rng = self.rng
        login_student = students[0].person.sourced_id
        login_sibling = students[1].person.sourced_id
        advisory: dict[str, list[str]] = {t.key: [] for t in data.TEACHERS}
        for grade, _ in data.GRADE_SIZES:
            members = [s.person.sourced_id for s in students if s.grade == grade]
            rng.shuffle(members)
            if login_student in members:  # the login student is in the login teacher's group
                members.remove(login_student)
                members.insert(0, login_student)
            first, second = _advisors(grade)
            half = (len(members) + 1) // 2
            advisory[first.key] += members[:half]
            advisory[second.key] += members[half:]
        order = {s.person.sourced_id: i for i, s in enumerate(students)}
        sections = [
            SectionSpec(
                sourced_id=_advisory_sourced_id(t),
                name=f"Advisory {t.advisory_grade} ({t.salutation})",
                code=f"ADV{t.advisory_grade}-{t.key.upper()}",
                kind=Section.Kind.ADVISORY,
                course_title=f"Advisory {t.advisory_grade}",
                subject="Advisory",
                grade_levels=t.advisory_grade,
                teacher=teacher_person(t).sourced_id,
                students=tuple(sorted(advisory[t.key], key=order.__getitem__)),
            )
            for t in data.TEACHERS
        ]

        enrolled: dict[str, list[str]] = {c.key: [] for c in data.CLASSES}
        electives = [c.key for c in data.CLASSES if c.elective]
        for student in students:
            sid = student.person.sourced_id
            for cls in _core_classes(student.grade):
                enrolled[cls.key].append(sid)
            if sid == login_student:
                enrolled[data.LOGIN_STUDENT_ELECTIVE].append(sid)
            elif sid == login_sibling:
                enrolled[data.LOGIN_SIBLING_ELECTIVE].append(sid)
            elif rng.random() < data.ELECTIVE_SHARE:
                enrolled[rng.choice(electives)].append(sid)
        sections += [
            SectionSpec(
                sourced_id=_class_sourced_id(c),
                name=c.name,
                code=c.code,
                kind=Section.Kind.CLASS,
                course_title=c.name,
                subject=c.subject,
                grade_levels=c.grade_levels,
                teacher=teacher_person(_teacher(c.teacher)).sourced_id,
                students=tuple(enrolled[c.key]),
            )
            for c in data.CLASSES
        ]
        return tuple(sections)


def build_demo_plan() -> DemoPlan:
    """Every person, profile, section and link of the demo school; the same on every call."""
    return _PlanBuilder().build()


# --- Writing it --------------------------------------------------------------------------------


LOGIN_ROLES = {
    "teacher": Role.TEACHER,
    "student": Role.STUDENT,
    "parent": Role.GUARDIAN,
    "admin": Role.ADMIN,
}


def demo_school_seed(*, today: date | None = None) -> DemoSummary:
    """Create the demo school, or do nothing when it exists (a few queries).

    It is created only where that is safe: when no person or class in the database already
    uses one of the demo's sourcedIds or email addresses (a real roster imported first may);
    otherwise nothing is written and ``skipped`` says why. Everything is written in one
    transaction, so the school exists only together with all of its people; a second run
    racing the first waits for it and then finds the school.
    """
    today = today or timezone.localdate()
    logins = demo_logins()
    existing = School.objects.filter(sourced_id=data.SCHOOL_SOURCED_ID).first()
    if existing is not None:
        return _existing_demo(existing, logins)
    plan = build_demo_plan()
    taken = demo_conflicts(plan)
    if taken:
        return DemoSummary(
            created=False,
            school_id=None,
            logins=(),
            skipped="Skipped the demo school: this database already has "
            + _and(taken[:3])
            + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
            + " that the demo would create (a roster import may have brought them). The demo "
            "is only added to a database without them, so nothing was changed.",
        )
    from .services import school_setup

    try:
        with transaction.atomic(), pghistory.context(source=HISTORY_SOURCE):
            school, created = School.objects.get_or_create(
                sourced_id=data.SCHOOL_SOURCED_ID,
                defaults={"name": data.SCHOOL_NAME, "identifier": data.SCHOOL_IDENTIFIER},
            )
            if not created:  # another run made it meanwhile
                return _existing_demo(school, logins)
            # Existing schools got later apps' defaults from those apps' data migrations.
            school_setup(school=school)
            counts = _write_plan(school, plan, demo_terms(today))
    except IntegrityError as exc:  # a conflicting row appeared between the check and the write
        reason = " ".join(str(exc).split())
        return DemoSummary(
            created=False,
            school_id=None,
            logins=(),
            skipped=f"Skipped the demo school: the database refused it ({reason}). Nothing "
            "was changed.",
        )
    return DemoSummary(created=True, school_id=school.pk, logins=logins, counts=counts)


def demo_conflicts(plan: DemoPlan) -> list[str]:
    """What in the database already uses a sourcedId or email the demo would create."""
    people = [
        *(t.person for t in plan.teachers),
        plan.admin,
        *(s.person for s in plan.students),
        *plan.guardians,
    ]
    sids = {p.sourced_id for p in people}
    emails = {p.email.lower() for p in people}
    taken: list[str] = []
    for sid, email in (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(Q(sourced_id__in=sids) | Q(email_lower__in=emails))
        .order_by("email_lower")
        .values_list("sourced_id", "email_lower")
    ):
        taken.append(f"the sourcedId {sid}" if sid in sids else f"the email {email}")
    section_sids = [s.sourced_id for s in plan.sections]
    taken += [
        f"the class sourcedId {sid}"
        for sid in Section.objects.filter(sourced_id__in=section_sids)
        .order_by("sourced_id")
        .values_list("sourced_id", flat=True)
    ]
    return taken


def _existing_demo(school: School, logins: tuple[DemoLogin, ...]) -> DemoSummary:
    """The demo school is there: which of its logins still work, and why the others do not
    (a roster import may have deactivated or re-roled them)."""
    emails = [login.email for login in logins]
    accounts = {
        u.email.lower(): u
        for u in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(school=school, is_active=True),
                to_attr="demo_memberships",
            )
        )
    }
    working: list[DemoLogin] = []
    unavailable: list[str] = []
    for login in logins:
        account = accounts.get(login.email)
        roles = {m.role for m in getattr(account, "demo_memberships", [])}
        if account is None:
            unavailable.append(f"{login.email} does not exist any more")
        elif not account.is_active:
            unavailable.append(f"{login.email} has been deactivated")
        elif not account.has_usable_password():
            unavailable.append(f"{login.email} has no password any more")
        elif LOGIN_ROLES[login.role] not in roles:
            unavailable.append(f"{login.email} is no longer a {login.role} at {school.name}")
        else:
            working.append(login)
    return DemoSummary(
        created=False,
        school_id=school.pk,
        logins=tuple(working),
        unavailable=tuple(unavailable),
    )


def format_demo_unavailable(summary: DemoSummary) -> str:
    """Why the demo is not (all) there, for the run command."""
    if summary.skipped:
        return summary.skipped
    return (
        "The demo school has changed since it was seeded (a roster import may have changed "
        "it): " + "; ".join(summary.unavailable) + ". Its frameworks, evidence and goals are "
        "only added to an unchanged demo school, so they were left as they are."
    )


def _write_plan(
    school: School, plan: DemoPlan, terms: tuple[TermSpec, TermSpec, TermSpec]
) -> dict[str, int]:
    # One hash for everyone: hashing 150 passwords one by one would take most of a minute.
    password = make_password(settings.LEARNHUB_DEMO_PASSWORD)
    people = [
        *(t.person for t in plan.teachers),
        plan.admin,
        *(s.person for s in plan.students),
        *plan.guardians,
    ]
    users = User.objects.bulk_create(
        User(
            email=p.email,
            given_name=p.given_name,
            family_name=p.family_name,
            preferred_name=p.preferred_name,
            sourced_id=p.sourced_id,
            password=password,
            is_staff=p is plan.admin,
        )
        for p in people
    )
    user = {u.sourced_id: u for u in users}

    def member(person: PersonSpec, role: str, grade: str = "") -> Membership:
        return Membership(user=user[person.sourced_id], school=school, role=role, grade_level=grade)

    Membership.objects.bulk_create(
        [
            *(member(t.person, Role.TEACHER) for t in plan.teachers),
            member(plan.admin, Role.ADMIN),
            *(member(s.person, Role.STUDENT, s.grade) for s in plan.students),
            *(member(g, Role.GUARDIAN) for g in plan.guardians),
        ]
    )
    LearnerProfile.objects.bulk_create(
        LearnerProfile(student=user[s.person.sourced_id], **asdict(s.profile))
        for s in plan.students
    )

    year_spec, *semester_specs = terms
    year = Term.objects.create(school=school, **asdict(year_spec))
    semesters = Term.objects.bulk_create(
        Term(school=school, parent=year, **asdict(spec)) for spec in semester_specs
    )

    sections = Section.objects.bulk_create(
        Section(
            school=school,
            sourced_id=s.sourced_id,
            name=s.name,
            code=s.code,
            kind=s.kind,
            course_title=s.course_title,
            subject=s.subject,
            grade_levels=s.grade_levels,
        )
        for s in plan.sections
    )
    Section.terms.through.objects.bulk_create(
        Section.terms.through(section_id=section.pk, term_id=term.pk)
        for section in sections
        for term in semesters
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                section=section,
                user=user[spec.teacher],
                role=Enrollment.Role.TEACHER,
                is_primary=True,
            )
            for section, spec in zip(sections, plan.sections, strict=True)
        ]
        + [
            Enrollment(section=section, user=user[sid], role=Enrollment.Role.STUDENT)
            for section, spec in zip(sections, plan.sections, strict=True)
            for sid in spec.students
        ]
    )
    GuardianLink.objects.bulk_create(
        GuardianLink(
            guardian=user[link.guardian], student=user[link.student], relationship=link.relationship
        )
        for link in plan.guardian_links
    )
    return {
        "teachers": len(plan.teachers),
        "students": len(plan.students),
        "guardians": len(plan.guardians),
        "admins": 1,
        "terms": 1 + len(semesters),
        "sections": len(sections),
        "enrollments": len(enrollments),
        "guardian_links": len(plan.guardian_links),
    }
