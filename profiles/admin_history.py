"""The admin's History page of a tracked model: the pghistory events of one object.

Database triggers record every insert, update and delete of a tracked model (bulk writes and
imports included) with the history context of the write: the acting person (``user``), the
service (``service``), an import or command (``source``) or the scan's ``trigger``. Django's own
History page only knows the admin's ``LogEntry`` rows, so for a tracked model the school-scoped
admin shows these events instead (:meth:`profiles.admin_base.SchoolScopedAdmin.history_view`):
newest first, who made each change and, for an update, each field's old and new value, computed
from the event before it.

A page is a constant number of queries, however many events the object has: the count, the
page's events with their contexts (and the one event before the page's oldest), the people
named in the contexts, and one query per foreign key shown.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import ForeignKey, Model
from django.utils import formats, timezone
from django.utils.text import Truncator

#: Bookkeeping columns a History page does not list as changes: when, by whom (the row's
#: "who" says it) and the edit counter. pghistory's own ``pgh_*`` columns are never shown.
HIDDEN_FIELDS = frozenset({"created_at", "updated_at", "updated_by", "version"})
#: Longer values are cut to this many characters (the change form holds the full text).
MAX_VALUE_CHARS = 120
PER_PAGE = 50

#: Writes made by a command, named for it: a person the command acted as is nominal (the demo
#: writes the whole school in one history context, whose metadata is the union of the nested
#: ones), so the command is the "who".
COMMAND_SOURCES = frozenset({"seed_demo"})
#: Writes made without a person, named for the work that made them.
SOURCE_NAMES = {
    "oneroster": "roster import",
    "case": "CASE import",
    "seed_demo": "seed_demo",
}
TRIGGER_NAMES = {
    "nightly": "nightly scan",
    "command": "scan from the command line",
    "section": "section scan",
    "student": "rescan after a change",
    "demo": "demo scan",
}
ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    when: datetime.datetime
    who: str
    via: str
    action: str
    changes: list[FieldChange]


def is_tracked(model: type[Model]) -> bool:
    return getattr(model, "pgh_event_model", None) is not None


def history_page(
    *, obj: Model, fields: Sequence[str], page_number: Any, per_page: int = PER_PAGE
) -> tuple[Page[Any], list[HistoryRow]]:
    """One page of ``obj``'s events, newest first, showing only ``fields`` (the fields of its
    change form, so staff-only fields follow the change form's rules)."""
    model = type(obj)
    event_model = model.pgh_event_model  # type: ignore[attr-defined]
    shown = _shown_fields(model, event_model, fields)
    events = event_model.objects.filter(pgh_obj_id=obj.pk).order_by("-pgh_created_at", "-pgh_id")
    paginator = Paginator(events.values_list("pgh_id", flat=True), per_page)
    page = paginator.get_page(page_number)
    start = (page.number - 1) * per_page
    # One more than the page: the event before the page's oldest, to diff that one against.
    rows = list(events.select_related("pgh_context")[start : start + per_page + 1])
    newer, older = rows[:per_page], rows[1 : per_page + 1]
    labels = _labels(shown, rows)
    people = _people(rows)
    history = [
        _row(event, older[i] if i < len(older) else None, shown, labels, people)
        for i, event in enumerate(newer)
    ]
    return page, history


def _shown_fields(model: type[Model], event_model: type[Model], fields: Sequence[str]) -> list[Any]:
    tracked = {f.name for f in event_model._meta.concrete_fields}
    result = []
    for name in fields:
        if name in HIDDEN_FIELDS or name.startswith("pgh_") or name not in tracked:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(field, "concrete", False) and not field.many_to_many:
            result.append(field)
    return result


def _labels(shown: Iterable[Any], events: Sequence[Model]) -> dict[tuple[str, Any], str]:
    """The text of every foreign-key value on the page: one query per foreign key shown."""
    labels: dict[tuple[str, Any], str] = {}
    for field in shown:
        if not isinstance(field, ForeignKey):
            continue
        ids = {getattr(e, field.attname) for e in events} - {None}
        if not ids:
            continue
        target = field.related_model
        for row in target._default_manager.filter(pk__in=ids):  # type: ignore[union-attr]
            labels[(field.name, row.pk)] = str(row)
        for missing in ids - {pk for (name, pk) in labels if name == field.name}:
            labels[(field.name, missing)] = f"#{missing} (deleted)"
    return labels


def _people(events: Sequence[Model]) -> dict[int, str]:
    from .models import User

    ids = {_metadata(e).get("user") for e in events} - {None}
    ids = {i for i in ids if isinstance(i, int)}
    return {u.pk: f"{u.display_name} ({u.email})" for u in User.objects.filter(pk__in=ids)}


def _metadata(event: Model) -> dict[str, Any]:
    context = getattr(event, "pgh_context", None)
    metadata = getattr(context, "metadata", None)
    return metadata if isinstance(metadata, dict) else {}


def _row(
    event: Model,
    previous: Model | None,
    shown: Sequence[Any],
    labels: dict[tuple[str, Any], str],
    people: dict[int, str],
) -> HistoryRow:
    label = str(getattr(event, "pgh_label", ""))
    changes: list[FieldChange] = []
    if label == "update" and previous is not None:
        for field in shown:
            old, new = getattr(previous, field.attname), getattr(event, field.attname)
            if old != new:
                changes.append(
                    FieldChange(
                        _field_label(field),
                        value_text(field, old, labels),
                        value_text(field, new, labels),
                    )
                )
    elif label == "insert":
        for field in shown:
            new = getattr(event, field.attname)
            if new not in (None, "", [], {}):
                changes.append(FieldChange(_field_label(field), "", value_text(field, new, labels)))
    who, via = describe_context(_metadata(event), people)
    return HistoryRow(
        when=event.pgh_created_at,  # type: ignore[attr-defined]
        who=who,
        via=via,
        action=ACTIONS.get(label, label.capitalize()),
        changes=changes,
    )


def _field_label(field: Any) -> str:
    return str(field.verbose_name)


def value_text(field: Any, value: Any, labels: dict[tuple[str, Any], str]) -> str:
    """A value as the change form would name it: a choice's label, a related row's name, yes or
    no, a local date and time; long text cut short."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(field, ForeignKey):
        return labels.get((field.name, value), f"#{value}")
    if field.choices:
        text = str(dict(field.flatchoices).get(value, value))
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime.datetime):
        text = formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    elif isinstance(value, datetime.date):
        text = formats.localize(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return Truncator(text).chars(MAX_VALUE_CHARS)


def describe_context(metadata: dict[str, Any], people: dict[int, str]) -> tuple[str, str]:
    """Who made a change and through what: the person, or else the import, command or scan."""
    user = metadata.get("user")
    source = metadata.get("source")
    trigger = metadata.get("trigger")
    service = metadata.get("service")
    work = (
        SOURCE_NAMES.get(str(source), str(source))
        if source
        else TRIGGER_NAMES.get(str(trigger), f"{trigger} scan")
        if trigger
        else str(service).replace("_", " ")
        if service
        else ""
    )
    if source in COMMAND_SOURCES:
        return work, ""
    if user:
        who = people.get(user, f"person #{user} (deleted)")
        via = work or ("the admin" if str(metadata.get("url", "")).startswith("/admin/") else "")
        return who, via
    if work:
        return work, ""
    if metadata.get("url"):
        return "a request without a signed-in person", str(metadata["url"])
    return "not recorded (a direct database change)", ""
