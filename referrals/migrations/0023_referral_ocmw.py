"""Referral.ocmw: the client's OCMW stored on the referral, filled from the clients.

Nullable here and made required in 0024: on PostgreSQL the column's NOT NULL cannot be set
in the transaction that updated every row (pending deferred foreign-key triggers)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Client = apps.get_model("referrals", "Client")
    Referral.objects.update(
        ocmw_id=Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("ocmw_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("referrals", "0022_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="ocmw",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="OCMW",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
