"""Template filters for a learning target's markdown statement (see ``mastery.statements``):

``{{ c.statement|statement_html }}`` (a panel), ``{{ c.label|statement_inline }}`` (a line;
``statement_inline:80`` truncates the text to 80 characters first, markup dropped),
``{{ c.label|statement_text }}`` (plain text, escaped by the template as usual).
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from mastery import statements

register = template.Library()


@register.filter
def statement_html(text: str | None) -> SafeString:
    return statements.statement_html(text)


@register.filter
def statement_inline(text: str | None, limit: int | None = None) -> SafeString:
    if limit is None:
        return statements.statement_inline(text)
    plain = statements.statement_text(text)
    if len(plain) <= int(limit):
        return statements.statement_inline(text)
    return mark_safe(escape(statements.truncate(plain, int(limit))))  # noqa: S308 - escaped


@register.filter
def statement_text(text: str | None, limit: int | None = None) -> str:
    plain = statements.statement_text(text)
    return plain if limit is None else statements.truncate(plain, int(limit))
