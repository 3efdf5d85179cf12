# The admin's search of the messages finds those whose subject holds a word (a client's name,
# a training's title: `referrals.admin.search.RowSearchMixin`) from a trigram index of the
# subjects, as migration referrals 0042 does for the referrals' rows: without one,
# PostgreSQL read every message for every search (half a million at a million referrals).
#
# PostgreSQL only, built concurrently (`atomic = False`): if it stops halfway, drop the
# index (left invalid), then migrate again.

from django.db import migrations

from referrals.migrations._postgres import RunSQLOnPostgres, trigram_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0010_queued_at"),
        ("referrals", "0028_search_indexes"),  # pg_trgm
    ]

    operations = [
        trigram_index(
            "notifications_notification", "subject", "notification_subject_trgm", concurrently=True
        ),
        # The index's statistics are gathered by the next ANALYZE of its table.
        RunSQLOnPostgres("ANALYZE notifications_notification", migrations.RunSQL.noop),
    ]
