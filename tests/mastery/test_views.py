"""Mastery pages as each person uses them."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from mastery.models import Evidence, MasteryRecord, ProficiencyLevel
from mastery.services import evidence_record, evidence_submit

D = dt.date
SEP_10 = dt.date(2026, 9, 10)


def _score(world, competency, score, day=SEP_10):
    evidence_record(
        actor=world.teacher,
        student=world.student,
        competency=competency,
        score=score,
        observed_on=day,
        note="Used a ratio table",
    )


def test_grid_shows_levels_pacing_and_links_each_cell(world, maths, client):
    _score(world, maths.t1, 4)
    client.force_login(world.teacher)
    page = client.get(reverse("section-grid", args=[world.math.pk])).content.decode()
    assert "Math 7: mastery" in page
    assert "7.<wbr>RP.<wbr>1" in page and "7.<wbr>EE.<wbr>2" in page
    exceeds = ProficiencyLevel.objects.get(label="Exceeds", scale__school=world.school)
    row = page.split(f'<tr id="row-{world.student.pk}" data-s="{world.student.pk}"')[1].split(
        "</tr>"
    )[0]
    # First target: Exceeds, mastered; the other four: no evidence yet.
    # Levels are indexed highest first: Exceeds is l0, m0 when mastered.
    assert "<td class=m0>4</td>" in row
    assert row.count("<td>–</td>") == 4
    assert f'data-c="{maths.t1.pk}"' in page  # column headers carry the target for grid.js
    assert f".grid .l0::before,.grid .m0::before{{background:{exceeds.colour}}}" in page
    assert 'role="grid"' in page
    assert "3 Meets (mastery)" in page


def test_grid_csv_is_what_the_grid_shows(world, maths, client):
    _score(world, maths.t1, 4)
    client.force_login(world.teacher)
    response = client.get(
        reverse("section-grid-csv", args=[world.math.pk]), {"domain": maths.ratios.pk}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Student", "Email", "Mastered", "Behind pace by"]
    assert [h.split(" ")[0] for h in rows[0][4:]] == ["7.RP.1", "7.RP.2", "7.RP.3"]
    assert rows[1][:3] == ["Sam Rivera", "sam@example.org", "1"]
    assert rows[1][4:] == ["Exceeds (4.00)", "", ""]


def test_adding_evidence_in_a_cell_returns_the_panel_and_the_updated_cell(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t1.pk])
    response = client.post(
        url,
        {"score": "3.00", "observed_on": "2026-09-12", "kind": "observation", "note": "Nice"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "Evidence added." in body
    assert 'hx-swap-oob="true"' in body
    assert "<td class=m1>3</td>" in body  # Meets, the second level, mastered
    assert f'id="row-{world.student.pk}"' in body
    record = MasteryRecord.objects.get(student=world.student, competency=maths.t1)
    assert (record.score, record.mastered) == (3, True)


def test_invalid_cell_evidence_is_explained(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t1.pk])
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        url, {"score": "3.00", "observed_on": future, "kind": "observation"}, HTTP_HX_REQUEST="true"
    )
    assert "can&#x27;t be dated in the future" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_record_class_scores_in_one_form(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("section-record", args=[world.math.pk])
    page = client.get(url).content.decode()
    assert "Sam Rivera: Meets" in page
    response = client.post(
        url,
        {
            "competency": maths.t2.pk,
            "title": "Quiz 3",
            "observed_on": "2026-10-01",
            "kind": "assessment",
            f"score_{world.student.pk}": "3.00",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("section-grid", args=[world.math.pk])
    evidence = Evidence.objects.get()
    assert (evidence.title, evidence.section, evidence.author) == (
        "Quiz 3",
        world.math,
        world.teacher,
    )


def test_review_queue_accepts_in_place(world, maths, client):
    submission = evidence_submit(actor=world.student, competency=maths.t3, note="Budget project")
    client.force_login(world.teacher)
    page = client.get(reverse("evidence-review")).content.decode()
    assert "Budget project" in page and "Sam Rivera" in page
    response = client.post(
        reverse("evidence-accept", args=[submission.pk]),
        {"score": "3", "comment": "Well argued"},
        HTTP_HX_REQUEST="true",
    )
    assert "Accepted at 3.00" in response.content.decode()
    assert MasteryRecord.objects.get(competency=maths.t3).mastered is True


def test_a_student_cannot_accept_their_own_submission_and_it_stays_waiting(world, maths, client):
    # The refusal comes from evidence_accept itself: the view repeats no check of its own.
    submission = evidence_submit(actor=world.student, competency=maths.t3, note="Budget project")
    client.force_login(world.student)
    response = client.post(
        reverse("evidence-accept", args=[submission.pk]), {"score": "3"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert not MasteryRecord.objects.filter(competency=maths.t3, mastered=True).exists()


def test_student_sees_levels_growth_chart_and_whats_next(world, maths, client):
    _score(world, maths.t1, 4)
    client.force_login(world.student)
    page = client.get(reverse("my-mastery")).content.decode()
    assert "My mastery" in page
    assert "<svg" in page and 'aria-label="Learning targets mastered' in page
    assert "What's next for me" in page
    assert "7.RP.2" in page and "Ready to start" in page
    assert "Not yet: needs earlier targets" in page
    assert "<script" not in page.split("</head>")[1]


def test_student_submits_evidence_from_the_page(world, maths, client):
    client.force_login(world.student)
    response = client.post(
        reverse("evidence-submit"),
        {"competency": maths.t3.pk, "kind": "prior_learning", "note": "Summer job", "link": ""},
    )
    assert response.status_code == 302
    assert Evidence.objects.get().status == "submitted"
    assert "Waiting for a teacher" in client.get(reverse("my-mastery")).content.decode()


def test_parent_progress_page_has_no_comparison_with_classmates(world, maths, client):
    from tests import factories as f

    classmate = f.student(world.school, given_name="Cleo", family_name="Diaz")
    f.enroll(world.math, classmate)
    _score(world, maths.t1, 4)
    evidence_record(
        actor=world.teacher,
        student=classmate,
        competency=maths.t1,
        score=2,
        observed_on=D(2026, 9, 10),
    )
    client.force_login(world.guardian)
    page = client.get(reverse("student-progress", args=[world.student.pk])).content.decode()
    assert "Sam's progress" in page
    assert "Used a ratio table" in page  # the teacher's note
    assert "Cleo" not in page and "average" not in page.lower() and "rank" not in page.lower()


def test_the_updated_row_keeps_the_grids_domain_filter(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t4.pk])
    body = client.post(
        f"{url}?domain={maths.expressions.pk}",
        {"score": "2.00", "observed_on": "2026-09-12", "kind": "observation"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    row = body.split(f'id="row-{world.student.pk}"')[1]
    assert row.split("</tr>")[0].count("<td") == 3  # the mastered count, 7.EE.1 and 7.EE.2


def test_the_cell_form_preselects_no_level(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t1.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    select = body.split('name="score"')[1].split("</select>")[0]
    assert "selected" not in select.replace('value="" selected', "")
    assert '<option value="" selected>Choose a level…</option>' in select
    response = client.post(
        url,
        {"score": "", "observed_on": "2026-09-12", "kind": "observation"},
        HTTP_HX_REQUEST="true",
    )
    assert "This field is required." in response.content.decode()
    assert Evidence.objects.count() == 0


def test_the_cell_panel_says_how_the_score_came_about(world, maths, client):
    # maths uses a decaying average of 65 %: a 3 after a 2 gives 2 × 35 % + 3 × 65 % = 2.65.
    _score(world, maths.t1, 2, D(2026, 9, 1))
    _score(world, maths.t1, 3, D(2026, 9, 8))
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t1.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Now: <strong>Approaching</strong> (2.65)" in body
    assert "How this score is worked out: Decaying average, 65 %" in body
    assert "Each new score counts 65 % and the running score before it 35 %" in body
    assert "<li>Starts at the first score: 2.</li>" in body
    assert "<li>Then 3: 2 × 35 % + 3 × 65 % = 2.65.</li>" in body
    assert "2.65 is at least 2 and below 3 (Meets): Approaching, not mastered yet." in body


def test_an_advisory_grid_says_what_the_page_is_for_and_offers_no_scoring(world, client):
    client.force_login(world.teacher)
    page = client.get(reverse("section-grid", args=[world.advisory.pk])).content.decode()
    assert "is an advisory" in page and "not for scores" in page
    assert "Record class scores" not in page and "Download CSV" not in page
    assert "Sort by" not in page


def test_an_empty_cell_says_once_that_nothing_is_recorded(world, maths, client):
    client.force_login(world.teacher)
    url = reverse("grid-cell", args=[world.math.pk, world.student.pk, maths.t1.pk])
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert body.count("Nothing recorded yet.") == 1
    assert "No evidence yet." not in body
    assert "Now:" not in body


def test_grid_headers_break_only_after_a_dot_and_names_keep_their_whole_text(world, maths, client):
    """A walk found codes broken anywhere ("7.RP.2 / c") and long names cut with no way to read
    them: codes may break after a dot only, and each name's link carries it whole."""
    client.force_login(world.teacher)
    page = client.get(reverse("section-grid", args=[world.math.pk])).content.decode()
    assert "<span>7.<wbr>RP.<wbr>1</span>" in page
    name = world.student.display_name
    assert f'title="{name}">{name}</a>' in page
