"""The index of a read's referrals (0006), as 0007 builds its clients': see there."""

import importlib

from django.db import migrations

from referrals.migrations._postgres import AddIndexConcurrentlyOnPostgres

LISTS = importlib.import_module("audit.migrations.0006_entry_ids_of_a_read")
INDEXES = importlib.import_module("audit.migrations.0007_entry_ids_indexes")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0007_entry_ids_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(model_name="entry", index=INDEXES.ids_index("referral_ids")),
        migrations.RunPython(migrations.RunPython.noop, LISTS.keep_the_trail),
    ]
