"""Every existing school gets the usual four goal categories, as new schools do when they are
created (a page no longer creates them on first read)."""

from django.db import migrations

DEFAULT_CATEGORIES = ("Literacy", "Numeracy", "Social-emotional", "Personal")


def create(apps, schema_editor):
    School = apps.get_model("profiles", "School")
    GoalCategory = apps.get_model("goals", "GoalCategory")
    have = set(GoalCategory.objects.values_list("school_id", flat=True))
    GoalCategory.objects.bulk_create(
        [
            GoalCategory(school_id=school_id, name=name, order=i)
            for school_id in School.objects.exclude(pk__in=have).values_list("pk", flat=True)
            for i, name in enumerate(DEFAULT_CATEGORIES)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_initial"),
        ("profiles", "0002_school_time_zone"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
