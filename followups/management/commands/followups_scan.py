"""``manage.py followups_scan [--school S] [--as-of DATE | --from DATE --to DATE]``: run the
follow-ups scan now, in this process (the nightly Celery task runs the same scan)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from followups.models import ScanRun
from followups.scan import school_scan
from profiles.models import School

MAX_REPLAY_DAYS = 400


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option} takes a date like 2026-11-02; “{value}” is not one."
        ) from None


class Command(BaseCommand):
    help = (
        "Scan every active school (or one) for students falling behind, as of today where each "
        "school is, or as of a date; --from and --to replay every day of a period in order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", help="One school: its id or its exact name.")
        parser.add_argument("--as-of", dest="as_of", help="Scan as of this date (YYYY-MM-DD).")
        parser.add_argument("--from", dest="date_from", help="Replay from this date …")
        parser.add_argument("--to", dest="date_to", help="… to this date, day by day.")

    def _schools(self, wanted: str | None) -> list[School]:
        if wanted is None:
            return list(School.objects.filter(is_active=True).order_by("name", "pk"))
        schools = School.objects.filter(name=wanted)
        if wanted.isdigit():
            schools = School.objects.filter(pk=int(wanted)) | schools
        found = list(schools.order_by("pk")[:2])
        if len(found) > 1:
            raise CommandError(f"Several schools are called “{wanted}”: give its id.")
        if not found:
            raise CommandError(f"No school is called “{wanted}” or has that id.")
        return found

    def _days(self, options: dict[str, Any]) -> list[dt.date | None]:
        as_of = _date(options["as_of"], "--as-of")
        start = _date(options["date_from"], "--from")
        end = _date(options["date_to"], "--to")
        if (start is None) != (end is None):
            raise CommandError("Give both --from and --to to replay a period.")
        if start is None or end is None:
            return [as_of]
        if as_of is not None:
            raise CommandError("Give either --as-of or --from and --to, not both.")
        if end < start:
            raise CommandError(f"--to ({end}) is before --from ({start}).")
        days = (end - start).days + 1
        if days > MAX_REPLAY_DAYS:
            raise CommandError(f"Replay at most {MAX_REPLAY_DAYS} days at once; that is {days}.")
        return [start + dt.timedelta(days=i) for i in range(days)]

    def handle(self, *args: Any, **options: Any) -> None:
        days = self._days(options)
        schools = self._schools(options["school"])
        totals = {"students": 0, "opened": 0, "cleared": 0, "errors": 0}
        started = time.monotonic()
        for day in days:
            for school in schools:
                run = school_scan(school=school, as_of=day, trigger=ScanRun.Trigger.COMMAND)
                totals["students"] += run.students_scanned
                totals["opened"] += run.flags_opened
                totals["cleared"] += run.flags_cleared
                totals["errors"] += run.errors
                self.stdout.write(
                    f"{school.name} as of {run.as_of:%Y-%m-%d}: {run.students_scanned} students, "
                    f"{run.flags_opened} flags opened, {run.flags_kept} kept, "
                    f"{run.flags_cleared} cleared, {run.errors} errors "
                    f"in {run.duration_s or 0:.2f} s"
                )
        scans = len(days) * len(schools)
        summary = (
            f"{scans} scan{'s' if scans != 1 else ''} of {len(schools)} "
            f"school{'s' if len(schools) != 1 else ''}: {totals['opened']} flags opened, "
            f"{totals['cleared']} cleared, {totals['errors']} errors, "
            f"in {time.monotonic() - started:.1f} s."
        )
        style = self.style.WARNING if totals["errors"] else self.style.SUCCESS
        self.stdout.write(style(summary))
