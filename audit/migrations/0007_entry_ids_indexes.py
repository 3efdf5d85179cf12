"""The index of a read's clients (0006; its referrals' in 0008, one index a migration, so
that a build that fails is retried as docs/operations.md says: drop the invalid index and
migrate again) and the check of 0006's constraint on the rows already there, neither
locking out the pages that write the trail (`CREATE INDEX CONCURRENTLY` and `VALIDATE
CONSTRAINT`, outside a transaction). Going back is refused here already, before the index
is dropped: 0006 refuses it.

GIN indexes answer `ids @> '[n]'` (`Entry.objects.about_client`, `about_referrals`), over
the rows that have a list only, and without GIN's pending list (below). PostgreSQL's alone:
SQLite reads the lists with `json_each`."""

import importlib

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from referrals.migrations._postgres import (
    AddIndexConcurrentlyOnPostgres,
    ValidateConstraintOnPostgres,
)

LISTS = importlib.import_module("audit.migrations.0006_entry_ids_of_a_read")


def ids_index(field: str) -> GinIndex:
    return GinIndex(
        fields=[field],
        opclasses=["jsonb_path_ops"],
        condition=models.Q((f"{field}__isnull", False)),
        name=f"audit_entry_{field}",
        # Each row goes into the index as it is written, not into a pending list merged
        # later: that list (up to 4 MB) is read by every search of the index, is merged
        # during whichever page view fills it, and leaves its pages behind once merged
        # (bench_audit: a list's view 1,556 bytes with it, 1,213 without; its 50 clients
        # written in 0.86-0.94 ms without, 0.70-0.80 with, no merge among them).
        fastupdate=False,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0006_entry_ids_of_a_read"),
    ]

    operations = [
        ValidateConstraintOnPostgres(model_name="entry", name="audit_entry_one_subject_or_lists"),
        AddIndexConcurrentlyOnPostgres(model_name="entry", index=ids_index("client_ids")),
        migrations.RunPython(migrations.RunPython.noop, LISTS.keep_the_trail),
    ]
