"""What the migrations that give the "Editors" group its permissions share. (The migration
loader skips modules whose names start with an underscore.)"""

from django.contrib.auth.management import create_permissions

GROUP = "Editors"


def grant(apps, schema_editor, **permissions):
    """Give the Editors group this app's permissions that match `permissions` (lookups on
    Permission), creating the group if need be, in the database being migrated (a replica's
    too: never the default's)."""
    alias = schema_editor.connection.alias
    # Permissions are normally created after all migrations run; make sure they exist now.
    # (The migration state's app config is a stub that needs `models_module` set to be used.)
    app_config = apps.get_app_config("organisations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.using(alias).filter(
            content_type__app_label="organisations", **permissions
        )
    )


def codenames(models, actions=("view", "add", "change", "delete")):
    """The codenames of `actions` on `models` (model names: "area")."""
    return [f"{action}_{model}" for model in models for action in actions]
