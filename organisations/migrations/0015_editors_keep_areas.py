"""Editors may keep the areas and the areas organisations serve (and see their history), as
they keep the rest of the directory."""

from django.db import migrations

from ._editors import codenames, grant


def keep_areas(apps, schema_editor):
    models = ("area", "areaserved")
    grant(apps, schema_editor, codename__in=[*codenames(models), "view_historicalareaserved"])


class Migration(migrations.Migration):
    dependencies = [("organisations", "0014_areas")]

    operations = [migrations.RunPython(keep_areas, migrations.RunPython.noop)]
