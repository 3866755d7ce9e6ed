"""Every page that shows a learning target's statement renders its markdown with the same safe
filter as the grid's cell panel: markup from markdown, never markup from the text itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from goals.services import goal_create
from mastery.models import Competency
from mastery.services import evidence_record, evidence_submit

STATEMENT = "Compute **unit rates** <script>alert('x')</script><img src=x onerror=alert(2)>"
DOMAIN = "Ratios *and* proportions <b onmouseover=alert(3)>"
XSS = ("<script>alert", "<img", "<b onmouseover", "onerror=alert(2)>")


@pytest.fixture
def marked(world, maths):
    Competency.objects.filter(pk=maths.t1.pk).update(statement=STATEMENT, short_statement="")
    Competency.objects.filter(pk=maths.ratios.pk).update(statement=DOMAIN, short_statement="")
    maths.t1.refresh_from_db()
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=2,
        observed_on=dt.date(2026, 9, 15),
    )
    return maths


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _assert_safe_markdown(page, *, inline=True):
    for bad in XSS:
        assert bad not in page
    assert "**unit rates**" not in page
    if inline:
        assert "<strong>unit rates</strong>" in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize("who", ["teacher", "guardian", "admin"])
def test_the_student_progress_page_renders_the_statement_safely(world, marked, client, who):
    page = _page(client, getattr(world, who), reverse("student-progress", args=[world.student.pk]))
    _assert_safe_markdown(page)
    assert "<em>and</em>" in page  # the domain's heading
    assert "*and*" not in page


def test_the_students_own_mastery_page_renders_the_statement_safely(world, marked, client):
    _assert_safe_markdown(_page(client, world.student, reverse("my-mastery")))


def test_goal_pages_render_a_linked_targets_statement_safely(world, marked, client):
    goal = goal_create(
        actor=world.student,
        student=world.student,
        title="Rates",
        competencies=[marked.t1],
        propose=True,
    )
    for user in (world.student, world.guardian, world.teacher):
        _assert_safe_markdown(_page(client, user, reverse("goal-detail", args=[goal.pk])))
    # the goal form lists the targets as options: plain text, the markdown's words
    form = _page(client, world.student, reverse("goal-edit", args=[goal.pk]))
    assert "Compute unit rates" in form
    for bad in XSS:
        assert bad not in form


def test_the_evidence_review_renders_the_statement_safely(world, marked, client):
    evidence_submit(actor=world.student, competency=marked.t1, note="My worksheet")
    _assert_safe_markdown(_page(client, world.teacher, reverse("evidence-review")))


def test_the_grid_headers_and_domain_filter_are_plain_text_and_escaped(world, marked, client):
    Competency.objects.filter(pk=marked.t1.pk).update(code="")
    page = _page(client, world.teacher, reverse("section-grid", args=[world.math.pk]))
    for bad in XSS:
        assert bad not in page
    assert 'title="Compute unit rates &lt;script&gt;' in page
    assert "<span>Compute unit rate…</span>" in page
    assert "7.RP Ratios and proportions" in page  # the <option>: no markup, no stars
    filtered = _page(
        client,
        world.teacher,
        reverse("section-grid", args=[world.math.pk]) + f"?domain={marked.ratios.pk}",
    )
    assert "in 7.RP Ratios <em>and</em> proportions" in filtered


def test_forms_and_the_csv_show_the_statements_words(world, marked, client):
    record = _page(client, world.teacher, reverse("section-record", args=[world.math.pk]))
    submit = _page(client, world.student, reverse("evidence-submit"))
    for page in (record, submit):
        assert "7.RP.1 Compute unit rates" in page
        for bad in XSS:
            assert bad not in page
    client.force_login(world.teacher)
    csv = client.get(reverse("section-grid-csv", args=[world.math.pk])).content.decode()
    assert "7.RP.1 Compute unit rates <script>" in csv  # CSV is text: the words, no ** markers
    assert "**" not in csv


def test_the_cell_panel_still_renders_block_markdown(world, marked, client):
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, marked.t1.pk])
    _assert_safe_markdown(_page(client, world.teacher, url))
