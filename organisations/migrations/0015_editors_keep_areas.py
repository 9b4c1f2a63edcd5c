"""Editors may keep the areas and the areas organisations serve (and see their history), as
they keep the rest of the directory."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"


def keep_areas(apps, schema_editor):
    # Permissions are normally created after all migrations run; make sure they exist now.
    app_config = apps.get_app_config("organisations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [
        f"{action}_{model}"
        for model in ("area", "areaserved")
        for action in ("view", "add", "change", "delete")
    ]
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="organisations",
            codename__in=[*codenames, "view_historicalareaserved"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0014_areas")]

    operations = [migrations.RunPython(keep_areas, migrations.RunPython.noop)]
