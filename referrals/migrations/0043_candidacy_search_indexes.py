# The admin's search of the candidacies VDAB registered (`admin.records.CandidacyAdmin`) finds
# them by the first digits of the national number typed and by the name, each from an index
# of its own: the national number's as the clients' (0028), the name's a trigram index as
# 0042's. Without them, PostgreSQL read every candidacy (a fifth of the referrals) for each
# search.
#
# Built concurrently on PostgreSQL (`atomic = False`), the trigram index on PostgreSQL only:
# if it stops halfway, drop each index of this migration that exists (one left invalid
# too), then migrate again.

from django.db import migrations, models

from ._postgres import AddIndexConcurrently, RunSQLOnPostgres, trigram_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0042_row_texts_trigrams"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="candidacy",
            index=models.Index(
                fields=["insz"], name="candidacy_insz_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        trigram_index(
            "referrals_candidacy", "last_name", "candidacy_last_name_trgm", concurrently=True
        ),
        # The trigram index's statistics are gathered by the next ANALYZE of its table.
        RunSQLOnPostgres("ANALYZE referrals_candidacy", migrations.RunSQL.noop),
    ]
