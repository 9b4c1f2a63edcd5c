"""Editors may moderate readers' suggestions (see, change and delete them; readers add them),
as they keep the rest of the directory."""

from django.db import migrations

from ._editors import codenames, grant


def moderate_suggestions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        codename__in=codenames(["suggestion"], actions=("view", "change", "delete")),
    )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0022_suggestions")]

    operations = [migrations.RunPython(moderate_suggestions, migrations.RunPython.noop)]
