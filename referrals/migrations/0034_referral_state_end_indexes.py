# Mijn werk of a caseworker and of a counsellor reads, beside the open referrals, the closed
# ones whose check-ups can still be due (`work.work_window`: ended in the last fifteen
# months). With the OCMW's and the counsellor's referrals indexed by state alone, PostgreSQL
# ANDed their closed referrals with all of Flanders' 77,000 recent ends (a 5.7 ms bitmap of
# the caseworker's ranking at a million referrals; the counsellor's own referrals 9.4 ms,
# 2.0 without it); with the end in the same index they are its range. The new indexes serve
# every read the old ones did (the same first columns), which go.
#
# The referral's own indexes of `ocmw`, `caseworker` and `counsellor` go too: an index that
# starts with each (above, `referral_ocmw_list_order`, `referral_caseworker_state`) serves
# every read of it, and each was one more index to write at every step (a step changes the
# state, so every index of the row gets a new entry).
#
# Nothing here locks the referrals against reads or writes on PostgreSQL: the new indexes
# are built, and then the old ones dropped, concurrently (`atomic = False`), and the foreign
# keys' constraints stay as they are (only their indexes are dropped: `DropFieldIndex`).
# If it stops halfway, see docs/operations.md on an index left invalid.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ._postgres import AddIndexConcurrently, DropFieldIndex, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_administrator_unlocks_logins"),
        ("referrals", "0033_referral_started_by_training"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["counsellor", "state", "end_date"], name="referral_counsellor_state_end"
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["ocmw", "state", "end_date"], name="referral_ocmw_state_end"
            ),
        ),
        RemoveIndexConcurrently(model_name="referral", name="referral_counsellor_state"),
        RemoveIndexConcurrently(model_name="referral", name="referral_ocmw_state"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                DropFieldIndex("referral", column, name)
                for column, name in [
                    ("caseworker_id", "referrals_referral_caseworker_id_f36df8c5"),
                    ("counsellor_id", "referrals_referral_counsellor_id_e8a77320"),
                    ("ocmw_id", "referrals_referral_ocmw_id_db673d64"),
                ]
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="referral",
                    name="caseworker",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="responsible caseworker",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="counsellor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="responsible counsellor",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="ocmw",
                    field=models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                        verbose_name="OCMW",
                    ),
                ),
            ],
        ),
    ]
