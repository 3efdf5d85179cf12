# The referral list narrowed to a period of a date is sorted by that date, latest first
# (`ReferralFilterForm.columns`), so that the period is a range of the date's index read in
# its order, however far back it lies: the candidacy, the agreement and the intake get an
# index (the start and end dates had theirs, the reports'), and each date one with the
# state before it, so that a list of one state is a range too. At a million referrals the
# administrator's list of the agreements since 2000 read every row and sorted them
# (1.4-1.6 s; a month two years ago 230 ms), as did an OCMW's and a region's; with the
# dates' indexes alone, a list of the agreed referrals narrowed to ends since 2000 walked
# all 900,000 ends for none (1.3 s).
#
# Built concurrently on PostgreSQL (`atomic = False`), so the steps go on meanwhile; if it
# stops halfway, see docs/operations.md on an index left invalid.

from django.db import migrations, models

from ._postgres import AddIndexConcurrently

DATES = ("applied_on", "agreed_on", "intake_at", "start_date", "end_date")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0038_referral_region_due_checkups"),
    ]

    operations = [
        *(
            AddIndexConcurrently(
                model_name="referral",
                index=models.Index(fields=[field], name=f"referral_{field}"),
            )
            for field in DATES[:3]
        ),
        *(
            AddIndexConcurrently(
                model_name="referral",
                index=models.Index(fields=["state", field], name=f"referral_state_{field}"),
            )
            for field in DATES
        ),
    ]
