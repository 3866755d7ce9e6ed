"""``manage.py seed_scale``: a district for the scan at scale (bench/district.py)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.district import district_seed


class Command(BaseCommand):
    help = (
        "Build a district of schools (2,000 students each) with terms, sections, pacing plans, "
        "about 200 evidence rows per student, goals, check-ins and attendance, and each "
        "student's hidden trajectory in the table scale_trajectory. Use an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        students = options["students"]
        if not 1 <= students <= 500_000:
            raise CommandError("--students must be between 1 and 500,000.")
        started = time.perf_counter()
        self.stdout.write(f"Seeding a district of {students:,} students (seed {options['seed']})…")
        try:
            district = district_seed(
                students=students,
                seed=options["seed"],
                today=options["today"],
                progress=self.stdout.write,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        timings = ", ".join(f"{k} {v:.1f}" for k, v in district.timings.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(district.schools)} schools, {district.students:,} students, "
                f"{district.evidence:,} evidence rows in {time.perf_counter() - started:.0f} s "
                f"({timings})."
            )
        )
