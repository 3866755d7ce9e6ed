"""Every existing school without a default proficiency scale gets the usual 4-level one, as new
schools do when they are created (a page no longer creates it on first read)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_LEVELS = (
    (Decimal("4"), "Exceeds", "#1b5e20", False),
    (Decimal("3"), "Meets", "#2e7d32", True),
    (Decimal("2"), "Approaching", "#f9a825", False),
    (Decimal("1"), "Beginning", "#e65100", False),
)


def create(apps, schema_editor):
    School = apps.get_model("profiles", "School")
    Scale = apps.get_model("mastery", "ProficiencyScale")
    Level = apps.get_model("mastery", "ProficiencyLevel")
    have = set(Scale.objects.filter(is_default=True).values_list("school_id", flat=True))
    for school in School.objects.exclude(pk__in=have):
        scale, created = Scale.objects.get_or_create(
            school=school, name="4-point scale", defaults={"is_default": True}
        )
        if created:
            Level.objects.bulk_create(
                Level(scale=scale, points=p, label=label, colour=colour, is_mastery=m)
                for p, label, colour, m in DEFAULT_LEVELS
            )


class Migration(migrations.Migration):
    dependencies = [
        ("mastery", "0001_initial"),
        ("profiles", "0002_school_time_zone"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
