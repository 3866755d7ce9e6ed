"""``manage.py mastery_rebuild [--framework ID ...]``: recompute mastery records from evidence."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mastery.models import Framework
from mastery.services import mastery_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the mastery records of every framework (or of the given ones) from their "
        "accepted evidence, 2,000 records per transaction, as a framework edit does. Run once "
        "after migrating to mastery 0003: records written before it have no previous score or "
        "falling run, and the follow-up scan rolls up those students' evidence until they do."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", type=int, action="append", help="A framework id.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["framework"] or list(
            Framework.objects.order_by("pk").values_list("pk", flat=True)
        )
        found = set(Framework.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            raise CommandError(f"No framework with id {', '.join(map(str, missing))}.")
        for framework_id in ids:
            changed = mastery_rebuild(framework_id=framework_id)
            self.stdout.write(f"framework {framework_id}: {changed} records changed")
