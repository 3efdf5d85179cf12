"""A referral's rows of the trail by an index: the admin's filter by referral and a client's
subject access (their referrals' rows beside their own) read the whole trail before, the
table that grows fastest. Built without locking out the pages that write the trail
(`CREATE INDEX CONCURRENTLY` on PostgreSQL, outside a transaction)."""

from django.conf import settings
from django.db import migrations, models

from referrals.migrations._postgres import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_administrator_unlocks_logins"),
        ("audit", "0004_entry_no_second_index_per_actor_and_organisation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="entry",
            index=models.Index(
                condition=models.Q(("referral_id__isnull", False)),
                fields=["referral_id", "at"],
                name="audit_entry_referral_at",
            ),
        ),
    ]
