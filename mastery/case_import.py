"""1EdTech CASE 1.0/1.1 JSON package import: one CFDocument becomes a framework of competencies.

``case_import()`` reads a package (a path, a file object or an uploaded file), checks all of
it first, and then either writes everything in one transaction (*applied*) or writes nothing
at all (errors that say why). It never raises for a bad file.

How CASE maps onto LearnHub
---------------------------
* **CFDocument** → :class:`Framework`, matched by (school, ``identifier``) so a re-import
  updates it. ``identifier`` and ``uri`` (or ``CFDocumentURI``, a string or a link object) are
  kept verbatim; ``title``, ``creator``, ``version``, ``description``; ``subject`` is the first
  entry of the ``subject`` list (else the first ``subjectURI`` title). The framework's scale,
  calculation method and active flag are LearnHub settings: an import never changes them.
  ``imported_at`` is set on every applied import.
* **CFItems** → :class:`Competency`, matched by ``identifier`` within the framework:
  ``identifier`` and ``uri`` verbatim, ``humanCodingScheme`` → code, ``fullStatement`` →
  statement, ``abbreviatedStatement`` → short_statement, ``CFItemType`` (or
  ``CFItemTypeURI.title``) → kind, ``educationLevel`` (a list; OpenSALT writes a single
  ``educationalLevel`` string) → grade_levels joined with ", ".
* **CFAssociations**
  - ``isChildOf``: origin = the child item, destination = its parent item, or the CFDocument
    itself for a top-level item. ``sequenceNumber`` orders siblings and is kept as ``order``;
    siblings without one follow the numbered ones in the order the items are listed in
    CFItems (their ``order`` continues after the highest number). An item with two parents
    keeps the first (warning); an item with none is placed at the top level (warning).
  - ``precedes``: origin precedes destination → ``Prerequisite(competency=destination,
    prerequisite=origin)``. On re-import, prerequisites between this package's items that the
    package no longer declares are removed.
  - An ``isChildOf`` / ``precedes`` association naming a node that is neither a CFItem of the
    package nor the CFDocument (matched by identifier, else by uri) is skipped with a warning
    naming it. Every other association type (isRelatedTo, exactMatchOf, exemplar, …) is ignored,
    with one warning that counts them.
* ``depth`` (0 = top level), ``sort_key`` (zero-padded sibling ranks, e.g. "0003.0001.0012",
  so ordering by it gives depth-first tree order) and ``is_leaf`` are computed.
* **Which items are learning targets** (``is_leaf``: what the grid scores). Packages hold more
  than standards: Smarter Balanced's item specifications list "Task Model 1a", "Examples",
  "None" and "No Descriptors" as CFItems. ``case_item_types()`` lists the package's
  ``CFItemType`` values (with counts and examples) and the admin chooses; ``case_import(
  target_types=…)`` makes an item a learning target only when its type is chosen and no item
  below it is one. The other items are kept (the tree and their text stay readable) but are
  never scored. Without ``target_types`` (the management command) every item with no children
  is a learning target, as before.

Broken packages write nothing: not UTF-8 or not JSON, no CFDocument (or no identifier/title),
CFItems without identifier or fullStatement, duplicate identifiers, isChildOf loops, values
longer than LearnHub keeps for identifiers, URIs and codes (longer display text is shortened,
with a warning).

Re-import is idempotent: values are compared before saving, so the same file twice gives
created 0, updated 0, all unchanged. Competencies of the framework that the package no longer
lists are left in place (they may carry evidence) and reported in a warning.

Security: ``actor`` None is the operator (the management command); a superuser may import into
any school; anyone else must be an active school admin of ``school``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pghistory
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from profiles.models import Membership, Role, School, User

from .models import Competency, Framework, Prerequisite

Source = Path | str | IO[bytes] | UploadedFile

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_REPORTED = 100
BATCH = 1000
SORT_KEY_MAX = 255
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
USED_ASSOCIATIONS = ("isChildOf", "precedes")

# Field lengths: identity-bearing values must fit verbatim (an error); display text is
# shortened with a warning.
FRAMEWORK_VERBATIM = {"identifier": 255, "uri": 500}
FRAMEWORK_TEXT = {"title": 255, "creator": 255, "version": 64, "subject": 128}
COMPETENCY_VERBATIM = {"identifier": 255, "uri": 500, "code": 64}
COMPETENCY_TEXT = {"short_statement": 255, "kind": 64, "grade_levels": 64}
COMPETENCY_FIELDS = (
    "parent_id",
    "uri",
    "code",
    "statement",
    "short_statement",
    "kind",
    "grade_levels",
    "order",
    "depth",
    "sort_key",
    "is_leaf",
)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class CaseImportResult:
    """What an import did (or, with errors, why it wrote nothing)."""

    framework: Framework | None
    applied: bool
    created: int
    updated: int
    unchanged: int
    prerequisites: int
    warnings: list[str]
    errors: list[str]
    dry_run: bool = False
    title: str = ""

    @property
    def summary_text(self) -> str:
        if self.errors:
            problems = "problem" if len(self.errors) == 1 else "problems"
            return f"{len(self.errors)} {problems} found, nothing was written."
        name = self.framework.title if self.framework is not None else self.title
        text = (
            f"{name}: {self.created} competencies created, {self.updated} updated, "
            f"{self.unchanged} unchanged; {self.prerequisites} prerequisites"
        )
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        text += "."
        if self.dry_run:
            text = f"Dry run, nothing was written. {text}"
        return text


def case_import(
    *,
    source: Source,
    school: School,
    actor: User | None,
    source_name: str = "",
    dry_run: bool = False,
    target_types: Collection[str] | None = None,
) -> CaseImportResult:
    """Import a CASE 1.0/1.1 JSON package into ``school``; see the module docstring.

    Never raises for a bad file: the result is either applied, or not applied with errors (and
    nothing written). ``dry_run`` checks and counts everything, then rolls back.
    ``target_types``: the CFItemTypes whose items become learning targets (see above).
    """
    importer = _Importer(school=school, actor=actor, source_name=source_name)
    importer.target_types = None if target_types is None else set(target_types)
    return importer.run(source, dry_run=dry_run)


@dataclass(frozen=True)
class CaseItemType:
    """One CFItemType of a package: how many items have it, how many of those carry a code
    (humanCodingScheme), and a few of their statements."""

    name: str  # "" for items without a type
    count: int
    coded: int
    examples: tuple[str, ...]

    @property
    def suggested(self) -> bool:
        """Standards carry codes (6.RP.A.1); task models, examples and headings do not."""
        return self.coded == self.count


@dataclass(frozen=True)
class CaseItemTypes:
    types: list[CaseItemType]
    errors: list[str]
    title: str = ""


def case_item_types(
    *, source: Source, school: School, actor: User | None, source_name: str = ""
) -> CaseItemTypes:
    """The package's item types, read and checked like an import but writing nothing; with
    errors, the reasons the package cannot be imported."""
    importer = _Importer(school=school, actor=actor, source_name=source_name)
    importer._check_actor()
    if not importer.error_count:
        package = importer._load(source)
        if package is not None:
            importer._read(package)
    if importer.error_count:
        return CaseItemTypes(types=[], errors=importer._rejected(dry_run=True).errors)
    by_type: dict[str, list[_Item]] = defaultdict(list)
    for item in importer.items.values():
        by_type[item.values["kind"]].append(item)
    types = [
        CaseItemType(
            name=name,
            count=len(items),
            coded=sum(1 for i in items if i.values["code"]),
            examples=tuple(
                dict.fromkeys(_shorten(" ".join(i.values["statement"].split()), 80) for i in items)
            )[:3],
        )
        for name, items in sorted(by_type.items(), key=lambda kv: kv[1][0].position)
    ]
    assert importer.document is not None
    return CaseItemTypes(types=types, errors=[], title=importer.document.values["title"])


# --------------------------------------------------------------------------- parsed package


@dataclass
class _Document:
    identifier: str
    values: dict[str, str]  # Framework fields other than identifier


@dataclass
class _Item:
    identifier: str
    position: int  # index in CFItems
    values: dict[str, Any]  # uri, code, statement, short_statement, kind, grade_levels
    parent: str | None = None  # identifier of the parent item; None = top level
    sequence: int | None = None
    order: int = 0
    depth: int = 0
    sort_key: str = ""
    is_leaf: bool = True

    @property
    def label(self) -> str:
        """How messages name an item: its identifier, with its code when it has one."""
        code = self.values.get("code")
        return f"{self.identifier} ({code})" if code else self.identifier


def _text(value: Any) -> str | None:
    """A JSON scalar as text (None when absent or not a scalar)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _first_key(data: Mapping[str, Any], *names: str) -> Any:
    """The value of the first of ``names`` present; top-level keys are matched case-blind."""
    for name in names:
        if name in data:
            return data[name]
    lowered = {key.lower(): key for key in data if isinstance(key, str)}
    for name in names:
        key = lowered.get(name.lower())
        if key is not None:
            return data[key]
    return None


