# The referral list narrowed to a period of a date is sorted by that date, latest first
# (`ReferralFilterForm.columns`), so that the period is a range of the date's index read in
# its order, however far back it lies: the candidacy, the agreement and the intake get an
# index (the start and end dates had theirs, the reports'), and each date one after the
# state, the OCMW and the region, as the lists' other orders have. At a million referrals
# the administrator's list of the agreements since 2000 read every row and sorted them
# (1.4-1.6 s; a month two years ago 230 ms), as did an OCMW's and a region's. With the
# dates' indexes alone, a list of the agreed referrals narrowed to ends since 2000 walked
# all 900,000 ends for none (1.3 s), and a caseworker's "mine" by ends from 2024 walked
# Flanders' ends for their OCMW's few (450 ms; 11 with the OCMW's index).
#
# Built concurrently on PostgreSQL (`atomic = False`), so the steps go on meanwhile. If it
# stops halfway, the indexes built so far are valid but not recorded, so that running it
# again stops at the first of them: drop every index of this migration that exists (the
# one left invalid too, docs/operations.md), then migrate again.

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
                index=models.Index(fields=[first, field], name=f"referral_{first}_{field}"),
            )
            for first in ("state", "ocmw", "region")
            for field in DATES
        ),
    ]
