"""A learning target's statement is CASE markdown ("**Example Stem 1:** …", tables): three safe
ways to show it, used by every page, form, CSV and header that shows one.

markdown-it-py's CommonMark preset with raw HTML off escapes any HTML in the text; its link
check refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` URLs; images are off (a
statement must not load a picture from elsewhere). Tables are on.

- ``statement_html``: block markdown (paragraphs, lists, tables), for a panel of its own.
- ``statement_inline``: inline markdown only (emphasis, code, links), for a line of a list, a
  heading or a table cell: no ``<p>``, block syntax stays text.
- ``statement_text``: plain text, for places that cannot hold markup (``<option>``, ``title``
  attributes, CSV, e-mail): the rendered markdown's text, not its syntax. The result is *not*
  safe: callers escape it (templates do by themselves).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
_SPACES = re.compile(r"\s+")
# Text with none of these is its own plain text (no markdown to render): most short statements.
_SYNTAX = re.compile(r"[\\`*_\[\]<>&#|!~]|^\s*(?:[-+=]|\d+[.)])|\n")


@lru_cache(maxsize=4096)
def statement_html(text: str | None) -> SafeString:
    return mark_safe(_MARKDOWN.render(text or ""))  # noqa: S308 - raw HTML is escaped above


@lru_cache(maxsize=4096)
def statement_inline(text: str | None) -> SafeString:
    return mark_safe(_MARKDOWN.renderInline(text or ""))  # noqa: S308 - as above


@lru_cache(maxsize=4096)  # the grid's 60 headers, on every page
def statement_text(text: str | None) -> str:
    if not text:
        return ""
    if not _SYNTAX.search(text):
        return _SPACES.sub(" ", text).strip()
    rendered = _MARKDOWN.render(text)
    return _SPACES.sub(" ", html.unescape(strip_tags(rendered))).strip()


def truncate(text: str, limit: int) -> str:
    """Like the ``truncatechars`` filter: at most ``limit`` characters, "…" included."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
