"""``manage.py followups_attendance_import --school S FILE``: the information system's
attendance export (student sourcedId or email, date, status), every row or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from followups.attendance import MAX_BYTES, attendance_import
from profiles.models import School


class Command(BaseCommand):
    help = "Import attendance from a CSV export: all rows or none, with a per-row report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--school", required=True, help="the school's id, sourcedId or exact name"
        )
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["school"])
        match = Q(sourced_id=key) | Q(name=key)
        if key.isdigit():
            match |= Q(pk=int(key))
        schools = list(School.objects.filter(match)[:2])
        if len(schools) != 1:
            raise CommandError(f"No single school is {key!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        content = path.read_bytes().decode("utf-8-sig", errors="replace")
        result, _record = attendance_import(
            actor=None,
            school=schools[0],
            content=content,
            file_name=path.name,
            dry_run=options["dry_run"],
        )
        for problem in result.problems[:50]:
            self.stderr.write(f"row {problem['row']}: {problem['problem']}")
        if not result.ok:
            raise CommandError(f"{len(result.problems)} problem(s): nothing was imported.")
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{path.name}: {verb} {result.rows} rows: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
