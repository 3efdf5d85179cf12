# Each referral's outcome check-ups recorded, a bit each (`Referral.checkups_recorded`,
# `followup.checkup_bit`), so that Mijn werk tells the check-ups due from an index of the
# referrals (migration 0038) rather than by asking the check-ups of each referral. Added
# with a default in the database as well, so that the release before it, which does not
# know the column, still adds referrals; PostgreSQL adds it without rewriting the table.
# Migration 0037 marks the check-ups recorded so far.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0035_referral_region_work"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="checkups_recorded",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, editable=False, verbose_name="check-ups recorded"
            ),
        ),
    ]
