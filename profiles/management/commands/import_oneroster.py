"""``manage.py import_oneroster PATH [--dry-run] [--yes] [--actor EMAIL]``: import a OneRoster
export, after printing what it would change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from profiles.models import RosterImport, User
from profiles.oneroster import problem_text, roster_import
from profiles.roster_changes import NOUNS


class Command(BaseCommand):
    help = (
        "Import a OneRoster 1.1 CSV export (a folder or a .zip). It prints what the export "
        "would change first. Importing the same export twice changes nothing; an export with "
        "any error writes nothing and exits non-zero; one that would deactivate more than "
        "LEARNHUB_ROSTER_CONFIRM_SHARE of a school's people is applied only with --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A folder holding the CSV files, or a .zip of them.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the export and print what would change, without writing anything.",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Apply even when the export deactivates more than the allowed share of a "
            "school's people (check the preview with --dry-run first).",
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
            source=path,
            source_name=path.name,
            actor=actor,
            dry_run=options["dry_run"],
            confirmed=options["yes"],
        )
        self._print_preview(result)
        if result.status == RosterImport.Status.REJECTED:
            count = len(result.errors)
            raise CommandError(
                f"{path.name} was not imported: {count} {'problem' if count == 1 else 'problems'}"
                ", nothing was written."
            )
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {path.name} would be imported: {result.summary_text}. "
                    "Nothing was written."
                )
            )
            return
        if result.status == RosterImport.Status.PREVIEWED:
            deactivation = result.summary["deactivation"]
            raise CommandError(
                f"{path.name} was not imported: it would {deactivation['phrase']}, more than "
                f"{round(100 * deactivation['share'])} % of a school's people (see above). "
                "If that is right, run the command again with --yes. Nothing was written."
            )
        self.stdout.write(self.style.SUCCESS(f"{path.name} imported: {result.summary_text}."))

    def _print_preview(self, result: RosterImport) -> None:
        summary = result.summary
        for entity, counts in summary.items():
            if isinstance(counts, dict) and "unchanged" in counts:
                line = ", ".join(f"{value} {key}" for key, value in counts.items())
                self.stdout.write(f"{entity}: {line}")
        for entity, actions in (summary.get("changes") or {}).items():
            singular, plural = NOUNS.get(entity, (entity, entity))
            for action, shown in actions.items():
                count = shown["count"]
                more = count - len(shown["examples"])
                examples = "; ".join(shown["examples"]) + (f"; and {more} more" if more else "")
                noun = singular if count == 1 else plural
                self.stdout.write(f"  {count} {noun} {action}: {examples}")
        for group in (summary.get("renames") or {}).values():
            for line in group:
                self.stdout.write(self.style.WARNING(f"renamed: {line}"))
        for school in (summary.get("deactivation") or {}).get("schools", []):
            self.stdout.write(
                self.style.WARNING(
                    f"deactivates {school['people']} of {school['of']} people "
                    f"({school['percent']} %) at {school['school']}"
                )
            )
        for warning in summary.get("warnings", []):
            self.stdout.write(self.style.WARNING(f"warning: {problem_text(warning)}"))
        for error in result.errors:
            self.stderr.write(f"error: {problem_text(error)}")
