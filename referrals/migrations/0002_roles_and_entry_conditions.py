"""Create the role groups with their permissions, and the entry-conditions checklist.

Lives in `referrals` because the roles carry permissions of both apps."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here, as a migration must be: later changes to the roles get a migration of their own.
# Caseworkers and counsellors act through the app, which checks `act_as_*`; they get no model
# permissions, so that giving one of them staff status does not open the admin's data.
ADMINISTERED_MODELS = {
    "accounts": ["user", "organisation"],
    "referrals": [
        "client",
        "temporaryworkexperience",
        "training",
        "entrycondition",
        "referral",
        "guidancenote",
        "outcomecheck",
    ],
}
ROLE_PERMISSIONS = {
    "OCMW caseworker": ["accounts.act_as_caseworker"],
    "VDAB counsellor": ["accounts.act_as_counsellor"],
    "Network manager": ["accounts.view_province_reports"],
    "Administrator": [
        "accounts.administer_referrals",
        "accounts.view_province_reports",
        "referrals.view_referralevent",
        *[
            f"{app}.{action}_{model}"
            for app, models in ADMINISTERED_MODELS.items()
            for model in models
            for action in ("view", "add", "change", "delete")
            # a referral keeps its history: it is withdrawn or closed, never deleted
            if (action, model) != ("delete", "referral")
        ],
    ],
}

ENTRY_CONDITIONS = [
    ("Ingeschreven bij VDAB als werkzoekende (of wordt na het akkoord ingeschreven)", ""),
    ("Voltijdse, Nederlandstalige, door VDAB erkende opleiding", ""),
    ("Minstens 1 jaar uit het onderwijs", "7BSO,SENSE,TKO,PBA"),
    ("Minstens 2 jaar uit het onderwijs", "HBO"),
    (
        "Diploma secundair onderwijs in het studiegebied of geslaagd voor de toelatingsproef "
        "van de school",
        "SENSE",
    ),
    ("Geen diploma hoger onderwijs, of een positief VDAB-assessment", ""),
    ("Niet in het voorbije jaar al een erkende knelpuntopleiding gevolgd", ""),
]


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def create_entry_conditions(apps, schema_editor):
    EntryCondition = apps.get_model("referrals", "EntryCondition")
    for order, (text, types) in enumerate(ENTRY_CONDITIONS, start=1):
        EntryCondition.objects.get_or_create(
            text=text, defaults={"okot_types": types, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("referrals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_entry_conditions, migrations.RunPython.noop),
    ]
