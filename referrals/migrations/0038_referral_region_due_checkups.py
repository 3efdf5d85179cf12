# Migration 0035's index of a VDAB region's positive ends, again with each referral's
# check-ups recorded (`checkups_recorded`, migrations 0036 and 0037) among its columns: the team's
# Mijn werk then tells the check-ups due from the index alone (`work.outflow_due`), where
# it asked the check-ups of each of the region's 6,500 ends of the year. Built before the
# old one is dropped, both without locking out the referrals' reads and writes; PostgreSQL
# only (see _postgres.py). Written by hand: the states, end results and columns as they
# are today; tests/referrals/test_migration_expressions.py holds the team's queries to them.

from django.db import migrations, models

from ._postgres import AddIndexConcurrentlyOnPostgres, RemoveIndexConcurrentlyOnPostgres

POSITIVE_END_RESULTS = ["passed", "stopped_employment"]
COLUMNS = ["id", "agreed_on", "continued_by", "end_result", "state", "state_changed_at"]
REGION_DUE_CHECKUPS = models.Index(
    fields=["region", "end_date"],
    include=[*COLUMNS, "checkups_recorded"],
    condition=models.Q(state="closed", end_result__in=POSITIVE_END_RESULTS),
    name="referral_region_due_checkups",
)
# Migration 0035's.
REGION_DUE_ENDS = models.Index(
    fields=["region", "end_date"],
    include=COLUMNS,
    condition=models.Q(state="closed", end_result__in=POSITIVE_END_RESULTS),
    name="referral_region_due_ends",
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0037_mark_checkups_recorded"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(model_name="referral", index=REGION_DUE_CHECKUPS),
        RemoveIndexConcurrentlyOnPostgres(model_name="referral", index=REGION_DUE_ENDS),
    ]
