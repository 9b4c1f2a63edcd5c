"""Editors may moderate readers' suggestions (see, change and delete them; readers add them),
as they keep the rest of the directory."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"


def moderate_suggestions(apps, schema_editor):
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
            content_type__app_label="organisations",
            codename__in=[f"{action}_suggestion" for action in ("view", "change", "delete")],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0022_suggestions")]

    operations = [migrations.RunPython(moderate_suggestions, migrations.RunPython.noop)]
