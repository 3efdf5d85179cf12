# Mijn werk of a VDAB region's team (a counsellor's "My team"): the region's referrals in the
# states its work takes, counted and ranked part by part from an index alone
# (`ranking.rank_parts`, `work.work_window_parts`), with every column the work's conditions
# and its order read (`models.work`, `models.querysets.overdue_reasons`), where reading them
# from the table took 20,000 pages for the biggest region at a million referrals.
#
# - REGION_WORK: the open states, by state and since when they wait (each group's first are
#   the start of a range, as in migration 0032 for all of Flanders).
# - REGION_DUE_ENDS: the positive ends, closed, by their end (the check-ups due are those
#   of the last fifteen months).
#
# A step writes an entry in each index whose condition its row meets, as it does in every
# other index of the row; a bare transaction with the same writes does the same. PostgreSQL
# only (see _postgres.py: SQLite has no index with non-key columns), built without locking
# out the referrals' writes. Written by hand: the states and columns as they are today;
# tests/referrals/test_migration_expressions.py holds the team's queries to them.

from django.db import migrations, models

from ._postgres import AddIndexConcurrentlyOnPostgres

REGION_WORK_STATES = [
    "admitted",
    "agreed",
    "ended",
    "in_training",
    "intake_planned",
    "not_admitted",
]
REGION_WORK = models.Index(
    fields=["region", "state", "state_changed_at", "id"],
    include=["agreed_on", "expected_end_date", "handover_at", "intake_at", "probable_start_date"],
    condition=models.Q(state__in=REGION_WORK_STATES),
    name="referral_region_work",
)
POSITIVE_END_RESULTS = ["passed", "stopped_employment"]
REGION_DUE_ENDS = models.Index(
    fields=["region", "end_date"],
    include=["id", "agreed_on", "continued_by", "end_result", "state", "state_changed_at"],
    condition=models.Q(state="closed", end_result__in=POSITIVE_END_RESULTS),
    name="referral_region_due_ends",
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0034_referral_state_end_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(model_name="referral", index=REGION_WORK),
        AddIndexConcurrentlyOnPostgres(model_name="referral", index=REGION_DUE_ENDS),
    ]
