"""Editors may see the directory's history (the historical models), not change it: the history
is changed only by changing the directory."""

from django.db import migrations

from ._editors import grant


def see_history(apps, schema_editor):
    grant(apps, schema_editor, codename__startswith="view_historical")


class Migration(migrations.Migration):
    dependencies = [("organisations", "0008_history")]

    operations = [migrations.RunPython(see_history, migrations.RunPython.noop)]
