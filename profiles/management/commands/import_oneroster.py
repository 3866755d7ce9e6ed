"""``manage.py import_oneroster PATH [--dry-run] [--actor EMAIL]``: import a OneRoster export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles.models import RosterImport, User
from profiles.oneroster import roster_import


class Command(BaseCommand):
    help = (
        "Import a OneRoster 1.1 CSV export (a folder or a .zip). Importing the same export "
        "twice changes nothing; an export with any error writes nothing and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A folder holding the CSV files, or a .zip of them.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the export and report what would change, without writing anything.",
        )
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="Import as this person (recorded in history; a school admin may only import "
            "their own schools). Default: the operator, who may import anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No account has the email {options['actor']}.")
        result = roster_import(
            source=path, source_name=path.name, actor=actor, dry_run=options["dry_run"]
        )
        prefix = "Dry run: " if options["dry_run"] else ""
        for entity, counts in result.summary.items():
            if isinstance(counts, dict) and "created" in counts:
                line = ", ".join(f"{value} {key}" for key, value in counts.items())
                self.stdout.write(f"{entity}: {line}")
        for warning in result.summary.get("warnings", []):
            self.stdout.write(self.style.WARNING(f"warning: {_where(warning)}{warning['reason']}"))
        for error in result.errors:
            self.stderr.write(f"error: {_where(error)}{error['reason']}")
        if result.status == RosterImport.Status.REJECTED:
            raise CommandError(
                f"{prefix}{path.name} was not imported: {len(result.errors)} problem(s), "
                "nothing was written."
            )
        verb = "would be imported" if options["dry_run"] else "imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix}{path.name} {verb}: {result.summary_text}."))


def _where(problem: dict[str, Any]) -> str:
    place = problem.get("file") or ""
    if problem.get("line"):
        place += f" line {problem['line']}"
    if problem.get("field"):
        place += f" ({problem['field']})"
    return f"{place}: " if place else ""
