"""What a roster import would write, held in memory until it is applied.

The importer plans every create, update and deactivation on model instances registered here
(nothing is saved while it plans), so the same plan gives the preview — counts, examples with
names, renames, a digest of every change — and, unchanged, the writes. ``apply()`` then saves it
with a few bulk statements per model, in dependency order.

The digest names each change by stable keys (sourcedIds for new rows, primary keys for existing
ones) and the values written, so two plans have the same digest exactly when they would write
the same thing: a confirmation applies a preview only if re-planning gives its digest.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models

from ..models import (
    Enrollment,
    GuardianLink,
    LearnerProfile,
    Membership,
    School,
    Section,
    Term,
    User,
)

SectionTerm = Section.terms.through

# Entity names used in reports, with their model, in the order they are written.
ENTITIES: tuple[tuple[str, type[models.Model]], ...] = (
    ("schools", School),
    ("terms", Term),
    ("sections", Section),
    ("users", User),
    ("memberships", Membership),
    ("learner_profiles", LearnerProfile),
    ("guardian_links", GuardianLink),
    ("enrollments", Enrollment),
)
ENTITY_OF = {model: name for name, model in ENTITIES}
NOUNS = {
    "schools": ("school", "schools"),
    "terms": ("term", "terms"),
    "sections": ("section", "sections"),
    "users": ("person", "people"),
    "memberships": ("role", "roles"),
    "learner_profiles": ("learner profile", "learner profiles"),
    "guardian_links": ("guardian link", "guardian links"),
    "enrollments": ("enrollment", "enrollments"),
}
# Fields whose values are not part of what an import decides (defaults that differ per call).
UNPLANNED_FIELDS = {"id", "password", "date_joined", "last_login"}
# A change to one of these is shown as a rename.
NAME_FIELDS = {School: ("name",), Section: ("name",), User: ("given_name", "family_name")}
EXAMPLES = 5
BATCH = 1000


def ref(obj: models.Model | None) -> str:
    """A stable name for a row in the digest: its primary key, or its natural key when new."""
    if obj is None:
        return ""
    if obj.pk is not None:
        return f"{obj._meta.model_name}:{obj.pk}"
    if isinstance(obj, Term):
        return f"term:new:{ref(obj.school)}/{obj.sourced_id}"
    if isinstance(obj, School | Section | User | Enrollment) and obj.sourced_id:
        return f"{obj._meta.model_name}:new:{obj.sourced_id}"
    if isinstance(obj, Membership):
        return f"membership:new:{ref(obj.user)}/{ref(obj.school)}/{obj.role}"
    if isinstance(obj, LearnerProfile):
        return f"learnerprofile:new:{ref(obj.student)}"
    if isinstance(obj, GuardianLink):
        return f"guardianlink:new:{ref(obj.guardian)}/{ref(obj.student)}"
    if isinstance(obj, Enrollment):
        return f"enrollment:new:{ref(obj.section)}/{ref(obj.user)}/{obj.role}"
    if isinstance(obj, SectionTerm):
        return f"sectionterm:new:{ref(obj.section)}/{ref(obj.term)}"
    raise ValueError(f"No stable key for a new {type(obj).__name__}.")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    if field.is_relation:
        return ref(getattr(obj, field.name))
    return _plain(getattr(obj, field.attname))


class ChangeSet:
    """Rows an import has looked at, and what it would create or change in them."""

    def __init__(self) -> None:
        self._loaded: dict[type[models.Model], dict[int, models.Model]] = defaultdict(dict)
        self.new: dict[type[models.Model], list[Any]] = defaultdict(list)
        # model -> pk -> {field name: value before the first change}
        self.before: dict[type[models.Model], dict[int, dict[str, Any]]] = defaultdict(dict)
        self.considered: dict[type[models.Model], set[int]] = defaultdict(set)
        self.term_links_changed: set[int] = set()  # existing sections whose terms change
        self.new_links: list[Any] = []
        self.removed_links: list[tuple[int, int, int]] = []  # (row id, section id, term id)

    # ---- registering rows

    def adopt(self, obj: models.Model) -> Any:
        """The one instance for this row: an earlier-loaded copy wins (identity map)."""
        model = type(obj)
        known = self._loaded[model].get(obj.pk)
        if known is not None:
            return known
        self._loaded[model][obj.pk] = obj
        return obj

    def load(self, rows: Iterable[models.Model]) -> list[Any]:
        return [self.adopt(obj) for obj in rows]

    def loaded(self, model: type[models.Model], pk: int) -> Any:
        return self._loaded[model].get(pk)

    def add(self, obj: models.Model) -> Any:
        self.new[type(obj)].append(obj)
        return obj

    def consider(self, obj: models.Model) -> None:
        """The file speaks about this existing row (it counts as unchanged unless changed)."""
        if obj.pk is not None:
            self.considered[type(obj)].add(obj.pk)

    def set(self, obj: models.Model, values: dict[str, Any]) -> list[str]:
        """Give an existing row these values; return the names of the fields that change."""
        self.consider(obj)
        changed = []
        for name, value in values.items():
            field = obj._meta.get_field(name)
            if field.is_relation:
                current = getattr(obj, field.attname)  # type: ignore[union-attr]
                target = value.pk if value is not None else None
                if (value is not None and value.pk is None) or current != target:
                    self._remember(obj, name, current)
                    setattr(obj, name, value)
                    changed.append(name)
                continue
            if getattr(obj, name) != value:
                self._remember(obj, name, getattr(obj, name))
                setattr(obj, name, value)
                changed.append(name)
        return changed

    def _remember(self, obj: models.Model, name: str, old: Any) -> None:
        self.before[type(obj)].setdefault(obj.pk, {}).setdefault(name, old)

    def link_terms(self, section: Section, terms: list[Term], current: dict[int, int]) -> None:
        """Make ``section``'s terms exactly ``terms``; ``current`` maps its term ids to rows."""
        wanted = {t.pk for t in terms if t.pk is not None}
        additions = [t for t in terms if t.pk is None or t.pk not in current]
        removals = [(row, term_id) for term_id, row in current.items() if term_id not in wanted]
        if not additions and not removals:
            return
        if section.pk is not None:
            self.term_links_changed.add(section.pk)
        self.new_links += [SectionTerm(section=section, term=term) for term in additions]
        self.removed_links += [(row, section.pk, term_id) for row, term_id in removals]

    def consider_pks(self, model: type[models.Model], pks: Iterable[int]) -> None:
        """Like :meth:`consider` for rows that need not be loaded (they do not change)."""
        self.considered[model].update(pks)

    # ---- reading the plan

    def _rel(self, obj: models.Model, name: str) -> Any:
        """A related row, from the rows loaded already when it can be (no query)."""
        field = obj._meta.get_field(name)
        if field.is_cached(obj):  # type: ignore[union-attr]
            return getattr(obj, name)
        pk = getattr(obj, field.attname)  # type: ignore[union-attr]
        found = self._loaded[field.related_model].get(pk)  # type: ignore[index]
        return found if found is not None else getattr(obj, name)

    def label(self, obj: models.Model) -> str:
        """How a row is named in a preview: names first, sourcedIds in brackets."""
        rel = self._rel
        if isinstance(obj, School):
            return f"{obj.name} ({obj.sourced_id})" if obj.sourced_id else obj.name
        if isinstance(obj, Term):
            return f"{obj.title} at {rel(obj, 'school').name} ({obj.sourced_id})"
        if isinstance(obj, Section):
            name = f"{obj.name} {obj.code}".strip()
            return f"{name} ({obj.sourced_id})" if obj.sourced_id else name
        if isinstance(obj, User):
            return f"{obj.display_name} ({obj.sourced_id or obj.email})"
        if isinstance(obj, Membership):
            role = obj.get_role_display().lower()
            return f"{rel(obj, 'user').display_name}: {role} at {rel(obj, 'school').name}"
        if isinstance(obj, LearnerProfile):
            return str(rel(obj, "student").display_name)
        if isinstance(obj, GuardianLink):
            guardian, student = rel(obj, "guardian"), rel(obj, "student")
            return f"{guardian.display_name} for {student.display_name}"
        if isinstance(obj, Enrollment):
            return f"{rel(obj, 'user').display_name} in {rel(obj, 'section')} as {obj.role}"
        return str(obj)

    def changed(self, model: type[models.Model]) -> list[Any]:
        return [self._loaded[model][pk] for pk in self.before[model]]

    def is_deactivation(self, obj: models.Model) -> bool:
        before = self.before[type(obj)].get(obj.pk, {})
        return bool(before.get("is_active")) and not obj.is_active  # type: ignore[attr-defined]

    def action_of(self, obj: models.Model) -> str:
        return "deactivated" if self.is_deactivation(obj) else "updated"

    def tally(self, model: type[models.Model]) -> dict[str, int]:
        updated = deactivated = 0
        changed = set(self.before[model])
        if model is Section:
            changed |= self.term_links_changed
        for pk in changed:
            obj = self._loaded[model][pk]
            if self.is_deactivation(obj):
                deactivated += 1
            else:
                updated += 1
        return {
            "created": len(self.new[model]),
            "updated": updated,
            "unchanged": len(self.considered[model] - changed),
            "deactivated": deactivated,
        }

    def examples(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per entity and action: how many, and the first few rows by name."""
        result: dict[str, dict[str, dict[str, Any]]] = {}
        for entity, model in ENTITIES:
            groups: dict[str, list[models.Model]] = {
                "created": list(self.new[model]),
                "updated": [],
                "deactivated": [],
            }
            for obj in self.changed(model):
                groups[self.action_of(obj)].append(obj)
            if model is Section:
                groups["updated"] += [
                    self._loaded[Section][pk]
                    for pk in sorted(self.term_links_changed - set(self.before[Section]))
                ]
            shown = {
                action: {
                    "count": len(objs),
                    "examples": [self._describe(obj, action) for obj in objs[:EXAMPLES]],
                }
                for action, objs in groups.items()
                if objs
            }
            if shown:
                result[entity] = shown
        return result

    def _describe(self, obj: models.Model, action: str) -> str:
        text = self.label(obj)
        if action != "updated":
            return text
        fields = [
            name
            for name in self.before[type(obj)].get(obj.pk, {})
            if name not in ("is_active",) or obj.is_active  # type: ignore[attr-defined]
        ]
        if type(obj) is Section and obj.pk in self.term_links_changed:
            fields.append("terms")
        if not fields:
            return text
        words = ", ".join(
            "reactivated" if name == "is_active" else name.replace("_", " ") for name in fields
        )
        return f"{text}: {words}"

    def renames(self) -> dict[str, list[str]]:
        """Schools, sections and people whose names change: "old → new"."""
        result: dict[str, list[str]] = {}
        for model, fields in NAME_FIELDS.items():
            lines = []
            for obj in self.changed(model):
                before = self.before[model][obj.pk]
                if not any(name in before for name in fields):
                    continue
                if isinstance(obj, User):
                    old = " ".join(before.get(name, getattr(obj, name)) for name in fields).strip()
                    new = f"{obj.given_name} {obj.family_name}".strip()
                else:
                    old, new = before["name"], obj.name
                lines.append(f"{old} → {new} ({obj.sourced_id})")
            if lines:
                result[ENTITY_OF[model]] = lines
        return result

    def digest(self) -> str:
        """A hash of every write this plan would make (see the module docstring)."""
        entries: list[str] = []
        dumps = json.dumps
        for _, model in ENTITIES:
            fields = [f for f in model._meta.concrete_fields if f.name not in UNPLANNED_FIELDS]
            plain = [(f.name, f.attname) for f in fields if not f.is_relation]
            related = [f.name for f in fields if f.is_relation]
            for obj in self.new[model]:
                values = [[name, _plain(getattr(obj, attname))] for name, attname in plain]
                values += [[name, ref(getattr(obj, name))] for name in related]
                entries.append(dumps(["create", ref(obj), values]))
            for obj in self.changed(model):
                names = sorted(self.before[model][obj.pk])
                values = [[n, _value(obj, obj._meta.get_field(n))] for n in names]
                entries.append(dumps(["update", ref(obj), values]))
        entries += [dumps(["link", ref(x.section), ref(x.term)]) for x in self.new_links]
        entries += [
            dumps(["unlink", row, section, term]) for row, section, term in self.removed_links
        ]
        entries.sort()
        return hashlib.sha256("\n".join(entries).encode()).hexdigest()

    # ---- writing

    def apply(self, *, on_school_created: Any = None) -> None:
        """Save the plan: creates, then updates, model by model in dependency order."""
        self._save(School)
        if on_school_created is not None:
            for school in self.new[School]:
                on_school_created(school)
        # New terms first without their parents (a parent may be new too), then the parents.
        new_terms = self.new[Term]
        parents = {id(t): t.parent for t in new_terms if t.parent is not None}
        for term in new_terms:
            if id(term) in parents:
                term.parent = None
        Term.objects.bulk_create(new_terms, batch_size=BATCH)
        for term in new_terms:
            if id(term) in parents:
                term.parent = parents[id(term)]
        if parents:
            Term.objects.bulk_update(
                [t for t in new_terms if id(t) in parents], ["parent"], batch_size=BATCH
            )
        self._update(Term)
        self._save(Section)
        if self.removed_links:
            SectionTerm.objects.filter(id__in=[row for row, _, _ in self.removed_links]).delete()
        SectionTerm.objects.bulk_create(self.new_links, batch_size=BATCH)
        self._save(User)
        self._save(Membership)
        self._save(LearnerProfile)
        self._save(GuardianLink)
        # An enrollment re-pointed to another person or class must move before a new one
        # takes its old place (one person, class and role is unique).
        self._update(Enrollment)
        Enrollment.objects.bulk_create(self.new[Enrollment], batch_size=BATCH)

    def _save(self, model: type[models.Model]) -> None:
        model._default_manager.bulk_create(self.new[model], batch_size=BATCH)
        self._update(model)

    def _update(self, model: type[models.Model]) -> None:
        objs = self.changed(model)
        if not objs:
            return
        fields = sorted({name for pk in self.before[model] for name in self.before[model][pk]})
        model._default_manager.bulk_update(objs, fields, batch_size=BATCH)
