"""The indexes of a read's lists (0006) and the check of its constraint on the rows already
there, neither locking out the pages that write the trail (`CREATE INDEX CONCURRENTLY` and
`VALIDATE CONSTRAINT`, outside a transaction; if an index build fails, drop the invalid
index and migrate again: docs/operations.md).

GIN indexes answer `ids @> '[n]'` (`Entry.objects.about_client`, `about_referrals`), over
the rows that have a list only, and without GIN's pending list (below). PostgreSQL's alone:
SQLite reads the lists with `json_each`."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

from referrals.migrations._postgres import (
    AddIndexConcurrentlyOnPostgres,
    ValidateConstraintOnPostgres,
)


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
        AddIndexConcurrentlyOnPostgres(model_name="entry", index=ids_index("referral_ids")),
    ]
