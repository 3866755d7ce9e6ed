"""Every email's links are absolute, on LEARNHUB_SITE_URL, and open the page the email is
about for the person it was sent to (docs/decisions/0031)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse
from django.utils import timezone

from conferences import services as conference_services
from conferences.models import ConferenceReminder
from conferences.reminders import reminder_send
from core.links import absolute_url
from followups.digest import flag_digests_send
from followups.models import Rule
from goals.models import Goal
from goals.reminders import advisor_summaries_send, checkin_nudges_send
from goals.services import goal_approve, goal_create
from tests.conferences.support import in_state, scheduled
from tests.followups.support import make_flag

pytestmark = pytest.mark.django_db

E = ConferenceReminder.Event
SITE = "http://testserver"  # learnhub.settings.test


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def _opens(client, user, url: str, view: str, **kwargs) -> str:
    """The one link in an email is absolute on the site, names ``view`` and opens (200) for
    ``user``; returns the page."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == SITE
    match = resolve(parts.path)
    assert (match.url_name, match.kwargs) == (view, kwargs)
    if user is not None:
        client.force_login(user)
    response = client.get(parts.path)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_absolute_url_puts_the_path_on_the_site_address(settings):
    settings.LEARNHUB_SITE_URL = "https://learnhub.example.org"
    assert absolute_url("my-goals") == "https://learnhub.example.org/me/goals/"
    assert absolute_url("conference-agenda", args=[7]) == (
        "https://learnhub.example.org/conferences/7/agenda/"
    )


def test_absolute_url_refuses_to_build_a_link_without_the_site_address(settings):
    settings.LEARNHUB_SITE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="LEARNHUB_SITE_URL"):
        absolute_url("my-goals")


def test_the_invitation_links_to_the_familys_conferences_page(world, client, mailoutbox):
    conference = scheduled(world).conference

    assert reminder_send(conference, E.INVITATION, [world.guardian.email]) is True

    (link,) = _links(mailoutbox[0].body)
    assert link == SITE + reverse("family-conferences")
    page = _opens(client, world.guardian, link, "family-conferences")
    assert "Sam" in page


def test_the_day_before_links_to_the_agenda_once_it_is_ready(world, client, mailoutbox):
    conference = in_state(world, "ready")

    assert reminder_send(conference, E.DAY_BEFORE, [world.guardian.email]) is True

    body = mailoutbox[0].body
    (link,) = _links(body)
    assert f"The agenda is ready to read ahead: {link}" in body
    _opens(client, world.guardian, link, "conference-agenda", pk=conference.pk)


def test_the_day_before_an_agenda_not_ready_links_to_the_conferences_page(
    world, client, mailoutbox
):
    conference = scheduled(world).conference

    assert reminder_send(conference, E.DAY_BEFORE, [world.guardian.email]) is True

    body = mailoutbox[0].body
    (link,) = _links(body)
    assert "agenda" not in body
    _opens(client, world.guardian, link, "family-conferences")


def test_the_summary_links_to_the_conferences_summary(world, client, mailoutbox):
    conference = in_state(world, "held")
    conference_services.conference_summary_save(
        actor=world.teacher, conference=conference, summary="We agreed."
    )
    mailoutbox.clear()  # saving the summary may have sent it already (on commit)

    assert reminder_send(conference, E.SUMMARY, [world.guardian.email]) is True

    (link,) = _links(mailoutbox[0].body)
    page = _opens(client, world.guardian, link, "conference-summary", pk=conference.pk)
    assert "We agreed." in page


def _stale_goal(world) -> Goal:
    goal = goal_create(
        actor=world.student, student=world.student, title="Read 4 novels", propose=True
    )
    goal_approve(actor=world.teacher, goal=goal)
    long_ago = timezone.now() - dt.timedelta(days=8)
    Goal.objects.filter(pk=goal.pk).update(created_at=long_ago, approved_at=long_ago)
    return goal


def test_the_checkin_nudge_links_to_the_students_goals(world, client, mailoutbox):
    _stale_goal(world)

    assert checkin_nudges_send() == 1

    (link,) = _links(mailoutbox[0].body)
    page = _opens(client, world.student, link, "my-goals")
    assert "Read 4 novels" in page


def test_the_advisor_summary_links_to_the_advisory_goals(world, client, mailoutbox):
    _stale_goal(world)

    assert advisor_summaries_send() == 1

    (link,) = _links(mailoutbox[0].body)
    page = _opens(client, world.teacher, link, "advisory-goals")
    assert "Read 4 novels" in page


def test_the_flag_digest_links_to_the_follow_up_queue(world, client, mailoutbox):
    make_flag(world.student, Rule.BEHIND_PACE, assigned_to=world.teacher)

    assert flag_digests_send() == 1

    (link,) = _links(mailoutbox[0].body)
    page = _opens(client, world.teacher, link, "followup-queue")
    assert "Sam Rivera" in page


def test_the_password_reset_link_is_on_the_site_address_not_the_requests_host(
    world, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("password_reset"), {"email": world.student.email}, HTTP_HOST="elsewhere.test"
        )

    (link,) = _links(mailoutbox[0].body)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == SITE
    match = resolve(parts.path)
    assert match.url_name == "password_reset_confirm"
    # Django swaps the token for a session marker and shows the new-password form.
    page = client.get(parts.path, follow=True)
    assert page.status_code == 200
    assert "new_password1" in page.content.decode()
