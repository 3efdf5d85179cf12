"""A read that shows several clients (a list, a search, a download) writes one row naming
them all (`client_ids`, `referral_ids`) instead of a row per client: at the scale of
Flanders that row per client made the trail outgrow all other data (docs/performance.md,
"Growing past one machine"). The rows written before stay as they are.

Nullable columns without default: PostgreSQL adds them without rewriting the table. Their
GIN indexes answer `ids @> '[n]'` (`Entry.objects.about_client`, `about_referrals`), over
the rows that have a list only; built without locking out the pages that write the trail
(`CREATE INDEX CONCURRENTLY`, outside a transaction). PostgreSQL's alone: SQLite reads the
lists with `json_each`."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

import audit.models
from referrals.migrations._postgres import AddIndexConcurrentlyOnPostgres


def ids_index(field: str) -> GinIndex:
    return GinIndex(
        fields=[field],
        opclasses=["jsonb_path_ops"],
        condition=models.Q((f"{field}__isnull", False)),
        name=f"audit_entry_{field}",
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0005_entry_referral_index"),
    ]

    operations = [
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
        AddIndexConcurrentlyOnPostgres(model_name="entry", index=ids_index("client_ids")),
        AddIndexConcurrentlyOnPostgres(model_name="entry", index=ids_index("referral_ids")),
    ]
