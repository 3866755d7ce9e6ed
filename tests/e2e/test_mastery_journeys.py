"""Mastery journeys: a teacher records a class's scores and sees the grid change; adds
evidence in a cell without a reload; a student sees a new level and what is next; a parent sees
the chart. axe on every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from mastery.services import evidence_record, evidence_submit
from tests.mastery.conftest import build_maths

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teacher_records_class_scores_and_adds_evidence_in_a_cell(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    log_in("tess@example.org")
    page.get_by_role("link", name="Grid for Math 7").click()
    expect(page.get_by_role("heading", name="Math 7: mastery")).to_be_visible()
    row = page.locator(f"#row-{world.student.pk}")
    # cells in target order after the "Mastered" count: 7.RP.1, 7.RP.2, 7.RP.3, 7.EE.1, 7.EE.2
    expect(row.locator("td").nth(2)).to_have_text("–")
    assert_accessible()

    page.get_by_role("link", name="Record class scores").click()
    page.get_by_label("Learning target").select_option(
        label="7.RP.2 Recognize proportional relationships"
    )
    page.get_by_label("Assessment").fill("Ratio quiz 2")
    page.get_by_label("Sam Rivera: Meets").check()
    assert_accessible()
    screenshot("teacher-record-class-scores")
    page.get_by_role("button", name="Save all scores").click()

    expect(page.get_by_text("Recorded 1 score for 7.RP.2.")).to_be_visible()
    expect(row.locator("td").nth(2)).to_have_text("3")
    expect(row.locator("td").nth(0)).to_have_text("1")  # mastered

    # Add evidence in place: the panel opens and the cell changes without a page load.
    page.evaluate("window.__noReload = true")
    drawer = page.locator("#cell-drawer")
    expect(drawer).to_be_hidden()  # the evidence panel opens on demand
    row.locator("td").nth(1).click()
    panel = page.locator("#cell-panel")
    expect(panel.get_by_role("heading", name="Sam Rivera")).to_be_visible()
    expect(panel.get_by_label("Level")).to_have_value("")  # nothing pre-selected
    panel.get_by_label("Level").select_option(label="4 Exceeds")
    panel.get_by_label("Note for the student and family").fill("Explained unit rates clearly")
    panel.get_by_role("button", name="Add evidence").click()
    expect(panel.get_by_text("Evidence added.")).to_be_visible()
    expect(panel.get_by_text("Explained unit rates clearly")).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("4")
    expect(row.locator("td").nth(0)).to_have_text("2")  # the row's mastered count updated too
    assert page.evaluate("window.__noReload") is True
    assert_accessible()
    screenshot("teacher-grid")
    assert maths.t1.mastery_records.get().mastered is True


def test_teacher_accepts_a_students_submission(world, page, live_server, log_in, assert_accessible):
    maths = build_maths(world)
    evidence_submit(actor=world.student, competency=maths.t3, note="I ran the bake sale budget")
    log_in("tess@example.org")
    page.get_by_role("link", name="Evidence to review").click()
    expect(page.get_by_text("I ran the bake sale budget")).to_be_visible()
    assert_accessible()
    page.get_by_label("Level").select_option(label="3 Meets")
    page.get_by_label("Comment").fill("Great real-world percent work")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Accepted at 3.00")).to_be_visible()


def test_student_sees_a_new_level_and_whats_next(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=4,
        observed_on=dt.date.today() - dt.timedelta(days=3),
        note="Strong ratio tables",
    )
    log_in("sam@example.org")
    page.get_by_role("link", name="My mastery").click()
    expect(page.get_by_role("heading", name="My mastery")).to_be_visible()
    expect(page.locator(".target--mastered").filter(has_text="7.RP.1")).to_contain_text("Exceeds")
    next_up = page.locator(".next-list")
    expect(next_up).to_contain_text("7.RP.2")
    expect(next_up).to_contain_text("Ready to start")
    expect(page.get_by_role("img", name=re.compile("Learning targets mastered"))).to_be_visible()
    assert_accessible()
    screenshot("student-my-mastery")

    page.get_by_role("link", name="I have evidence for 7.RP.2").click()
    page.get_by_label("What did you do? What does it show?").fill("I compared phone plans")
    page.get_by_role("button", name="Send to my teacher").click()
    expect(page.get_by_text("Sent to your teacher")).to_be_visible()
    expect(page.get_by_text("7.RP.2 · Waiting for a teacher")).to_be_visible()


def test_parent_sees_the_growth_chart_and_teacher_notes(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    maths = build_maths(world)
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=maths.t1,
        score=3,
        observed_on=dt.date.today() - dt.timedelta(days=10),
        note="Careful, clear work",
    )
    log_in("gina@example.org")
    page.get_by_role("link", name=re.compile("See Sam's progress")).click()
    expect(page.get_by_role("heading", name="Sam's progress")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("1 of 5 learning targets mastered"))
    ).to_be_visible()
    expect(page.get_by_text("Careful, clear work")).to_be_visible()
    expect(page.get_by_text("1 mastered · 0 in progress · 5 in all")).to_be_visible()
    assert_accessible()
    screenshot("parent-progress")


def _demo_sized_class(world):
    """A class like the demo's: 27 students, a unit of 16 targets in 4 domains, scored."""
    from mastery.models import Competency, Framework
    from mastery.services import evidence_record_for_class, framework_link_sections
    from tests import factories as f

    fw = Framework.objects.create(
        school=world.school, title="Math 7 demo", identifier="fw-demo", subject="Math"
    )
    targets = []
    for d, domain_code in enumerate(("7.RP", "7.NS", "7.EE", "7.G"), start=1):
        domain = Competency.objects.create(
            framework=fw,
            identifier=f"d{d}",
            code=domain_code,
            statement=f"Domain {domain_code}",
            order=d,
            depth=0,
            sort_key=f"{d:04d}",
            is_leaf=False,
        )
        for t in range(1, 5):
            targets.append(
                Competency.objects.create(
                    framework=fw,
                    identifier=f"d{d}t{t}",
                    code=f"{domain_code}.{t}",
                    statement=f"Target {t} of {domain_code}",
                    parent=domain,
                    order=t,
                    depth=1,
                    sort_key=f"{d:04d}.{t:04d}",
                    is_leaf=True,
                )
            )
    section = f.SectionFactory(school=world.school, name="Math 7 Period 2")
    f.enroll(section, world.teacher, role="teacher")
    students = [
        f.student(world.school, given_name=given, family_name=family)
        for given, family in zip(
            ["Valentina", "Maximilian", "Oluwaseun", "Anastasia", "Christopher", "Guadalupe"] * 5,
            ["Fernandes-Hughes", "Abernathy", "Okonkwo", "Vasquez", "Lindqvist"] * 6,
            strict=False,
        )
    ][:27]
    f.enroll(section, *students)
    framework_link_sections(framework=fw, sections=[section])
    for i, target in enumerate(targets[:10]):
        evidence_record_for_class(
            actor=world.teacher,
            section=section,
            competency=target,
            scores={s.pk: str(1 + (i + n) % 4) for n, s in enumerate(students)},
            observed_on=dt.date.today() - dt.timedelta(days=3),
        )
    return section, students, targets


