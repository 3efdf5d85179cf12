# The figures by start cohort of a type, a region or both (the filters that go through the
# training), of all of Flanders or of a network manager's province (the referral's OCMW): the
# started referrals of the chosen trainings, read from an index alone, with every column the
# cohorts side by side and their persons read (`reports.cohort.trend`),
# instead of every started referral of Flanders through the start date's index, a million
# visits of the table to keep a fifth of them. PostgreSQL only (see _postgres.py: SQLite has
# no index with non-key columns), built without locking out the referrals' writes. Written
# by hand: the columns as they are today; tests/referrals/test_migration_expressions.py
# holds the trend's queries to them.

from django.db import migrations, models

from ._postgres import AddIndexConcurrentlyOnPostgres

STARTED_BY_TRAINING = models.Index(
    fields=["training", "start_date"],
    include=["id", "client", "ocmw", "end_result", "obtained", "end_date"],
    condition=models.Q(start_date__isnull=False),
    name="referral_started_by_training",
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0032_referral_work_window"),
    ]

    operations = [AddIndexConcurrentlyOnPostgres(model_name="referral", index=STARTED_BY_TRAINING)]
