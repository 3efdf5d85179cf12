"""The trail's rows of one user or one organisation are found by (actor, at) and
(organisation, at): the foreign keys' own single-column indexes go, so that every row
written keeps two indexes fewer up to date.

Only the indexes are dropped, by name (Django's names, the same on PostgreSQL and SQLite),
and the model's state is told apart: an `AlterField` would have SQLite rebuild the table,
which drops the trigger that keeps its rows from being updated (migration 0002). On
PostgreSQL without locking out the pages that write the trail meanwhile
(`DROP INDEX CONCURRENTLY`, outside a transaction)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "audit_entry_actor_id_57c4b003": "actor_id",
    "audit_entry_organisation_id_aded3392": "organisation_id",
}


def drop(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX{concurrently} IF EXISTS "{name}"')


def create(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX{concurrently} IF NOT EXISTS "{name}" ON "audit_entry" ("{column}")'
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_administrator_unlocks_logins"),
        ("audit", "0003_administrators_read_the_trail"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="entry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
            ],
        ),
    ]
