# The list of overdue referrals narrowed to years of starts or ends: overdue is an OR of
# states that PostgreSQL expects to hold those dates as often as any other, where few of
# them or none do (a referral has no end before its training ends), so that it walked every
# start or end of Flanders looking for one (at a million referrals the administrator's
# overdue since 2000 by end 0.9-1.1 s, by start 0.8 s; a region's 200 ms). These indexes
# hold the dates of the states a referral can be overdue in alone, 1 MB each: 1.4 and 34 ms.
#
# Built concurrently on PostgreSQL (`atomic = False`), as 0039: if it stops halfway, drop
# every index of this migration that exists (the one left invalid too), then migrate again.

from django.db import migrations, models

from ._postgres import AddIndexConcurrently

# The states a referral can be overdue in (`querysets.OVERDUE_STATES_ALL`), as they were.
OVERDUE_STATES = ("candidate", "agreed", "admitted", "intake_planned", "in_training")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0039_referral_period_dates"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=[field],
                condition=models.Q(state__in=OVERDUE_STATES),
                name=f"referral_overdue_{field}",
            ),
        )
        for field in ("start_date", "end_date")
    ]
