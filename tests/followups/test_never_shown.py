"""Students and guardians never see a flag: not on any page or API list they can open, not
in any export. Every GET row of the authorization matrix is opened as the student and as the
guardian, with a flag and a follow-up carrying a unique note about that student."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from followups.models import FollowUp, Rule

# isort: off
from tests.test_authorization_matrix import MATRIX  # first: the row modules import it
from tests.followups.support import make_flag
# isort: on

pytestmark = pytest.mark.django_db
SECRET = "Counsellor referral ZQX-7731"
GET_KEYS = sorted(k for k, rule in MATRIX.items() if rule.method == "get")


@pytest.mark.parametrize("persona", ["student", "guardian"])
def test_no_page_or_api_shows_a_flag_to_students_or_guardians(world, client, persona):
    flag = make_flag(world.student, Rule.CHRONIC_ABSENCE, assigned_to=world.teacher)
    FollowUp.objects.create(
        flag=flag, action="referral", note=SECRET, occurred_on=flag.first_detected_on
    )
    client.force_login(getattr(world, persona))
    opened = 0
    for key in GET_KEYS:
        rule = MATRIX[key]
        if persona not in rule.allowed and not rule.scoped_list:
            continue
        try:
            kwargs = rule.kwargs(world)
        except DomainError:
            continue  # one row's set-up clashes with another's in the same world
        response = client.get(reverse(key, kwargs=kwargs))
        if response.status_code != 200:
            continue
        opened += 1
        body = response.content.decode(errors="replace")
        assert SECRET not in body, key
        assert "Attended 85 %" not in body, key
        assert "Flags and follow-ups" not in body, key
    assert opened > 10