def test_at_1280_px_the_grid_shows_a_whole_class_and_unit_without_the_panel(
    world, page, live_server, log_in, assert_accessible, screenshot
):
    section, students, _targets = _demo_sized_class(world)
    log_in("tess@example.org")
    page.goto(f"{live_server.url}/sections/{section.pk}/grid/")
    expect(page.get_by_role("heading", name="Math 7 Period 2: mastery")).to_be_visible()
    assert page.viewport_size == {"width": 1280, "height": 900}
    grid = page.get_by_role("grid")
    grid.scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.grid-scroll').scrollIntoView()")
    expect(page.locator("#cell-drawer")).to_be_hidden()

    def in_view(box):
        return (
            box
            and box["x"] >= 0
            and box["y"] >= 0
            and (box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 900)
        )

    scroller = page.locator(".grid-scroll").bounding_box()
    assert scroller["x"] + scroller["width"] <= 1280
    headers = page.locator("table.grid thead th.grid__target")
    assert headers.count() == 16
    for i in range(16):
        assert in_view(headers.nth(i).bounding_box()), f"target {i + 1} is out of view"
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 27
    for i in range(27):
        assert in_view(rows.nth(i).bounding_box()), f"student {i + 1} is out of view"
    # Nothing is hidden by scrolling inside the grid either.
    overflow = page.evaluate(
        "(() => { const s = document.querySelector('.grid-scroll');"
        " return [s.scrollWidth - s.clientWidth, s.scrollHeight - s.clientHeight]; })()"
    )
    assert overflow == [0, 0], overflow
    screenshot("teacher-grid-1280")
    assert_accessible()

    # The panel is on demand: a cell opens it, Escape closes it and focus returns to the cell.
    first = sorted(students, key=lambda s: (s.family_name, s.given_name, s.pk))[0]
    cell = rows.nth(0).locator("td").nth(1)
    cell.click()
    expect(page.locator("#cell-drawer")).to_be_visible()
    expect(
        page.locator("#cell-panel").get_by_role("heading", name=first.display_name)
    ).to_be_visible()
    expect(page.locator("#cell-panel").get_by_text("How this score is worked out")).to_be_visible()
    screenshot("teacher-grid-1280-panel")
    page.keyboard.press("Escape")
    expect(page.locator("#cell-drawer")).to_be_hidden()
    expect(cell).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(rows.nth(0).locator("td").nth(2)).to_be_focused()
