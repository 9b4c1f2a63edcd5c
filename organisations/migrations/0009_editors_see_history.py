"""Editors may see the directory's history (the historical models), not change it: the history
is changed only by changing the directory."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"


def see_history(apps, schema_editor):
    # Permissions are normally created after all migrations run; make sure they exist now.
    app_config = apps.get_app_config("organisations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="organisations", codename__startswith="view_historical"
        )
    )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0008_history")]

    operations = [migrations.RunPython(see_history, migrations.RunPython.noop)]
