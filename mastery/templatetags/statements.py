"""``{{ competency.statement|statement_html }}``: a CASE statement's markdown, rendered safely.

CASE packages write statements in markdown ("**Example Stem 1:** …", tables). markdown-it-py's
CommonMark preset with raw HTML off escapes any HTML in the text; its link check refuses
``javascript:``, ``vbscript:``, ``file:`` and ``data:`` URLs; images are off (a statement must
not load a picture from elsewhere). Tables are on.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


@register.filter
def statement_html(text: str | None) -> SafeString:
    return mark_safe(_MARKDOWN.render(text or ""))  # noqa: S308 - raw HTML is escaped above
