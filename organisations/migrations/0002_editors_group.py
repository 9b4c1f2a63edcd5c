"""The "Editors" group: exactly the permissions needed to edit the directory.

Editors may view, add, change and delete every model of this app, and nothing else: no users,
no groups, no permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations run; make sure they exist now.
    # (The migration state's app config is a stub that needs `models_module` set to be used.)
    app_config = apps.get_app_config("organisations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="organisations"))


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
