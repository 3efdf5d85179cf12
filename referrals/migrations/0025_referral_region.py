"""Referral.region: the training's VDAB region stored on the referral, filled from the
trainings before its indexes are made."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Training = apps.get_model("referrals", "Training")
    Referral.objects.update(
        region=Subquery(Training.objects.filter(pk=OuterRef("training_id")).values("province")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_administrator_unlocks_logins'),
        ('referrals', '0024_referral_ocmw_required'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='region',
            field=models.CharField(choices=[('antwerpen', 'Antwerpen'), ('limburg', 'Limburg'), ('oost_vlaanderen', 'Oost-Vlaanderen'), ('vlaams_brabant', 'Vlaams-Brabant'), ('west_vlaanderen', 'West-Vlaanderen'), ('brussel', 'Brussel')], default='', editable=False, max_length=20, verbose_name='VDAB region'),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(fields=['region', '-state_changed_at', '-id'], name='referral_region_list_order'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(fields=['region', 'state'], name='referral_region_state'),
        ),
    ]