def _link_uri(value: Any) -> str:
    """A URI given as a string or as a CASE link object ``{title, identifier, uri}``."""
    if isinstance(value, dict):
        return _text(value.get("uri")) or ""
    return _text(value) or ""


def _is_ascii_digits(text: str) -> bool:
    """0-9 only: ``str.isdigit`` also accepts "²" and "①", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _sequence(value: Any) -> int | str | None:
    """A sequenceNumber as an int; None when absent; the raw text when unusable."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _is_ascii_digits(value.strip().lstrip("+-")):
        number = int(value.strip())
    else:
        return str(value)
    if not INT_MIN <= number <= INT_MAX:
        return str(value)
    return number


def _sample(values: Iterable[str], limit: int = 10) -> str:
    items = list(values)
    text = ", ".join(items[:limit])
    return f"{text} and {len(items) - limit} more" if len(items) > limit else text


def _assign(obj: models.Model, desired: Mapping[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names (nothing is saved)."""
    changed = []
    for name, value in desired.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# --------------------------------------------------------------------------- the importer


class _Importer:
    def __init__(self, *, school: School, actor: User | None, source_name: str) -> None:
        self.school = school
        self.actor = actor
        self.source_name = source_name
        self.errors: list[str] = []
        self.error_count = 0
        self.warnings: list[str] = []
        self.unlisted_warnings = 0
        self.document: _Document | None = None
        self.items: dict[str, _Item] = {}
        self.by_uri: dict[str, str] = {}
        self.precedes: dict[tuple[str, str], None] = {}  # (prerequisite, competency), ordered
        self.created = self.updated = self.unchanged = 0
        self.target_types: set[str] | None = None

    # ---- reporting

    def error(self, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(reason)

    def warn(self, reason: str, *, always: bool = False) -> None:
        """Record a warning; per-item ones stop being listed after MAX_REPORTED."""
        if always or len(self.warnings) < MAX_REPORTED:
            self.warnings.append(reason)
        else:
            self.unlisted_warnings += 1

    def _listed_warnings(self) -> list[str]:
        if self.unlisted_warnings:
            return [
                *self.warnings,
                f"{self.unlisted_warnings} more warnings of the same kinds were not listed.",
            ]
        return self.warnings

    # ---- the run

    def run(self, source: Source, *, dry_run: bool) -> CaseImportResult:
        self._check_actor()
        if not self.error_count:
            package = self._load(source)
            if package is not None:
                self._read(package)
        if self.error_count:
            return self._rejected(dry_run=dry_run)
        try:
            with (
                transaction.atomic(),
                pghistory.context(user=self.actor.pk if self.actor else None, source="case"),
            ):
                framework = self._write()
                if dry_run:
                    transaction.set_rollback(True)
        except DatabaseError as exc:
            self.error(f"The database refused the import, so nothing was written: {exc}".strip())
            return self._rejected(dry_run=dry_run)
        assert self.document is not None
        return CaseImportResult(
            framework=None if dry_run else framework,
            applied=not dry_run,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            prerequisites=len(self.precedes),
            warnings=self._listed_warnings(),
            errors=[],
            dry_run=dry_run,
            title=self.document.values["title"],
        )

    def _rejected(self, *, dry_run: bool) -> CaseImportResult:
        if self.error_count > len(self.errors):
            self.errors.append(
                f"{self.error_count - len(self.errors)} more problems were found but not listed; "
                "fix the ones above and import again."
            )
        return CaseImportResult(
            framework=None,
            applied=False,
            created=0,
            updated=0,
            unchanged=0,
            prerequisites=0,
            warnings=self._listed_warnings(),
            errors=self.errors,
            dry_run=dry_run,
            title=self.document.values["title"] if self.document else "",
        )

    def _check_actor(self) -> None:
        actor = self.actor
        if actor is None or actor.is_superuser:
            return
        if not Membership.objects.filter(
            user=actor, school=self.school, role=Role.ADMIN, is_active=True
        ).exists():
            self.error(
                f"You do not administer {self.school.name}, so you cannot import frameworks "
                "into it."
            )

    # ---- loading

    def _load(self, source: Source) -> dict[str, Any] | None:
        """The package as a JSON object, or None after reporting why not."""
        try:
            if isinstance(source, str | Path):
                path = Path(source)
                self.source_name = self.source_name or path.name
                if not path.is_file():
                    self.error(f"{path} is not a file.")
                    return None
                if path.stat().st_size > MAX_FILE_BYTES:
                    self.error("The file is larger than 50 MB.")
                    return None
                data: bytes | str = path.read_bytes()
            else:
                self.source_name = self.source_name or str(getattr(source, "name", "") or "")
                if hasattr(source, "seek"):
                    source.seek(0)
                data = source.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:
                    self.error("The file is larger than 50 MB.")
                    return None
        except (OSError, ValueError) as exc:
            self.error(f"The file could not be read: {exc}.")
            return None
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                self.error(
                    f"The file is not UTF-8 text (byte {exc.start} cannot be read); CASE "
                    "packages are UTF-8 JSON."
                )
                return None
        else:
            text = data
        if not text.strip():
            self.error("The file is empty: a CASE package is a JSON object.")
            return None
        try:
            package = json.loads(text)
        except json.JSONDecodeError as exc:
            self.error(
                f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                f"{exc.colno}. A CASE package is a JSON file."
            )
            return None
        except RecursionError:
            self.error("The file is not usable JSON: it is nested too deeply.")
            return None
        if not isinstance(package, dict):
            self.error(
                f"The file holds a JSON {type(package).__name__ if package is not None else 'null'}"
                ", not an object: a CASE package is an object with CFDocument, CFItems and "
                "CFAssociations."
            )
            return None
        wrapped = _first_key(package, "CFPackage")
        if isinstance(wrapped, dict) and _first_key(package, "CFDocument") is None:
            package = wrapped
        return package

    # ---- reading and checking

    def _read(self, package: dict[str, Any]) -> None:
        self._read_document(_first_key(package, "CFDocument"))
        items = _first_key(package, "CFItems")
        associations = _first_key(package, "CFAssociations")
        if items is None:
            items = []
            self.warn("The package has no CFItems: the framework has no competencies.")
        elif not isinstance(items, list):
            self.error("CFItems is not a list.")
            items = []
        if associations is None:
            associations = []
        elif not isinstance(associations, list):
            self.error("CFAssociations is not a list.")
            associations = []
        self._read_items(items)
        if self.error_count:
            return
        self._read_associations(associations)
        if self.error_count:
            return
        self._build_tree()
        if self.target_types is not None and not self.error_count:
            self._choose_targets(self.target_types)

    def _choose_targets(self, chosen: set[str]) -> None:
        """An item is a learning target when its type is chosen and no item below it is one."""
        present = {item.values["kind"] for item in self.items.values()}
        if not chosen:
            self.error(
                "Choose at least one item type to become learning targets; with none, the "
                "framework would have nothing to score."
            )
            return
        unknown = sorted(chosen - present)
        if unknown:
            self.error(
                f"The package has no items of type {', '.join(unknown)}; choose among "
                f"{', '.join(sorted(t or '(no type)' for t in present))}."
            )
            return
        children: dict[str | None, list[_Item]] = defaultdict(list)
        for item in self.items.values():
            children[item.parent].append(item)
        # Deepest first, so every child is decided before its parent.
        target_within: dict[str, bool] = {}  # the item or one below it is a target
        for item in sorted(self.items.values(), key=lambda i: -i.depth):
            below = any(target_within[c.identifier] for c in children.get(item.identifier, []))
            item.is_leaf = item.values["kind"] in chosen and not below
            target_within[item.identifier] = below or item.is_leaf
        kept = Counter(
            item.values["kind"] or "(no type)" for item in self.items.values() if not item.is_leaf
        )
        if kept:
            listed = ", ".join(f"{kind} {n}" for kind, n in kept.most_common())
            total = sum(kept.values())
            self.warn(
                f"{total} item{'s are' if total != 1 else ' is'} kept for reference but not "
                f"scored as learning targets ({listed}).",
                always=True,
            )

    def _read_document(self, doc: Any) -> None:
        if doc is None:
            self.error(
                "The file has no CFDocument, so it is not a CASE package (a CASE package holds "
                "a CFDocument, its CFItems and CFAssociations)."
            )
            return
        if not isinstance(doc, dict):
            self.error("CFDocument is not a JSON object.")
            return
        identifier = _text(doc.get("identifier"))
        if not identifier or not identifier.strip():
            self.error("The CFDocument has no identifier.")
            return
        title = (_text(doc.get("title")) or "").strip()
        if not title:
            self.error(f"The CFDocument {identifier} has no title.")
        uri = _link_uri(doc.get("uri")) or _link_uri(doc.get("CFDocumentURI"))
        subject = ""
        subjects = doc.get("subject")
        if isinstance(subjects, list) and subjects:
            subject = _text(subjects[0]) or ""
        elif isinstance(subjects, str):
            subject = subjects
        if not subject:
            links = doc.get("subjectURI")
            if isinstance(links, list) and links and isinstance(links[0], dict):
                subject = _text(links[0].get("title")) or ""
        values = {
            "title": title,
            "uri": uri,
            "creator": (_text(doc.get("creator")) or "").strip(),
            "version": (_text(doc.get("version")) or "").strip(),
            "subject": subject.strip(),
            "description": (_text(doc.get("description")) or "").strip(),
        }
        for name, limit in FRAMEWORK_VERBATIM.items():
            value = identifier if name == "identifier" else values[name]
            if len(value) > limit:
                self.error(
                    f"The CFDocument's {name} is {len(value)} characters long; LearnHub keeps "
                    f"at most {limit} and must keep it whole."
                )
        for name, limit in FRAMEWORK_TEXT.items():
            if len(values[name]) > limit:
                values[name] = _shorten(values[name], limit)
                self.warn(f"The CFDocument's {name} was shortened to {limit} characters.")
        self.document = _Document(identifier=identifier, values=values)

    def _read_items(self, rows: list[Any]) -> None:
        doc_id = self.document.identifier if self.document else None
        first_at: dict[str, int] = {}
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                self.error(f"CFItems entry {index} is not a JSON object.")
                continue
            identifier = _text(row.get("identifier"))
            statement = (_text(row.get("fullStatement")) or "").strip()
            if not identifier or not identifier.strip():
                hint = f' (fullStatement "{_shorten(statement, 60)}")' if statement else ""
                self.error(f"CFItems entry {index}{hint} has no identifier.")
                continue
            if identifier in first_at:
                self.error(
                    f"The CFItem identifier {identifier} is used twice (CFItems entries "
                    f"{first_at[identifier]} and {index}); identifiers must be unique."
                )
                continue
            first_at[identifier] = index
            if identifier == doc_id:
                self.error(
                    f"The CFItem {identifier} has the same identifier as the CFDocument; "
                    "identifiers must be unique."
                )
                continue
            if not statement:
                self.error(f"The CFItem {identifier} has no fullStatement.")
                continue
            kind = _text(row.get("CFItemType"))
            if not kind:
                type_link = row.get("CFItemTypeURI")
                kind = _text(type_link.get("title")) if isinstance(type_link, dict) else None
            levels = row.get("educationLevel", row.get("educationalLevel"))
            if isinstance(levels, str):
                levels = levels.split(",")
            elif not isinstance(levels, list):
                levels = []
            grades = [g.strip() for g in (_text(v) for v in levels) if g and g.strip()]
            values: dict[str, Any] = {
                "uri": _link_uri(row.get("uri")),
                "code": (_text(row.get("humanCodingScheme")) or "").strip(),
                "statement": statement,
                "short_statement": (_text(row.get("abbreviatedStatement")) or "").strip(),
                "kind": (kind or "").strip(),
                "grade_levels": ", ".join(dict.fromkeys(grades)),
            }
            item = _Item(identifier=identifier, position=index, values=values)
            for name, limit in COMPETENCY_VERBATIM.items():
                value = identifier if name == "identifier" else values[name]
                if len(value) > limit:
                    self.error(
                        f"The CFItem {identifier}'s {name} is {len(value)} characters long; "
                        f"LearnHub keeps at most {limit} and must keep it whole."
                    )
            for name, limit in COMPETENCY_TEXT.items():
                if len(values[name]) > limit:
                    values[name] = _shorten(values[name], limit)
                    self.warn(
                        f"The CFItem {item.label}'s {name} was shortened to {limit} characters."
                    )
            self.items[identifier] = item
            if values["uri"]:
                self.by_uri.setdefault(values["uri"], identifier)

    def _resolve(self, node: Any) -> tuple[str | None, str]:
        """(identifier of an item or the document, or None if outside) and how to name it."""
        assert self.document is not None
        doc_id = self.document.identifier
        if isinstance(node, dict):
            identifier = _text(node.get("identifier")) or ""
            uri = _text(node.get("uri")) or ""
        else:
            identifier = uri = _text(node) or ""
        for candidate in (identifier, uri):
            if candidate and (candidate == doc_id or candidate in self.items):
                return candidate, candidate
        if uri:
            if uri == self.document.values["uri"]:
                return doc_id, uri
            if uri in self.by_uri:
                return self.by_uri[uri], uri
        return None, identifier or uri or "an unnamed node"

    def _read_associations(self, rows: list[Any]) -> None:
        assert self.document is not None
        doc_id = self.document.identifier
        ignored: Counter[str] = Counter()
        parent_of: dict[str, str] = {}
        for index, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                self.warn(f"CFAssociations entry {index} is not a JSON object: skipped.")
                continue
            kind = _text(row.get("associationType")) or ""
            name = _text(row.get("identifier")) or f"entry {index}"
            if kind not in USED_ASSOCIATIONS:
                ignored[kind or "(no type)"] += 1
                continue
            origin, origin_name = self._resolve(row.get("originNodeURI"))
            destination, destination_name = self._resolve(row.get("destinationNodeURI"))
            outside = [
                n for n, i in ((origin_name, origin), (destination_name, destination)) if i is None
            ]
            if outside:
                self.warn(
                    f"The {kind} association {name} points to {' and '.join(outside)}, which "
                    "is not in this package: skipped."
                )
                continue
            assert origin is not None and destination is not None
            if kind == "isChildOf":
                if origin == doc_id:
                    self.warn(
                        f"The isChildOf association {name} makes the CFDocument a child: skipped."
                    )
                    continue
                if origin in parent_of:
                    if parent_of[origin] != destination:
                        self.warn(
                            f"The CFItem {self.items[origin].label} has a second parent "
                            f"({destination}, association {name}); LearnHub keeps one parent, "
                            f"the first ({parent_of[origin]})."
                        )
                    continue
                parent_of[origin] = destination
                item = self.items[origin]
                item.parent = None if destination == doc_id else destination
                sequence = _sequence(row.get("sequenceNumber"))
                if isinstance(sequence, str):
                    self.warn(
                        f"The isChildOf association {name} has an unusable sequenceNumber "
                        f'"{sequence}": {item.label} follows its numbered siblings.'
                    )
                else:
                    item.sequence = sequence
            else:  # precedes
                if doc_id in (origin, destination):
                    self.warn(
                        f"The precedes association {name} links the CFDocument, not two items: "
                        "skipped."
                    )
                elif origin == destination:
                    self.warn(
                        f"The precedes association {name} says {self.items[origin].label} "
                        "precedes itself: skipped."
                    )
                else:
                    self.precedes[(origin, destination)] = None
        orphans = [item.label for key, item in self.items.items() if key not in parent_of]
        if orphans:
            self.warn(
                f"{len(orphans)} CFItem(s) have no isChildOf association and were placed at the "
                f"top level: {_sample(orphans)}.",
                always=True,
            )
        if ignored:
            total = sum(ignored.values())
            kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(ignored.items()))
            self.warn(
                f"{total} association{'s' if total != 1 else ''} of types LearnHub does not "
                f"use {'were' if total != 1 else 'was'} ignored ({kinds}).",
                always=True,
            )

    def _build_tree(self) -> None:
        children: dict[str | None, list[_Item]] = defaultdict(list)
        for item in self.items.values():
            children[item.parent].append(item)
        # Walk down from the document; items never reached hang from an isChildOf loop.
        reached: set[str] = set()
        width = max(4, len(str(max((len(c) for c in children.values()), default=0))))
        queue: list[tuple[_Item | None, int, str]] = [(None, -1, "")]
        while queue:
            parent, depth, prefix = queue.pop()
            siblings = children.get(parent.identifier if parent else None, [])
            if parent is not None:
                parent.is_leaf = not siblings
            numbered = sorted(
                (s for s in siblings if s.sequence is not None),
                key=lambda s: (s.sequence, s.position),
            )
            unnumbered = [s for s in siblings if s.sequence is None]
            last = max((s.sequence or 0 for s in numbered), default=0)
            for rank, item in enumerate([*numbered, *unnumbered], start=1):
                reached.add(item.identifier)
                if item.sequence is not None:
                    item.order = item.sequence
                else:
                    last += 1
                    item.order = min(last, INT_MAX)
                item.depth = depth + 1
                item.sort_key = f"{prefix}{rank:0{width}d}"
                queue.append((item, item.depth, item.sort_key + "."))
        self._report_loops(set(self.items) - reached)
        deepest = max(self.items.values(), key=lambda i: len(i.sort_key), default=None)
        if deepest is not None and len(deepest.sort_key) > SORT_KEY_MAX:
            self.error(
                f"The tree is {deepest.depth + 1} levels deep (at {deepest.label}); LearnHub "
                f"keeps at most {SORT_KEY_MAX // (width + 1)} levels."
            )

    def _report_loops(self, stranded: set[str]) -> None:
        seen: set[str] = set()
        for start in sorted(stranded, key=lambda i: self.items[i].position):
            path: list[str] = []
            on_path: set[str] = set()
            node: str | None = start
            while node is not None and node not in seen and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = self.items[node].parent
            seen.update(path)
            if node is not None and node in on_path:
                loop = path[path.index(node) :]
                chain = " → ".join(self.items[i].label for i in [*loop, loop[0]])
                self.error(
                    f"The isChildOf associations form a loop, so these items have no place in "
                    f"the tree: {chain} (each is a child of the next)."
                )

    # ---- writing

    def _write(self) -> Framework:
        assert self.document is not None
        doc = self.document
        framework = (
            Framework.objects.select_for_update()
            .filter(school=self.school, identifier=doc.identifier)
            .first()
        )
        now = timezone.now()
        if framework is None:
            framework = Framework.objects.create(
                school=self.school, identifier=doc.identifier, imported_at=now, **doc.values
            )
        else:
            changed = _assign(framework, {**doc.values, "imported_at": now})
            framework.save(update_fields=changed)
        existing = {c.identifier: c for c in Competency.objects.filter(framework=framework)}
        new = [
            Competency(framework=framework, identifier=item.identifier, **self._tree_values(item))
            for key, item in self.items.items()
            if key not in existing
        ]
        Competency.objects.bulk_create(new, batch_size=BATCH)  # parents are set just below
        rows = {**existing, **{c.identifier: c for c in new}}
        new_ids = {c.identifier for c in new}
        updates: list[Competency] = []
        fields: set[str] = set()
        for key, item in self.items.items():
            competency = rows[key]
            desired = {
                **self._tree_values(item),
                "parent_id": rows[item.parent].pk if item.parent else None,
            }
            changed = _assign(competency, desired)
            if key in new_ids:
                self.created += 1
            elif changed:
                self.updated += 1
            else:
                self.unchanged += 1
            if changed:
                updates.append(competency)
                fields.update(changed)
        if updates:
            Competency.objects.bulk_update(
                updates, [f for f in COMPETENCY_FIELDS if f in fields], batch_size=BATCH
            )
        self._write_prerequisites(framework, rows)
        stale = [c for key, c in existing.items() if key not in self.items]
        if stale:
            names = _sample(f"{c.identifier} ({c.code})" if c.code else c.identifier for c in stale)
            if len(stale) == 1:
                self.warn(
                    "1 competency of this framework is no longer in the package and was left "
                    f"as it is (it may carry evidence): {names}.",
                    always=True,
                )
            else:
                self.warn(
                    f"{len(stale)} competencies of this framework are no longer in the package "
                    f"and were left as they are (they may carry evidence): {names}.",
                    always=True,
                )
        return framework

    @staticmethod
    def _tree_values(item: _Item) -> dict[str, Any]:
        return {
            **item.values,
            "order": item.order,
            "depth": item.depth,
            "sort_key": item.sort_key,
            "is_leaf": item.is_leaf,
        }

    def _write_prerequisites(self, framework: Framework, rows: dict[str, Competency]) -> None:
        desired = {(rows[c].pk, rows[p].pk) for p, c in self.precedes}
        package_pks = {rows[key].pk for key in self.items}
        existing = {
            (p.competency_id, p.prerequisite_id): p.pk
            for p in Prerequisite.objects.filter(competency__framework=framework)
        }
        Prerequisite.objects.bulk_create(
            [
                Prerequisite(competency_id=c, prerequisite_id=p)
                for c, p in sorted(desired - set(existing))
            ],
            batch_size=BATCH,
        )
        dropped = [
            pk
            for pair, pk in existing.items()
            if pair not in desired and pair[0] in package_pks and pair[1] in package_pks
        ]
        if dropped:
            Prerequisite.objects.filter(pk__in=dropped).delete()
            self.warn(
                f"{len(dropped)} prerequisite link(s) the package no longer declares were removed.",
                always=True,
            )
