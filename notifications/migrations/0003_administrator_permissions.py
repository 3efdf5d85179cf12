"""The administrator reads the outbox in admin and may send failed e-mails again (the Retry
action asks for change_notification; the rows themselves stay read-only), and may look at
and undo a user's switched-off e-mails."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINISTRATOR = "Administrator"
PERMISSIONS = [
    "view_notification",
    "change_notification",
    "view_emailoptout",
    "add_emailoptout",
    "change_emailoptout",
    "delete_emailoptout",
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
        ("notifications", "0002_delivery_claims"),
        ("referrals", "0002_roles_and_entry_conditions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
