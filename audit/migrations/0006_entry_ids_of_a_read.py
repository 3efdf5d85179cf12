"""A read that shows several clients (a list, a search, a download) writes one row naming
them all (`client_ids`, `referral_ids`) instead of a row per client: at the scale of
Flanders that row per client made the trail outgrow all other data (docs/performance.md,
"Growing past one machine"). The rows written before stay as they are.

Nullable columns without default: PostgreSQL adds them without rewriting the table, under a
moment's lock that the migration waits at most 5 s for (`lock_timeout`). The constraint that
a row names its subject in one shape is added without reading the rows there (0007 checks
them). Their indexes come in 0007, built without locking out the pages that write the trail.

Not reversible: going back would drop the lists of every read written since, and the trail
would no longer say whom those reads showed. The code before works with the columns there."""

import importlib

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

import audit.models
from referrals.migrations._postgres import AddConstraintNotValidOnPostgres, lock_timeout


APPEND_ONLY = importlib.import_module("audit.migrations.0002_append_only_trigger")


def refuse_updates_again(apps, schema_editor):
    """SQLite adds a constraint by making the table anew, without 0002's trigger that
    refuses updates: made again (any migration that remakes the table on SQLite must)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(APPEND_ONLY.SQLITE_DROP, params=None)
        schema_editor.execute(APPEND_ONLY.SQLITE_CREATE, params=None)


def keep_the_trail(apps, schema_editor):
    """IRREVERSIBLE: going back past audit 0006 would drop whom every read since showed."""
    raise IrreversibleError(
        "Going back past audit 0006 is refused: it would drop whom every read since showed. "
        "The code before it works with its columns there."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_entry_referral_index"),
    ]

    operations = [
        lock_timeout("5s"),
        migrations.AddField(
            model_name="entry",
            name="client_ids",
            field=audit.models.IdList(blank=True, null=True, verbose_name="client numbers"),
        ),
        migrations.AddField(
            model_name="entry",
            name="referral_ids",
            field=audit.models.IdList(blank=True, null=True, verbose_name="referral numbers"),
        ),
        AddConstraintNotValidOnPostgres(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(("client_ids__isnull", True), ("referral_ids__isnull", True))
                | models.Q(("client_id__isnull", True), ("referral_id__isnull", True)),
                name="audit_entry_one_subject_or_lists",
            ),
        ),
        migrations.RunPython(refuse_updates_again, migrations.RunPython.noop),
        # Last, so that going back meets it first.
        migrations.RunPython(migrations.RunPython.noop, keep_the_trail),
    ]
