"""The family-contact panel in the base layout: which advisors a page about one child shows."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import User
from ..selectors import FamilyContact

register = template.Library()


@register.simple_tag(takes_context=True)
def family_contacts_for_page(context: dict[str, Any]) -> list[FamilyContact]:
    """On a page about one child (a ``student`` in its context), that child's advisor only;
    elsewhere (the family home, conferences) every child's."""
    contacts = context.get("family_contacts")
    if contacts is None:
        return []
    rows: list[FamilyContact] = contacts() if callable(contacts) else list(contacts)
    child = context.get("student")
    if isinstance(child, User):
        return [c for c in rows if c.child_id == child.pk]
    return rows
