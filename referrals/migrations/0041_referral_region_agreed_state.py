# What a region's counsellors see of it, by state (`agreed_on` known: the visibility's agreed
# condition), for their team's Mijn werk counts (`ranking._counts`): counted from the region's
# work index, each of the biggest region's 33,000 rows had its `agreed_on` read, 14.5-15.7 ms;
# from this index, whose equal entries keep their key once per page (B-tree deduplication),
# 5.8-8.0 ms.
#
# Built concurrently on PostgreSQL (`atomic = False`), as 0039 and 0040: if it stops halfway,
# drop the index if it exists (left invalid), then migrate again.

from django.db import migrations, models

from ._postgres import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0040_referral_overdue_dates"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["region", "state"],
                condition=models.Q(agreed_on__isnull=False),
                name="referral_region_agreed_state",
            ),
        ),
    ]
