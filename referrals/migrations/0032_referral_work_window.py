# Mijn werk of all of Flanders (the administrator's): the referrals in the states its work
# takes, counted and ranked from an index alone, with every column the work's conditions
# and its order read (`models.work`, `models.querysets.overdue_reasons`). PostgreSQL only
# (see _postgres.py: SQLite has no index with non-key columns), built without locking out
# the referrals' writes. Written by hand: the states and columns as they are today;
# tests/referrals/test_migration_expressions.py holds the administrator's queries to them.

from django.db import migrations, models

from ._postgres import AddIndexConcurrentlyOnPostgres

WORK_WINDOW_STATES = ["agreed", "candidate"]
WORK_WINDOW = models.Index(
    fields=["state", "state_changed_at", "id"],
    include=["agreed_on", "expected_end_date", "handover_at", "intake_at", "probable_start_date"],
    condition=models.Q(state__in=WORK_WINDOW_STATES),
    name="referral_work_window",
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0031_referral_agenda_indexes"),
    ]

    operations = [AddIndexConcurrentlyOnPostgres(model_name="referral", index=WORK_WINDOW)]
