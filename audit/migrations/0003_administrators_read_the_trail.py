"""The Administrator role reads the audit trail and its purges (never changes them; nobody
may), and the admin searches it by user name."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ADMINISTRATOR = "Administrator"
PERMISSIONS = ["view_entry", "view_purge"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("audit")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ADMINISTRATOR):
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="audit", codename__in=PERMISSIONS)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ADMINISTRATOR):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="audit", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_administrator_unlocks_logins"),
        ("audit", "0002_append_only_trigger"),
        ("referrals", "0002_roles_and_entry_conditions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(fields=["actor_name", "at"], name="audit_entry_actor_n_d5a4bb_idx"),
        ),
        migrations.RunPython(grant, revoke),
    ]
