"""The PostgreSQL-only indexes of migration 0029 hold the very expression the lists sort by
(`models.indexes.KEY_DATE`): the planner uses an index for an expression only when it is
the same one. Checked here on any database; tests/referrals/test_list_indexes.py shows the
plans on PostgreSQL."""

import importlib

from referrals.models.indexes import KEY_DATE


def test_the_key_date_indexes_hold_the_lists_expression():
    migration = importlib.import_module("referrals.migrations.0029_referral_key_date_indexes")

    assert migration.KEY_DATE == KEY_DATE
