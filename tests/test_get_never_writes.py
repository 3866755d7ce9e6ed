"""A GET never writes (CONVENTIONS 13): every GET page and API read of the authorization matrix,
requested by each kind of person allowed to see it, runs no INSERT, UPDATE or DELETE. The
session, the login throttle (axes) and the history tables are the only writes allowed, and only
because they are the framework's own bookkeeping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import World
from tests.test_authorization_matrix import MATRIX, _url_for

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# pghistory puts its context in front of a write: ``SELECT set_config('pghistory...', ...); UPDATE``
HISTORY_CONTEXT = re.compile(r"^\s*SELECT set_config\('pghistory\.[^;]*;", re.IGNORECASE)
BOOKKEEPING = re.compile(r'"(django_session|axes_\w+|pgh\w*|\w+event)"', re.IGNORECASE)
# Each allowed kind of person once: the "other_" personas see the same pages about their own.
VIEWERS = ("anonymous", "student", "guardian", "teacher", "admin")

CASES = [
    (key, persona)
    for key, rule in sorted(MATRIX.items())
    if rule.method == "get"
    for persona in VIEWERS
    if persona in rule.allowed
]


def writes_in(queries: list[dict[str, Any]]) -> list[str]:
    statements = [HISTORY_CONTEXT.sub("", q["sql"]) for q in queries]
    return [sql for sql in statements if WRITE.match(sql) and not BOOKKEEPING.search(sql)]


def test_writes_in_finds_writes_and_passes_over_bookkeeping() -> None:
    queries = [
        {"sql": 'SELECT "profiles_user"."id" FROM "profiles_user"'},
        {"sql": 'INSERT INTO "mastery_proficiencyscale" ("name") VALUES (%s)'},
        {"sql": ' update "goals_goalcategory" SET "order" = 1'},
        {"sql": "SELECT set_config('pghistory.context_id', 'x', true); DELETE FROM \"goals_goal\""},
        {"sql": 'DELETE FROM "django_session" WHERE "session_key" = %s'},
        {"sql": 'UPDATE "axes_accessattempt" SET "failures_since_start" = 1'},
    ]
    assert writes_in(queries) == [
        'INSERT INTO "mastery_proficiencyscale" ("name") VALUES (%s)',
        ' update "goals_goalcategory" SET "order" = 1',
        ' DELETE FROM "goals_goal"',
    ]


def test_every_get_page_has_a_case() -> None:
    gets = {key for key, rule in MATRIX.items() if rule.method == "get"}
    assert gets == {key for key, _ in CASES}


@pytest.mark.parametrize(("key", "persona"), CASES)
def test_a_get_never_writes(key: str, persona: str, world: World, client: Any) -> None:
    # Given the page's data and a signed-in viewer allowed to see it (both made before counting)
    url = _url_for(key, world)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    # When they request the page
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Then it answered and nothing was written
    assert response.status_code < 400, (key, persona, response.status_code)
    assert writes_in(captured.captured_queries) == []


@pytest.mark.parametrize(("persona", "url_name"), [("student", "student-home"), ("teacher", None)])
def test_a_student_without_a_profile_yet_is_shown_without_making_one(
    persona: str, url_name: str | None, world: World, client: Any
) -> None:
    from django.urls import reverse

    from profiles.models import LearnerProfile

    # Given a student whose profile was never made
    LearnerProfile.objects.filter(student=world.student).delete()
    url = reverse(url_name) if url_name else reverse("student-detail", args=[world.student.pk])
    client.force_login(getattr(world, persona))
    # When their page is shown
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Then it is, and no profile was made
    assert response.status_code == 200
    assert writes_in(captured.captured_queries) == []
    assert not LearnerProfile.objects.filter(student=world.student).exists()
