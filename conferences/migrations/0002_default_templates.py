"""Every existing school gets the default conference template (new schools get it from
``profiles.services.school_setup``); the text lives in conferences/data/default_template.json."""

from django.db import migrations


def create_default_templates(apps, schema_editor):
    from conferences.defaults import default_template_write

    School = apps.get_model("profiles", "School")
    Template = apps.get_model("conferences", "ConferenceTemplate")
    Section = apps.get_model("conferences", "TemplateSection")
    for school_id in School.objects.values_list("pk", flat=True):
        default_template_write(Template, Section, school_id)


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]

    operations = [migrations.RunPython(create_default_templates, migrations.RunPython.noop)]
