"""``manage.py seed_demo``: the demo school the README's run command starts with."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from profiles.demo import demo_school_seed, format_demo_logins


class Command(BaseCommand):
    help = (
        "Create the demo school (Maple Grove Learning Community) with its staff, students, "
        "families and learner profiles, then print the demo logins. When the demo school "
        "already exists nothing is written and only the logins are printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Build the terms of the school year containing this date (YYYY-MM-DD); "
            "default: today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo_school_seed(today=options["today"])
        if summary.created:
            counts = summary.counts
            self.stdout.write(
                f"Created the demo school: {counts['teachers']} teachers, "
                f"{counts['students']} students, {counts['guardians']} parents and guardians, "
                f"{counts['sections']} sections, {counts['terms']} terms."
            )
        self.stdout.write(format_demo_logins(summary.logins, settings.LEARNHUB_DEMO_PASSWORD))
