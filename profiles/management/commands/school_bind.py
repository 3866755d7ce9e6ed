"""``manage.py school_bind SCHOOL SOURCEDID [--create]``: bind a school to its OneRoster
sourcedId (the operator's step of onboarding a school; see docs/decisions/0006)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from profiles.models import School
from profiles.services import school_create, school_sourced_id_bind


class Command(BaseCommand):
    help = (
        "Bind a school (its exact name or its id) to the sourcedId its OneRoster exports give "
        "it, so its school admins can import them. With --create, add the school when no school "
        "has that name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("school", help="The school's name (exactly) or its id.")
        parser.add_argument("sourced_id", help="The org sourcedId of the school in orgs.csv.")
        parser.add_argument(
            "--create", action="store_true", help="Add the school if no school has this name."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wanted, sid = options["school"], options["sourced_id"]
        schools = School.objects.filter(name=wanted)
        if wanted.isdigit():
            schools = School.objects.filter(pk=int(wanted)) | schools
        found = list(schools[:2])
        try:
            if len(found) > 1:
                raise CommandError(f'Several schools are called "{wanted}": give its id.')
            if not found:
                if not options["create"]:
                    raise CommandError(
                        f'No school is called "{wanted}" (or has that id); add --create to add it.'
                    )
                school = school_create(actor=None, name=wanted, sourced_id=sid)
                self.stdout.write(self.style.SUCCESS(f"Added {school.name} with sourcedId {sid}."))
                return
            school = school_sourced_id_bind(actor=None, school=found[0], sourced_id=sid)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{school.name} now has the sourcedId {sid}."))
