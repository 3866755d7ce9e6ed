"""``manage.py import_case FILE [--school SCHOOL] [--dry-run] [--list-types]
[--target-types TYPE,…]``: import a CASE framework, choosing which item types are learning
targets as the admin's upload does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mastery.case_import import case_import, case_item_types
from profiles.models import School


class Command(BaseCommand):
    help = (
        "Import a 1EdTech CASE 1.0/1.1 JSON package (CFDocument, CFItems, CFAssociations) as a "
        "framework of competencies. Importing the same file twice changes nothing; a file with "
        "any error writes nothing and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CASE package, a .json file.")
        parser.add_argument(
            "--school",
            help="The school's id, sourcedId or exact name. Optional when there is one school.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the package and report what would change, without writing anything.",
        )
        parser.add_argument(
            "--list-types",
            action="store_true",
            help="List the package's item types (counts, codes, examples) and stop.",
        )
        parser.add_argument(
            "--target-types",
            help=(
                "Comma-separated CFItemTypes whose items become learning targets (the others "
                'stay readable, never scored); "" for items without a type. Without it every '
                "item with no children is a learning target."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        school = _school(options["school"])
        chosen = options["target_types"]
        if options["list_types"] or chosen is None:
            found = case_item_types(source=path, school=school, actor=None, source_name=path.name)
            if options["list_types"]:
                self._list(found)
                return
            if len({t.name for t in found.types}) > 1 and not found.errors:
                suggested = ",".join(t.name for t in found.types if t.suggested)
                self.stdout.write(
                    self.style.WARNING(
                        "warning: the package has several item types and every item with no "
                        "children becomes a learning target; see them with --list-types and "
                        f'choose with --target-types (items with codes: "{suggested}").'
                    )
                )
        result = case_import(
            source=path,
            school=school,
            actor=None,
            source_name=path.name,
            dry_run=options["dry_run"],
            target_types=None if chosen is None else [t.strip() for t in chosen.split(",")],
        )
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for error in result.errors:
            self.stderr.write(f"error: {error}")
        if result.errors:
            raise CommandError(f"{path.name} was not imported: {result.summary_text}")
        self.stdout.write(self.style.SUCCESS(f"{path.name} → {school.name}: {result.summary_text}"))

    def _list(self, found: Any) -> None:
        for error in found.errors:
            self.stderr.write(f"error: {error}")
        if found.errors:
            raise CommandError("The package cannot be imported.")
        self.stdout.write(f"{found.title}: item types")
        for t in found.types:
            mark = " (suggested: every item has a code)" if t.suggested else ""
            self.stdout.write(
                f'  "{t.name}": {t.count} items, {t.coded} with a code{mark}; '
                f"e.g. {' | '.join(t.examples)}"
            )


def _school(value: str | None) -> School:
    if not value:
        schools = list(School.objects.all()[:2])
        if len(schools) == 1:
            return schools[0]
        if not schools:
            raise CommandError("There is no school yet: import a roster or create one first.")
        raise CommandError("There are several schools: name one with --school.")
    if value.isdigit():
        by_id = School.objects.filter(pk=int(value)).first()
        if by_id is not None:
            return by_id
    by_sourced_id = School.objects.filter(sourced_id=value).first()
    if by_sourced_id is not None:
        return by_sourced_id
    found = list(School.objects.filter(name=value)[:2])
    if not found:
        raise CommandError(f'No school has the id, sourcedId or name "{value}".')
    if len(found) > 1:
        raise CommandError(f'Several schools are named "{value}": use the school\'s id.')
    return found[0]
