"""The "Editors" group: exactly the permissions needed to edit the directory.

Editors may view, add, change and delete every model of this app, and nothing else: no users,
no groups, no permissions.
"""

from django.db import migrations

from ._editors import GROUP, grant


def create_editors_group(apps, schema_editor):
    grant(apps, schema_editor)


def delete_editors_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
