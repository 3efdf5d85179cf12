"""The administrator may look at and change how often a user gets e-mail (the daily digest,
issue 12 item 5), as with the switched-off e-mails."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINISTRATOR = "Administrator"
PERMISSIONS = [
    "view_emailpreference",
    "add_emailpreference",
    "change_emailpreference",
    "delete_emailpreference",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notifications", codename__in=PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ADMINISTRATOR):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="notifications", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_email_digest"),
        ("referrals", "0002_roles_and_entry_conditions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
