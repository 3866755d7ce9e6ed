"""The mastery demo step on a demo school that changed after it was seeded (apart from
test_demo.py, whose module-wide seed would already be there)."""

from __future__ import annotations

from datetime import date

from mastery.demo import demo_mastery_seed
from mastery.models import Evidence, PacingPlan, SectionCompetency
from profiles.demo import demo_school_seed
from profiles.models import Section, User

TODAY = date(2025, 11, 24)


def test_a_demo_school_changed_since_it_was_seeded_gets_data_for_what_is_left(db):
    """The step builds on the demo's files, and writes only for the classes and people still
    there (a demo school seeded before this step existed may have lost some since)."""
    demo_school_seed(today=TODAY)
    Section.objects.get(sourced_id="demo-class-science-8").delete()
    User.objects.get(sourced_id="demo-student-002").delete()

    summary = demo_mastery_seed(today=TODAY)

    assert summary.created is True
    assert summary.counts["pacing_plans"] == PacingPlan.objects.count() == 8
    linked = set(SectionCompetency.objects.values_list("section__sourced_id", flat=True))
    assert len(linked) == 8 and "demo-class-science-8" not in linked
    assert 0 < Evidence.objects.count() < 2560  # test_demo.py: all of it
    assert not Evidence.objects.filter(student__sourced_id="demo-student-002").exists()
