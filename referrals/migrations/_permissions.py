"""A data step the migrations share (the loader skips modules starting with `_`)."""

from django.contrib.auth.management import create_permissions


def grant_to_administrators(apps, codenames: list[str]) -> None:
    """Give the Administrator role these permissions of `referrals`, creating them first:
    they are otherwise made only after the whole migrate run (post_migrate)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(content_type__app_label="referrals", codename__in=codenames)
    )
    assert len(permissions) == len(codenames), codenames  # noqa: S101 (a typo fails migrate)
    for group in Group.objects.filter(name="Administrator"):
        group.permissions.add(*permissions)
