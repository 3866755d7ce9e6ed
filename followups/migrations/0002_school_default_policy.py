"""Every existing school gets a risk policy with the usual thresholds, as new schools do when
they are created (no page creates it on first read)."""

from django.db import migrations


def create(apps, schema_editor):
    School = apps.get_model("profiles", "School")
    RiskPolicy = apps.get_model("followups", "RiskPolicy")
    have = set(RiskPolicy.objects.values_list("school_id", flat=True))
    RiskPolicy.objects.bulk_create(
        [RiskPolicy(school_id=pk) for pk in School.objects.exclude(pk__in=have).values_list("pk", flat=True)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
