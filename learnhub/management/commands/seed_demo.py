"""``manage.py seed_demo``: the demo school the README's run command starts with.

A project-level command because it spans apps: each app seeds its own demo rows, in dependency
order (profiles, then mastery, then goals, then conferences), and each step on its own does
nothing when its rows exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from conferences.demo import demo_conferences_seed, format_conferences_created
from followups.demo import demo_followups_seed, format_followups_created
from goals.demo import demo_goals_seed, format_goals_created
from mastery.demo import demo_mastery_seed, format_mastery_created
from profiles.demo import (
    demo_school_seed,
    format_demo_created,
    format_demo_logins,
    format_demo_unavailable,
)


class Command(BaseCommand):
    help = (
        "Create the demo school (Maple Grove Learning Community) with its staff, students, "
        "families and learner profiles, then its frameworks, pacing plans and a term of "
        "evidence, then its goals with their check-ins and comments, then a past and an upcoming "
        "window of student-led conferences, then a term of attendance and a scan whose "
        "flags teachers have started to follow up, then print the demo "
        "logins. Steps whose data already exists write nothing; on a fully seeded database only "
        "the logins are printed. Where the database already holds people or classes the demo "
        "would create (a roster import), or the demo school has been changed, it says so, "
        "seeds only what is safe and still exits 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Build the terms of the school year containing this date, and evidence and "
            "goals up to it (YYYY-MM-DD); default: today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: date | None = options["today"]
        school = demo_school_seed(today=today)
        if school.created:
            self.stdout.write(format_demo_created(school))
        if school.intact:
            # The later steps build on the demo's people: only on an unchanged demo school.
            mastery = demo_mastery_seed(today=today)
            if mastery.created:
                self.stdout.write(format_mastery_created(mastery))
            goals = demo_goals_seed(today=today)
            if goals.created:
                self.stdout.write(format_goals_created(goals))
            conferences = demo_conferences_seed(today=today)
            if conferences.created:
                self.stdout.write(format_conferences_created(conferences))
            followups = demo_followups_seed(today=today)
            if followups.created:
                self.stdout.write(format_followups_created(followups))
        else:
            self.stdout.write(self.style.WARNING(format_demo_unavailable(school)))
        if school.logins:
            self.stdout.write(format_demo_logins(school.logins, settings.LEARNHUB_DEMO_PASSWORD))
        else:
            self.stdout.write(
                "No demo logins work on this database: sign in with an account of your own "
                "(manage.py createsuperuser makes an operator's account)."
            )
