"""CASE statements render their markdown, and nothing a package could use to inject markup."""

from __future__ import annotations

import json

from mastery.templatetags.statements import statement_html

from .test_case_import import SBAC


def test_markdown_in_a_statement_renders_as_markup():
    html = statement_html("**Prompt Features:** The student is prompted to *draw* a graph.")
    assert html == (
        "<p><strong>Prompt Features:</strong> The student is prompted to <em>draw</em> "
        "a graph.</p>\n"
    )


def test_raw_html_scripts_and_images_in_a_statement_stay_text():
    html = statement_html(
        'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> [a](javascript:alert(3)) '
        "![p](https://example.org/p.png)"
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_the_real_smarter_balanced_statements_render_their_tables():
    items = json.loads(SBAC.read_text(encoding="utf-8"))["CFItems"]
    with_table = next(i["fullStatement"] for i in items if "|" in i["fullStatement"])
    html = statement_html(with_table)
    assert "<table>" in html and "<script" not in html
    assert "**" not in html  # the bold markers became <strong>
