"""Planning the writes: every create, update and deactivation as a change set, and the summary
the preview shows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Count

from ..models import (
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
from .changes import ENTITIES
from .rows import _sample
from .spec import ROSTERED_ROLES, SHARED_PERSON, confirm_share
from .validation import _Validation


class _Planning(_Validation):
    def _plan(self) -> None:
        changes = self.changes
        for rows in (
            self.db_schools.values(),
            self.db_terms.values(),
            self.db_sections.values(),
            self.db_users.values(),
            self.email_links.values(),
            self.db_enrollments.values(),
        ):
            changes.load(rows)
        self._plan_schools()
        self._plan_terms()
        self._plan_sections()
        self._plan_users()
        self._plan_memberships()
        self._plan_learner_profiles()
        self._plan_guardian_links()
        self._plan_enrollments()
        self._plan_cascade()
        self._check_deactivations()

    def _plan_schools(self) -> None:
        changes = self.changes
        self.school_obj = dict(self.db_schools)
        for org in self.orgs.values():
            school = self.db_schools.get(org.sid)
            if org.deleted:
                if school is not None:
                    changes.set(school, {"is_active": False})
                continue
            if org.type != "school":
                continue
            desired = {"name": org.name, "identifier": org.identifier, "is_active": True}
            if school is None:
                self.school_obj[org.sid] = changes.add(School(sourced_id=org.sid, **desired))
            else:
                changes.set(school, desired)
        self.scope_pks = {
            self.db_schools[sid].pk for sid in self.scope_sids if sid in self.db_schools
        }

    def _term_schools(self) -> set[int] | None:
        """Schools whose terms a session marked tobedeleted deactivates (None: all)."""
        if self.scope_pks:
            return self.scope_pks
        return self.administered

    def _plan_terms(self) -> None:
        changes = self.changes
        reach = self._term_schools()
        for session in self.sessions.values():
            if session.deleted:
                for site in self.term_sites.get(session.sid, []):
                    if reach is None or site.school_id in reach:
                        changes.set(changes.adopt(site), {"is_active": False})
                continue
            if session.skipped:
                continue
            desired: dict[str, Any] = {
                "title": session.title,
                "kind": session.kind,
                "start_date": session.start,
                "end_date": session.end,
                "school_year": session.school_year,
                "is_active": True,
            }
            for school_sid in sorted(session.schools):
                existing = self.db_terms.get((school_sid, session.sid))
                if existing is None:
                    term = changes.add(
                        Term(school=self.school_obj[school_sid], sourced_id=session.sid, **desired)
                    )
                else:
                    term = existing
                    changes.set(term, desired)
                self.term_obj[(school_sid, session.sid)] = term
        for session in self.sessions.values():
            if session.deleted or session.skipped:
                continue
            for school_sid in sorted(session.schools):
                term = self.term_obj[(school_sid, session.sid)]
                parent = None
                if session.parent_sid:
                    key = (school_sid, session.parent_sid)
                    parent = self.term_obj.get(key) or self.db_terms.get(key)
                if term.pk is None:
                    term.parent = parent
                else:
                    changes.set(term, {"parent": parent})
        if self.modes.get("academicSessions") == "bulk" and self.scope_pks:
            for term in changes.load(
                Term.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                )
                .exclude(sourced_id__in=list(self.sessions))
                .select_related("school")
            ):
                changes.set(term, {"is_active": False})

    def _plan_sections(self) -> None:
        changes = self.changes
        self.section_obj = dict(self.db_sections)
        wanted_terms: dict[str, list[Term]] = {}
        for klass in self.classes.values():
            section = self.db_sections.get(klass.sid)
            if klass.deleted:
                if section is not None:
                    self.deleted_sections.add(section.pk)
                    changes.set(section, {"is_active": False})
                continue
            if klass.skipped:
                continue
            desired: dict[str, Any] = {
                "school": self.school_obj[klass.school],
                "name": klass.title,
                "code": klass.code,
                "kind": klass.kind,
                "grade_levels": klass.grades,
                "is_active": True,
            }
            course = self.courses.get(klass.course_sid)
            if course is not None and not course.deleted:
                desired["course_title"] = course.title
                desired["subject"] = klass.subjects or course.subjects
            elif klass.subjects:
                desired["subject"] = klass.subjects
            if section is None:
                section = changes.add(Section(sourced_id=klass.sid, **desired))
                self.section_obj[klass.sid] = section
            else:
                changes.set(section, desired)
            wanted_terms[klass.sid] = [
                self.term_obj.get((klass.school, sid)) or self.db_terms[(klass.school, sid)]
                for sid in klass.terms
            ]
        through = Section.terms.through
        current: dict[int, dict[int, int]] = defaultdict(dict)  # section -> term -> row id
        existing = [self.section_obj[sid].pk for sid in wanted_terms if self.section_obj[sid].pk]
        for row_id, section_id, term_id in through.objects.filter(
            section_id__in=existing
        ).values_list("id", "section_id", "term_id"):
            current[section_id][term_id] = row_id
        for sid, terms in wanted_terms.items():
            section = self.section_obj[sid]
            changes.link_terms(section, terms, current.get(section.pk, {}))
        if self.modes.get("classes") == "bulk" and self.scope_pks:
            for section in changes.load(
                Section.objects.filter(
                    school_id__in=self.scope_pks, sourced_id__isnull=False, is_active=True
                ).exclude(sourced_id__in=list(self.classes))
            ):
                changes.set(section, {"is_active": False})
                self.deleted_sections.add(section.pk)

    def _plan_users(self) -> None:
        changes = self.changes
        # Imported people sign in after a password reset; one unusable hash serves them all
        # (hashing one per person would be most of the preview's time).
        unusable = make_password(None)
        for user in self.users.values():
            account = self.db_users.get(user.sid) or self.email_links.get(user.sid)
            shared = account is not None and self._shared(account)
            if user.deleted:
                if account is not None:
                    self.user_obj[user.sid] = account
                    if shared:
                        # Their account is another school's too: only their side here goes.
                        self.deleted_shared.add(account.pk)
                        self.warn_grouped(
                            "users.csv",
                            "status",
                            SHARED_PERSON.format(what="deactivate their account")
                            + " Their roles, classes and links at your schools were deactivated.",
                            user.sid,
                        )
                        continue
                    self.deleted_users.add(account.pk)
                    changes.set(account, {"is_active": False})
                continue
            desired: dict[str, Any] = {
                "sourced_id": user.sid,
                "given_name": user.given,
                "family_name": user.family,
                "is_active": user.enabled,
            }
            if not user.placeholder or account is None:
                desired["email"] = user.email
            if user.membership_role == Role.ADMIN:
                desired["is_staff"] = True
            if account is None:
                account = User(password=unusable, **desired)
                changes.add(account)
            elif shared:
                changes.consider(account)
                if any(getattr(account, name) != value for name, value in desired.items()):
                    self.warn_grouped(
                        "users.csv",
                        "",
                        SHARED_PERSON.format(what="change their name, email or sign-in")
                        + " Those changes were skipped; their roles, classes and links at your "
                        "schools were imported.",
                        user.sid,
                    )
            else:
                changes.set(account, desired)
            self.user_obj[user.sid] = account
        for sid, account in self.db_users.items():
            self.user_obj.setdefault(sid, account)

    def _shared(self, account: User) -> bool:
        """For a school admin's import: the person is known at a school they do not run too,
        so only an operator may change their account (docs/decisions/0004)."""
        if self.administered is None:
            return False
        return bool(self.db_user_schools.get(account.pk, set()) - self.administered)

    def _listed(self, sid: str) -> bool:
        """A person this users.csv lists (and does not delete)."""
        return sid in self.users and not self.users[sid].deleted

    def _plan_memberships(self) -> None:
        changes = self.changes
        desired: dict[tuple[str, str, str], dict[str, Any]] = {}
        for user in self.users.values():
            role = user.membership_role
            if user.deleted or role is None:
                continue
            for school_sid in user.schools:
                desired[(user.sid, school_sid, role)] = {
                    "grade_level": user.grades if role == Role.STUDENT else "",
                    "is_active": True,
                }
        # An enrollment implies a membership of the same role at the class's school.
        implied: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            role = enrollment.mapped_role
            if enrollment.deleted or enrollment.skipped or role is None:
                continue
            class_school = self._school_of_class(enrollment.class_sid)
            account = self.user_obj[enrollment.user_sid]
            if account.pk in self.deleted_users or not class_school:
                continue
            school_sid = class_school
            if (enrollment.user_sid, school_sid, role) not in desired:
                implied[(enrollment.user_sid, school_sid, role)].append(enrollment.class_sid)
        sid_of = {u.pk: sid for sid, u in self.user_obj.items() if u.pk is not None}
        school_sid_of = {s.pk: sid for sid, s in self.school_obj.items() if s.pk is not None}
        existing: dict[tuple[str, str, str], Membership] = {}
        for membership in changes.load(
            Membership.objects.filter(user_id__in=list(sid_of), school_id__in=list(school_sid_of))
        ):
            key = (sid_of[membership.user_id], school_sid_of[membership.school_id], membership.role)
            existing[key] = membership
        for (user_sid, school_sid, role), class_sids in sorted(implied.items()):
            key = (user_sid, school_sid, role)
            desired[key] = {"is_active": True}
            row = self.users.get(user_sid)
            classes = _sample(dict.fromkeys(class_sids), limit=5)
            school = self.school_obj[school_sid].name
            if row is not None:
                self.warn(
                    "enrollments.csv",
                    None,
                    "role",
                    f"{user_sid} is a {row.role} in users.csv but enrollments.csv enrolls them as "
                    f"{role} in {classes}: they were also given a {role} membership at {school}.",
                )
            elif key not in existing or not existing[key].is_active:
                self.warn(
                    "enrollments.csv",
                    None,
                    "role",
                    f"{user_sid} is enrolled as {role} in {classes}: they were given a {role} "
                    f"membership at {school}.",
                )
        self.desired_memberships = desired
        for (user_sid, school_sid, role), values in desired.items():
            membership = existing.get((user_sid, school_sid, role))
            if membership is None:
                changes.add(
                    Membership(
                        user=self.user_obj[user_sid],
                        school=self.school_obj[school_sid],
                        role=role,
                        **values,
                    )
                )
            else:
                changes.set(membership, values)
        if self.modes.get("users") != "bulk":
            return
        for key, membership in existing.items():
            if (
                key not in desired
                and membership.is_active
                and self._listed(key[0])
                and membership.school_id in self.scope_pks
                and membership.role in ROSTERED_ROLES
            ):
                changes.set(membership, {"is_active": False})
        if not self.scope_pks:
            return
        # Rostered people this complete users.csv no longer lists.
        for membership in changes.load(
            Membership.objects.filter(
                school_id__in=self.scope_pks,
                role__in=ROSTERED_ROLES,
                is_active=True,
                user__sourced_id__isnull=False,
            )
            .exclude(user__sourced_id__in=list(self.users))
            .select_related("school", "user")
        ):
            changes.set(membership, {"is_active": False})
            self.dropped_users.add(membership.user_id)
        if not self.dropped_users:
            return
        still_active: set[int] = set()
        for membership in changes.load(
            Membership.objects.filter(user_id__in=self.dropped_users, is_active=True)
        ):
            if membership.is_active:
                still_active.add(membership.user_id)
        accounts = User.objects.filter(
            pk__in=self.dropped_users, is_active=True, is_superuser=False
        )
        if self.administered is not None:
            accounts = accounts.exclude(
                pk__in=Membership.objects.filter(user_id__in=self.dropped_users)
                .exclude(school_id__in=self.administered)
                .values("user_id")
            )
        for account in changes.load(accounts):
            if account.pk not in still_active:
                changes.set(account, {"is_active": False})

    def _plan_learner_profiles(self) -> None:
        changes = self.changes
        students = {
            key[0]
            for key in self.desired_memberships
            if key[2] == Role.STUDENT and self.user_obj[key[0]].pk not in self.deleted_users
        }
        known = [self.user_obj[s].pk for s in students if self.user_obj[s].pk is not None]
        have = dict(
            LearnerProfile.objects.filter(student_id__in=known).values_list("student_id", "pk")
        )
        changes.consider_pks(LearnerProfile, have.values())
        for sid in sorted(students):
            account = self.user_obj[sid]
            if account.pk is None or account.pk not in have:
                changes.add(LearnerProfile(student=account))

    def _plan_guardian_links(self) -> None:
        changes = self.changes
        desired: dict[tuple[str, str], str] = {}  # (guardian, student) -> relationship
        for user in self.users.values():
            if user.deleted:
                continue
            for agent in user.agents:
                agent_row = self.users.get(agent)
                if user.role == "student":
                    pair = (agent, user.sid)
                    relationship = agent_row.role if agent_row is not None else ""
                else:
                    pair = (user.sid, agent)
                    relationship = user.role
                desired.setdefault(pair, relationship)
        sid_of = {u.pk: sid for sid, u in self.user_obj.items() if u.pk is not None}
        existing = {
            (sid_of[link.guardian_id], sid_of[link.student_id]): link
            for link in changes.load(
                GuardianLink.objects.filter(
                    guardian_id__in=list(sid_of), student_id__in=list(sid_of)
                )
            )
        }
        for (guardian_sid, student_sid), relationship in desired.items():
            link = existing.get((guardian_sid, student_sid))
            if link is None:
                changes.add(
                    GuardianLink(
                        guardian=self.user_obj[guardian_sid],
                        student=self.user_obj[student_sid],
                        relationship=relationship,
                    )
                )
            else:
                changes.set(link, {"is_active": True})
        if self.modes.get("users") == "bulk":
            for pair, link in existing.items():
                if (
                    pair not in desired
                    and link.is_active
                    and self._listed(pair[0])
                    and self._listed(pair[1])
                ):
                    changes.set(link, {"is_active": False})

    def _plan_enrollments(self) -> None:
        changes = self.changes
        rows = [
            e
            for e in self.enrollments.values()
            if not e.deleted and not e.skipped and e.mapped_role is not None
        ]
        # Enrollments without a sourcedId match may adopt a person-class-role one.
        unmatched = [e for e in rows if e.sid not in self.db_enrollments]
        section_ids = {self.section_obj[e.class_sid].pk for e in unmatched} - {None}
        user_ids = {self.user_obj[e.user_sid].pk for e in unmatched} - {None}
        by_pair = {}
        if section_ids and user_ids:
            by_pair = {
                (e.section_id, e.user_id, e.role): e
                for e in changes.load(
                    Enrollment.objects.filter(section_id__in=section_ids, user_id__in=user_ids)
                )
            }
        claimed: set[int] = {e.pk for e in self.db_enrollments.values()}
        for enrollment in self.enrollments.values():
            existing = self.db_enrollments.get(enrollment.sid)
            if enrollment.deleted:
                if existing is not None:
                    changes.set(existing, {"is_active": False})
                continue
            role = enrollment.mapped_role
            if enrollment.skipped or role is None:
                continue
            section = self.section_obj[enrollment.class_sid]
            account = self.user_obj[enrollment.user_sid]
            desired: dict[str, Any] = {
                "sourced_id": enrollment.sid,
                "section": section,
                "user": account,
                "role": role,
                "is_primary": enrollment.primary,
                "is_active": section.pk not in self.deleted_sections,
            }
            if existing is None and section.pk is not None and account.pk is not None:
                # Adopt the same person-class-role enrollment made by hand or under another id.
                candidate = by_pair.get((section.pk, account.pk, role))
                if candidate is not None and candidate.pk not in claimed:
                    existing = candidate
                    claimed.add(candidate.pk)
            if existing is None:
                changes.add(Enrollment(**desired))
            else:
                changes.set(existing, desired)
        if self.modes.get("enrollments") == "bulk" and self.scope_pks:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    section__school_id__in=self.scope_pks,
                    sourced_id__isnull=False,
                    is_active=True,
                )
                .exclude(sourced_id__in=list(self.enrollments))
                .select_related("section", "user")
            ):
                changes.set(enrollment, {"is_active": False})

    def _plan_cascade(self) -> None:
        """Deactivate what hangs off deactivated people and classes."""
        changes = self.changes
        related = ("section", "user")
        if self.deleted_users:
            for membership in changes.load(
                Membership.objects.filter(
                    user_id__in=self.deleted_users, is_active=True
                ).select_related("school", "user")
            ):
                changes.set(membership, {"is_active": False})
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.deleted_users, is_active=True
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
            for link in changes.load(
                GuardianLink.objects.filter(
                    guardian_id__in=self.deleted_users, is_active=True
                ).select_related("guardian", "student")
            ) + changes.load(
                GuardianLink.objects.filter(
                    student_id__in=self.deleted_users, is_active=True
                ).select_related("guardian", "student")
            ):
                changes.set(link, {"is_active": False})
        if self.deleted_shared:
            reach = self.administered or set()
            for membership in changes.load(
                Membership.objects.filter(
                    user_id__in=self.deleted_shared, school_id__in=reach, is_active=True
                ).select_related("school", "user")
            ):
                changes.set(membership, {"is_active": False})
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.deleted_shared,
                    section__school_id__in=reach,
                    is_active=True,
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
        if self.deleted_sections:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    section_id__in=self.deleted_sections, is_active=True
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})
        if self.dropped_users:
            for enrollment in changes.load(
                Enrollment.objects.filter(
                    user_id__in=self.dropped_users,
                    section__school_id__in=self.scope_pks,
                    is_active=True,
                ).select_related(*related)
            ):
                changes.set(enrollment, {"is_active": False})

    def _check_deactivations(self) -> None:
        """How many of each school's people the plan would deactivate, and whether that needs
        a confirmation in words (more than ``confirm_share()`` of a school)."""
        changes = self.changes
        users_off = {u.pk for u in changes.changed(User) if changes.is_deactivation(u)}
        candidates = users_off | {
            m.user_id for m in changes.changed(Membership) if changes.is_deactivation(m)
        }
        schools: list[dict[str, Any]] = []
        total: set[int] = set()
        if candidates:
            new_memberships: list[Membership] = changes.new[Membership]
            gained = {
                (m.user.pk, m.school.pk)
                for m in new_memberships
                if m.is_active and m.user.pk is not None and m.school.pk is not None
            }
            before = Membership.objects.filter(
                user_id__in=candidates, is_active=True, user__is_active=True
            ).values_list("pk", "user_id", "school_id")
            kept: set[tuple[int, int]] = set(gained)
            had: set[tuple[int, int]] = set()
            for pk, user_id, school_id in before:
                had.add((user_id, school_id))
                planned = changes.loaded(Membership, pk)
                if planned is None or planned.is_active:
                    kept.add((user_id, school_id))
            lost: dict[int, set[int]] = defaultdict(set)
            for user_id, school_id in had:
                if user_id in users_off or (user_id, school_id) not in kept:
                    lost[school_id].add(user_id)
            people = dict(
                Membership.objects.filter(
                    school_id__in=list(lost), is_active=True, user__is_active=True
                )
                .values("school_id")
                .annotate(n=Count("user_id", distinct=True))
                .values_list("school_id", "n")
            )
            names = dict(School.objects.filter(pk__in=list(lost)).values_list("pk", "name"))
            share = confirm_share()
            for school_id, users in sorted(lost.items(), key=lambda item: names[item[0]]):
                of = people.get(school_id, len(users)) or len(users)
                over = len(users) / of > share
                schools.append(
                    {
                        "school": names[school_id],
                        "people": len(users),
                        "of": of,
                        "percent": round(100 * len(users) / of),
                        "over": over,
                    }
                )
                if over:
                    total |= users
        needed = bool(total)
        count = len(total)
        self.deactivation = {
            "schools": schools,
            "share": confirm_share(),
            "needed": needed,
            "phrase": f"deactivate {count} {'person' if count == 1 else 'people'}"
            if needed
            else "",
        }

    def _summarize(self) -> None:
        self._flush_grouped()
        changes = self.changes
        summary: dict[str, Any] = {name: changes.tally(model) for name, model in ENTITIES}
        summary["courses"] = {"read": sum(1 for c in self.courses.values() if not c.deleted)}
        summary["files"] = {f"{key}.csv": mode for key, mode in self.modes.items()}
        summary["warnings"] = self.warnings
        if self.warning_count > len(self.warnings):
            summary["warnings"] = [
                *self.warnings,
                {
                    "file": self.source_name,
                    "line": None,
                    "field": "",
                    "reason": f"{self.warning_count - len(self.warnings)} more warnings were "
                    "not listed.",
                },
            ]
        summary["columns"] = self.columns
        summary["changes"] = changes.examples()
        summary["renames"] = changes.renames()
        summary["deactivation"] = self.deactivation
        self.summary = summary
