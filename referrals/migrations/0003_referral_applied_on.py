from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate


def backfill_applied_on(apps, schema_editor):
    """The candidacy date of existing referrals is the day of their `apply` history line."""
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    applied = ReferralEvent.objects.filter(referral=OuterRef("pk"), transition="apply")
    Referral.objects.filter(applied_on__isnull=True).update(
        applied_on=Subquery(applied.annotate(day=TruncDate("at")).values("day")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_roles_and_entry_conditions"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="applied_on",
            field=models.DateField(blank=True, null=True, verbose_name="candidacy date"),
        ),
        migrations.RunPython(backfill_applied_on, migrations.RunPython.noop),
    ]
