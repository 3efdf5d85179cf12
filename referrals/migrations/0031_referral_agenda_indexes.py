# Mijn werk's agenda: the coming week's intakes and starts (`dashboard._week`). Built
# without locking out the referrals' writes on PostgreSQL (see _postgres.py).

from django.db import migrations, models

from ._postgres import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0030_referral_region_nobody_state"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("state", "intake_planned")),
                fields=["intake_at"],
                name="referral_intakes",
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("state", "admitted")),
                fields=["probable_start_date"],
                name="referral_starts",
            ),
        ),
    ]
