"""Validation: what LearnHub holds already, every reference resolved, every rule checked, and
whether the person importing may."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Literal

from django.db.models import F
from django.db.models.functions import Lower

from ..models import (
    Enrollment,
    Membership,
    Role,
    School,
    Section,
    Term,
    User,
)
from .reading import _Reading
from .rows import _admin_url, _Enrollment, _sample, _Session, _User
from .spec import GUARDIAN_ROLES, Resolution


class _Validation(_Reading):
    def _fetch(self) -> None:
        school_refs = set(self.orgs) | {o.parent_sid for o in self.orgs.values()}
        school_refs |= {c.school_sid for c in self.classes.values()}
        school_refs |= {e.school_sid for e in self.enrollments.values()}
        school_refs |= {c.org_sid for c in self.courses.values()}
        for user in self.users.values():
            school_refs.update(user.org_sids)
        schools = School.objects.filter(sourced_id__in=sorted(school_refs - {""}))
        if self.lock:
            # Two imports for one school run one after the other (rows locked in one order).
            schools = schools.select_for_update().order_by("pk")
        self.db_schools = {s.sourced_id: s for s in schools if s.sourced_id}
        term_refs = set(self.sessions) | {s.parent_sid for s in self.sessions.values()}
        for klass in self.classes.values():
            term_refs.update(klass.term_sids)
        for term in Term.objects.filter(sourced_id__in=term_refs - {""}).select_related("school"):
            assert term.sourced_id is not None
            self.term_sites[term.sourced_id].append(term)
            if term.school.sourced_id:
                self.db_terms[(term.school.sourced_id, term.sourced_id)] = term
        section_refs = set(self.classes) | {e.class_sid for e in self.enrollments.values()}
        self.db_sections = {
            s.sourced_id: s
            for s in Section.objects.filter(sourced_id__in=section_refs - {""}).select_related(
                "school"
            )
            if s.sourced_id
        }
        user_refs = set(self.users) | {e.user_sid for e in self.enrollments.values()}
        for user in self.users.values():
            user_refs.update(user.agent_sids)
        self.db_users = {
            u.sourced_id: u
            for u in User.objects.filter(sourced_id__in=user_refs - {""})
            if u.sourced_id
        }
        self.db_enrollments = {
            e.sourced_id: e
            for e in Enrollment.objects.filter(sourced_id__in=list(self.enrollments)).annotate(
                school_pk=F("section__school_id")
            )
            if e.sourced_id
        }
        # Accounts that already use an address the file gives a new or changed person.
        wanted = {
            u.email: u
            for u in self.users.values()
            if not u.deleted
            and u.email
            and (
                u.sid not in self.db_users
                or (not u.placeholder and self.db_users[u.sid].email.lower() != u.email)
            )
        }
        for account in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=list(wanted)
        ):
            self._check_email_owner(wanted[account.email.lower()], account)
        people = [u.pk for u in self.db_users.values()] + [u.pk for u in self.email_links.values()]
        for user_id, school_id, role, active in Membership.objects.filter(
            user_id__in=people
        ).values_list("user_id", "school_id", "role", "is_active"):
            self.db_user_schools[user_id].add(school_id)
            if active:
                self.db_roles[user_id].add(role)

    def _check_email_owner(self, user: _User, account: User) -> None:
        matched = self.db_users.get(user.sid)
        if matched is not None and matched.pk == account.pk:
            return
        if matched is None and not account.sourced_id and not user.placeholder:
            self.email_links[user.sid] = account
            self.warn(
                "users.csv",
                user.line,
                "email",
                f"{user.sid} was linked to the existing LearnHub account {account.email}.",
            )
            return
        owner = f"{account.sourced_id}" if account.sourced_id else "a person not from a roster"
        if account.sourced_id and account.sourced_id in self.users:
            reason = (
                f"{user.email} belongs to {owner} in LearnHub, whose email this file changes too; "
                "swap addresses in two separate imports."
            )
        else:
            reason = f"{user.email} already belongs to another LearnHub account ({owner})."
        self.error("users.csv", user.line, "email", reason)

    def _parsed(self) -> dict[str, Mapping[str, Any]]:
        return {
            "orgs": self.orgs,
            "academicSessions": self.sessions,
            "courses": self.courses,
            "classes": self.classes,
            "users": self.users,
            "enrollments": self.enrollments,
        }

    def _stored(self) -> dict[str, Mapping[str, Any]]:
        return {
            "orgs": self.db_schools,
            "academicSessions": self.term_sites,
            "courses": {},
            "classes": self.db_sections,
            "users": self.db_users,
            "enrollments": self.db_enrollments,
        }

    def _resolve(self, kind: str, sid: str) -> Resolution:
        rows, db = self._parsed()[kind], self._stored()[kind]
        if sid in db:
            return "db" if sid not in rows else "file"
        if sid in rows:
            return "gone" if rows[sid].deleted else "file"
        return "unchecked" if kind in self.broken else "missing"

    def _where(self, kind: str) -> str:
        return f"{kind}.csv or LearnHub" if kind in self.tables else "LearnHub"

    def _org_school(self, sid: str) -> str | None:
        """The school a reference to org ``sid`` means: the org itself when it is a school,
        else the nearest school above it (``parentSourcedId``); None when there is none."""
        seen: set[str] = set()
        while sid and sid not in seen:
            seen.add(sid)
            if sid in self.db_schools:
                return sid
            org = self.orgs.get(sid)
            if org is None or org.deleted:
                return None
            if org.type == "school":
                return sid
            sid = org.parent_sid
        return None

    def _why_no_school(self, sid: str) -> str:
        """Why a reference to org ``sid`` leads to no school (for a warning)."""
        found = self._resolve("orgs", sid)
        if found == "missing":
            return f"Org {sid} is not in {self._where('orgs')}"
        if found == "gone":
            return f"Org {sid} is marked tobedeleted and is not in LearnHub"
        org = self.orgs[sid]
        return f"{sid} is a {org.type} with no school above it"

    def _school_of_class(self, sid: str) -> str | None:
        klass = self.classes.get(sid)
        if klass is not None and not klass.deleted and not klass.skipped:
            return klass.school
        section = self.db_sections.get(sid)
        return section.school.sourced_id if section else None

    def _role_of(self, sid: str) -> set[str]:
        """Roles a referenced person has: from their row, else their active memberships."""
        if sid in self.users and not self.users[sid].deleted:
            role = self.users[sid].membership_role
            return {role} if role else set()
        account = self.db_users.get(sid)
        return self.db_roles.get(account.pk, set()) if account else set()

    def _validate(self) -> None:
        self._parse_rows()
        self._fetch()
        self._skip_unknown_deletions()
        self._validate_orgs()
        self._validate_courses()
        self._validate_classes()
        self._resolve_session_schools()
        self._validate_users()
        self._validate_enrollments()
        self._flush_grouped()
        if self.actor is not None and not self.actor.is_superuser:
            self._check_actor()

    def _skip_unknown_deletions(self) -> None:
        stored = self._stored()
        for kind, rows in self._parsed().items():
            gone = [sid for sid, row in rows.items() if row.deleted and sid not in stored[kind]]
            self.gone[kind] = set(gone)
            if gone and kind != "courses":
                self.warn(
                    f"{kind}.csv",
                    None,
                    "status",
                    f"{len(gone)} rows marked tobedeleted ({_sample(gone)}) are not in "
                    "LearnHub: there was nothing to deactivate.",
                )

    def _validate_orgs(self) -> None:
        for org in self.orgs.values():
            if org.deleted:
                continue
            if org.type and org.type != "school":
                self.warn(
                    "orgs.csv",
                    org.line,
                    "type",
                    f"{org.sid} ({org.name}) is a {org.type}: LearnHub keeps schools only, so "
                    "it was not imported.",
                )
            if org.parent_sid and self._resolve("orgs", org.parent_sid) in ("missing", "gone"):
                self.warn_grouped(
                    "orgs.csv",
                    "parentSourcedId",
                    f"The parent org {org.parent_sid} is not in {self._where('orgs')}, so "
                    "{these} imported without it.",
                    org.sid,
                )
            elif org.parent_sid:
                seen = {org.sid}
                sid = org.parent_sid
                while sid in self.orgs:
                    if sid in seen:
                        self.error(
                            "orgs.csv",
                            org.line,
                            "parentSourcedId",
                            f"Following parentSourcedId from {org.sid} leads back to it (a loop).",
                        )
                        break
                    seen.add(sid)
                    sid = self.orgs[sid].parent_sid
        if "orgs" in self.tables:
            self.scope_sids = {
                o.sid
                for o in self.orgs.values()
                if (o.type == "school" and not o.deleted)
                or (o.deleted and o.sid in self.db_schools)
            }
        else:
            refs = {c.school_sid for c in self.classes.values()}
            refs |= {e.school_sid for e in self.enrollments.values()}
            for user in self.users.values():
                refs.update(user.org_sids)
            self.scope_sids = {s for s in refs if s in self.db_schools}

    def _validate_courses(self) -> None:
        for course in self.courses.values():
            if course.deleted or not course.org_sid:
                continue
            if self._resolve("orgs", course.org_sid) in ("missing", "gone"):
                self.warn_grouped(
                    "courses.csv",
                    "orgSourcedId",
                    f"Org {course.org_sid} is not in {self._where('orgs')}; LearnHub keeps no "
                    "courses, so nothing else comes of it, but {these} read without it.",
                    course.sid,
                )

    def _validate_classes(self) -> None:
        for klass in self.classes.values():
            if klass.deleted or not klass.school_sid:
                continue
            school = self._org_school(klass.school_sid)
            if school is None:
                if "orgs" not in self.broken:
                    self.warn(
                        "classes.csv",
                        klass.line,
                        "schoolSourcedId",
                        f"{self._why_no_school(klass.school_sid)}, so class {klass.sid} "
                        "was skipped, with its enrollments.",
                    )
                klass.skipped = True
                continue
            if school != klass.school_sid:
                org = self.orgs[klass.school_sid]
                self.warn_grouped(
                    "classes.csv",
                    "schoolSourcedId",
                    f"{klass.school_sid} is a {org.type}, not a school: {{these}} placed at "
                    f"the school above it, {school}.",
                    klass.sid,
                )
            klass.school = school
            if (
                klass.course_sid
                and klass.course_sid not in self.courses
                and "courses" not in self.broken
            ):
                self.warn_grouped(
                    "classes.csv",
                    "courseSourcedId",
                    f"Course {klass.course_sid} is not in this export, so "
                    "{these} imported without a new course title (they keep the one "
                    "LearnHub has).",
                    klass.sid,
                )
            for term_sid in klass.term_sids:
                reason = self._term_link_problem(school, term_sid)
                if reason is None:
                    klass.terms.append(term_sid)
                elif reason:
                    self.warn_grouped(
                        "classes.csv",
                        "termSourcedIds",
                        f"{reason}, so {{these}} imported without it.",
                        klass.sid,
                    )

    def _term_link_problem(self, school: str, term_sid: str) -> str | None:
        """None if a class at ``school`` can be linked to session ``term_sid``; else why not
        ("" when an error about it is reported already)."""
        session = self.sessions.get(term_sid)
        if session is not None and not session.deleted:
            return None
        if (school, term_sid) in self.db_terms:
            return None  # in LearnHub at this school (maybe being deactivated)
        if session is not None:
            return f"Term {term_sid} is marked tobedeleted and is not in LearnHub at {school}"
        if self.term_sites.get(term_sid):
            return (
                f"Term {term_sid} is not in academicSessions.csv and LearnHub has it only at "
                "other schools"
            )
        if "academicSessions" in self.broken:
            return ""
        return f"Term {term_sid} is not in {self._where('academicSessions')}"

    def _resolve_session_schools(self) -> None:
        """Where each session becomes a term: see the module docstring."""
        for session in self.sessions.values():
            if not session.deleted:
                self._check_session_parent(session)
        for klass in self.classes.values():
            if klass.deleted or klass.skipped:
                continue
            for term_sid in klass.terms:
                if term_sid in self.sessions and not self.sessions[term_sid].deleted:
                    self.sessions[term_sid].schools.add(klass.school)
        only_school = next(iter(self.scope_sids)) if len(self.scope_sids) == 1 else None
        for session in self.sessions.values():
            if session.deleted:
                continue
            session.schools |= {
                t.school.sourced_id
                for t in self.term_sites.get(session.sid, [])
                if t.school.sourced_id in self.scope_sids
            }
            if not session.schools and only_school:
                session.schools.add(only_school)
        # A parent session is a term wherever its children are.
        for session in self.sessions.values():
            if session.deleted:
                continue
            seen = {session.sid}
            parent = self.sessions.get(session.parent_sid)
            while parent is not None and not parent.deleted and parent.sid not in seen:
                seen.add(parent.sid)
                parent.schools |= session.schools
                parent = self.sessions.get(parent.parent_sid)
        unplaced = [s.sid for s in self.sessions.values() if not s.deleted and not s.schools]
        for sid in unplaced:
            self.sessions[sid].skipped = True
        if unplaced:
            self.warn(
                "academicSessions.csv",
                None,
                "sourcedId",
                f"{len(unplaced)} sessions ({_sample(unplaced)}) are used by no class and the "
                "file has several schools, so LearnHub cannot tell whose terms they are: they "
                "were not imported.",
            )
        for session in self.sessions.values():
            if session.deleted or session.skipped or not session.parent_sid:
                continue
            parent = self.sessions.get(session.parent_sid)
            missing = sorted(
                school
                for school in session.schools
                if not (parent is not None and not parent.deleted and school in parent.schools)
                and (school, session.parent_sid) not in self.db_terms
            )
            if not missing or "academicSessions" in self.broken:
                continue
            if parent is None and not self.term_sites.get(session.parent_sid):
                why = f"The parent session {session.parent_sid} is not in " + self._where(
                    "academicSessions"
                )
            elif parent is not None and parent.deleted:
                why = f"The parent session {session.parent_sid} is marked tobedeleted"
            else:
                why = f"The parent session {session.parent_sid} is not a term at " + ", ".join(
                    missing
                )
            self.warn_grouped(
                "academicSessions.csv",
                "parentSourcedId",
                f"{why}, so {{these}} imported without a parent there.",
                session.sid,
            )

    def _check_session_parent(self, session: _Session) -> None:
        if not session.parent_sid or session.parent_sid not in self.sessions:
            return
        seen = {session.sid}
        sid = session.parent_sid
        while sid in self.sessions:
            if sid in seen:
                self.error(
                    "academicSessions.csv",
                    session.line,
                    "parentSourcedId",
                    f"Following parentSourcedId from {session.sid} leads back to it (a loop).",
                )
                session.parent_sid = ""
                return
            seen.add(sid)
            sid = self.sessions[sid].parent_sid

    def _validate_users(self) -> None:
        for user in self.users.values():
            if user.deleted:
                continue
            for sid in user.org_sids:
                school = self._org_school(sid)
                if school is not None:
                    if school not in user.schools:
                        user.schools.append(school)
                elif self._resolve("orgs", sid) in ("missing", "gone"):
                    self.warn_grouped(
                        "users.csv",
                        "orgSourcedIds",
                        f"{self._why_no_school(sid)}, so {{these}} given no role there.",
                        user.sid,
                    )
            if user.org_sids and not user.schools and "orgs" not in self.broken:
                self.warn(
                    "users.csv",
                    user.line,
                    "orgSourcedIds",
                    f"{user.sid} belongs to no school in LearnHub, so they have no role here.",
                )
            if user.role in ("aide", "proctor"):
                self.warn(
                    "users.csv",
                    user.line,
                    "role",
                    f"{user.sid} is a {user.role}: LearnHub "
                    + (
                        "gives aides the teacher role."
                        if user.role == "aide"
                        else "has no proctor role, so they get no membership."
                    ),
                )
            if not user.agent_sids:
                continue
            if user.role == "student":
                wanted, noun = Role.GUARDIAN, "a parent, guardian or relative"
            elif user.role in GUARDIAN_ROLES:
                wanted, noun = Role.STUDENT, "a student"
            else:
                self.warn(
                    "users.csv",
                    user.line,
                    "agentSourcedIds",
                    f"agentSourcedIds of a {user.role} are not used.",
                )
                continue
            for agent in user.agent_sids:
                found = self._resolve("users", agent)
                if agent in self.users and self.users[agent].deleted:
                    continue  # their links are deactivated with them
                if found == "missing":
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"Person {agent} is not in {self._where('users')}, so the link between "
                        f"{user.sid} and {agent} was skipped.",
                    )
                elif found == "gone":
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"Person {agent} is marked tobedeleted and is not in LearnHub, so the "
                        f"link between {user.sid} and {agent} was skipped.",
                    )
                elif found in ("file", "db") and wanted not in self._role_of(agent):
                    self.warn(
                        "users.csv",
                        user.line,
                        "agentSourcedIds",
                        f"{agent} is not {noun}, so they cannot be an agent of this "
                        f"{user.role}: the link between {user.sid} and {agent} was skipped.",
                    )
                elif found in ("file", "db"):
                    user.agents.append(agent)

    def _validate_enrollments(self) -> None:
        skipped_roles: dict[str, list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            if enrollment.deleted:
                continue
            reason = self._enrollment_problem(enrollment)
            if reason is not None:
                enrollment.skipped = True
                if reason:
                    self.warn_grouped(
                        "enrollments.csv",
                        reason[0],
                        reason[1] + ", so {these} skipped.",
                        enrollment.sid,
                    )
                continue
            if enrollment.school_sid:
                school = self._school_of_class(enrollment.class_sid)
                named = self._org_school(enrollment.school_sid)
                if school is not None and named != school:
                    self.warn_grouped(
                        "enrollments.csv",
                        "schoolSourcedId",
                        f"Class {enrollment.class_sid} is at school {school}, not "
                        f"{enrollment.school_sid}: {{these}} imported at {school}, with the "
                        "class.",
                        enrollment.sid,
                    )
            if enrollment.role and enrollment.mapped_role is None:
                skipped_roles[enrollment.role].append(enrollment.sid)
            elif enrollment.role == "aide":
                skipped_roles["aide"].append(enrollment.sid)
        for role, sids in sorted(skipped_roles.items()):
            what = (
                "were imported as teacher enrollments"
                if role == "aide"
                else "were skipped: LearnHub enrolls only teachers and students"
            )
            self.warn(
                "enrollments.csv",
                None,
                "role",
                f"{len(sids)} {role} enrollments ({_sample(sids)}) {what}.",
            )

    def _enrollment_problem(self, enrollment: _Enrollment) -> tuple[str, str] | Literal[""] | None:
        """Why an enrollment must be skipped: (column, reason), "" when an error says it
        already, None when it can be imported."""
        class_sid, user_sid = enrollment.class_sid, enrollment.user_sid
        if not class_sid or not user_sid:
            return ""
        found = self._resolve("classes", class_sid)
        klass = self.classes.get(class_sid)
        if found == "unchecked":
            return ""
        if found == "missing":
            return ("classSourcedId", f"Class {class_sid} is not in {self._where('classes')}")
        if found == "gone" or (klass is not None and klass.deleted):
            return ("classSourcedId", f"Class {class_sid} is marked tobedeleted")
        if klass is not None and klass.skipped:
            return ("classSourcedId", f"Class {class_sid} was skipped (see classes.csv)")
        found = self._resolve("users", user_sid)
        person = self.users.get(user_sid)
        if found == "unchecked":
            return ""
        if found == "missing":
            return ("userSourcedId", f"Person {user_sid} is not in {self._where('users')}")
        if found == "gone" or (person is not None and person.deleted):
            return ("userSourcedId", f"Person {user_sid} is marked tobedeleted")
        return None

    # ---- who may import

    def _check_actor(self) -> None:
        assert self.actor is not None
        admin_of = {
            school.pk: school
            for school in School.objects.filter(
                memberships__user=self.actor,
                memberships__role=Role.ADMIN,
                memberships__is_active=True,
            )
        }
        self.administered = set(admin_of)
        allowed_sids = {s.sourced_id for s in admin_of.values() if s.sourced_id}
        refused: dict[str, tuple[str, int | None, str]] = {}

        def deny_school(file: str, line: int | None, column: str, sid: str) -> None:
            if sid and sid not in allowed_sids and sid not in refused:
                refused[sid] = (file, line, column)

        for org in self.orgs.values():
            if (org.type == "school" and not org.deleted) or org.sid in self.db_schools:
                deny_school("orgs.csv", org.line, "sourcedId", org.sid)
        for klass in self.classes.values():
            if klass.school:
                deny_school("classes.csv", klass.line, "schoolSourcedId", klass.school)
        for enrollment in self.enrollments.values():
            school = self._org_school(enrollment.school_sid)
            if school in self.db_schools:
                deny_school("enrollments.csv", enrollment.line, "schoolSourcedId", school)
        for user in self.users.values():
            for sid in user.schools:
                deny_school("users.csv", user.line, "orgSourcedIds", sid)
        for sid, (file, line, column) in refused.items():
            self.error(file, line, column, self._refusal(sid, list(admin_of.values())))
        if refused:
            self.onboarding = {
                "org_sids": sorted(refused),
                "names": {sid: self.orgs[sid].name for sid in refused if sid in self.orgs},
                "unknown": sorted(sid for sid in refused if sid not in self.db_schools),
                "schools": [
                    {
                        "name": s.name,
                        "sourced_id": s.sourced_id or "",
                        "url": _admin_url("admin:profiles_school_change", s.pk),
                    }
                    for s in admin_of.values()
                ],
                "add_url": _admin_url("admin:profiles_school_add"),
            }

        def deny_record(file: str, line: int | None, column: str, what: str) -> None:
            self.error(
                file,
                line,
                column,
                f"{what} is already in LearnHub at a school you do not administer.",
            )

        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if section and section.school_id not in self.administered:
                deny_record("classes.csv", klass.line, "sourcedId", f"Class {klass.sid}")
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if existing and existing.school_pk not in self.administered:  # type: ignore[attr-defined]
                deny_record(
                    "enrollments.csv", enrollment.line, "sourcedId", f"Enrollment {enrollment.sid}"
                )
        for sid, account in [*self.db_users.items(), *self.email_links.items()]:
            if account.is_superuser or not (
                self.db_user_schools.get(account.pk, set()) & self.administered
            ):
                row = self.users.get(sid)
                if row is not None:
                    deny_record("users.csv", row.line, "sourcedId", f"Person {sid}")
                    continue
                line = next(
                    (
                        e.line
                        for e in self.enrollments.values()
                        if e.user_sid == sid and not e.skipped
                    ),
                    None,
                )
                if line is not None:
                    deny_record("enrollments.csv", line, "userSourcedId", f"Person {sid}")
                    continue
                agent_line = next((u.line for u in self.users.values() if sid in u.agents), None)
                if agent_line is not None:
                    deny_record("users.csv", agent_line, "agentSourcedIds", f"Person {sid}")

    def _refusal(self, sid: str, schools: list[School]) -> str:
        """What a school admin is told when the file is for a school they do not run."""
        name = self.orgs[sid].name if sid in self.orgs and self.orgs[sid].name else ""
        called = f"School {sid}" + (f" ({name})" if name else "")
        if sid in self.db_schools:
            return (
                f"{called} is in LearnHub, but you do not administer it: ask its school admin "
                "or your LearnHub operator to import this file."
            )
        add_url = _admin_url("admin:profiles_school_add")
        text = (
            f"{called} is not in LearnHub yet, and only a LearnHub operator can add a school or "
            "bind one to its OneRoster sourcedId."
        )
        if len(schools) == 1:
            school = schools[0]
            url = _admin_url("admin:profiles_school_change", school.pk)
            if not school.sourced_id:
                return (
                    f"{text} If this export is {school.name}'s, ask your operator to enter {sid} "
                    f"as the OneRoster sourcedId of {school.name} on {url} (or to run manage.py "
                    f'school_bind "{school.name}" {sid}), then upload the file again.'
                )
            return (
                f"{text} You administer {school.name}, whose sourcedId is {school.sourced_id}: "
                "check that this is your school's export. If your school's sourcedId really "
                f"is {sid}, ask your operator to change it on {url}; if it is another school, "
                f"ask them to add it on {add_url} with sourcedId {sid} and make you its school "
                "admin. Then upload the file again."
            )
        return (
            f"{text} Ask your operator to add it on {add_url} with sourcedId {sid} (or to bind "
            "one of your schools to it with manage.py school_bind) and make you its school "
            "admin, then upload the file again."
        )

    # ---- planning every write (nothing is saved here)
