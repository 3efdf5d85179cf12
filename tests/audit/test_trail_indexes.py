"""A client's and a referral's rows of the trail are found by indexes on PostgreSQL, alone
(migration `audit` 0005 for a referral's) and among the subjects of a read of several (the
GIN indexes of migrations 0007 and 0008), by the admin's filters and by a client's subject access,
rather than by reading the whole trail. Sequential scans are switched off to ask whether
the indexes can serve the query at all (the planner prefers a scan on a table this small).
PostgreSQL only: CI's PostgreSQL run runs it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.subject_access import collect
from tests.referrals.factories import ReferralFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]


def plans_of(queries, marker: str) -> list[str]:
    """The plans of the queries of the trail that hold `marker`."""
    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and '"audit_entry"' in sql and marker in sql:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


CLIENT_INDEXES = ["audit_entry_client__70b42a_idx", "audit_entry_client_ids"]
REFERRAL_INDEXES = ["audit_entry_referral_at", "audit_entry_referral_ids"]


def test_a_clients_subject_access_reads_their_rows_and_their_referrals_by_index():
    referral = ReferralFactory()
    ReferralFactory(client=referral.client)  # a list of referrals (one is an `=`)

    with CaptureQueriesContext(connection) as queries:
        collect(referral.client)

    (plan,) = plans_of(queries, '"referral_id" IN')
    assert all(index in plan for index in CLIENT_INDEXES + REFERRAL_INDEXES), plan


@pytest.mark.parametrize(
    ("params", "indexes"),
    [({"client": 7}, CLIENT_INDEXES), ({"referral": 70}, REFERRAL_INDEXES)],
    ids=["client", "referral"],
)
def test_the_admins_filters_read_their_indexes(admin_browser, make_entry, params, indexes):
    make_entry(client_id=7, referral_id=70)
    make_entry(client_ids=[6, 7], referral_ids=[60, 70])

    with CaptureQueriesContext(connection) as queries:
        response = admin_browser.get(reverse("admin:audit_entry_changelist"), params)

    assert response.status_code == 200
    # The page's rows and its count.
    plans = plans_of(queries, "@>")
    assert len(plans) >= 2
    assert all(index in plan for plan in plans for index in indexes), plans
