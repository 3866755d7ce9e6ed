"""``manage.py seed_demo``: the demo school the README's run command starts with. It spans
apps: each seeds its own demo rows, in dependency order, and does nothing when they exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from conferences.demo import demo_conferences_seed
from followups.demo import demo_followups_seed
from goals.demo import demo_goals_seed
from mastery.demo import demo_mastery_seed
from profiles.demo import (
    demo_school_seed,
    format_demo_created,
    format_demo_logins,
    format_demo_unavailable,
)

# After the school, in dependency order: each returns a DemoStep, its line when it added rows.
STEPS = (demo_mastery_seed, demo_goals_seed, demo_conferences_seed, demo_followups_seed)


class Command(BaseCommand):
    help = (
        "Create the demo school (Maple Grove Learning Community): its people and learner "
        "profiles, frameworks and a term of evidence, goals, conferences and follow-ups, then "
        "print the demo logins. Steps whose data exists write nothing. Where the database holds "
        "people or classes the demo would create, or the demo school has changed, it says so, "
        "seeds only what is safe and still exits 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Build the school year containing this date, and its data up to it "
            "(YYYY-MM-DD); default: today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: date | None = options["today"]
        school = demo_school_seed(today=today)
        if school.created:
            self.stdout.write(format_demo_created(school))
        if not school.intact:  # the later steps build on the demo's people, unchanged
            self.stdout.write(self.style.WARNING(format_demo_unavailable(school)))
        for seed in STEPS if school.intact else ():
            if (step := seed(today=today)).created:
                self.stdout.write(step.described())
        self.stdout.write(format_demo_logins(school.logins, settings.LEARNHUB_DEMO_PASSWORD))
