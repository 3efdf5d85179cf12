"""The functional administrator registers the webhook subscriptions (and rotates their
secrets), and reads the deliveries in admin, sending failed ones again (the Retry action
asks for change_delivery; the rows themselves stay read-only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINISTRATOR = "Administrator"
PERMISSIONS = [
    "view_subscription",
    "add_subscription",
    "change_subscription",
    "delete_subscription",
    "view_delivery",
    "change_delivery",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("webhooks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ADMINISTRATOR):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="webhooks", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("referrals", "0002_roles_and_entry_conditions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
