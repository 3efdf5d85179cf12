"""A referral's rows of the trail are found by an index on PostgreSQL (migration `audit`
0005), by the admin's filter and by a client's subject access, rather than by reading the
whole trail. Sequential scans are switched off to ask whether the index can serve the query
at all (the planner prefers a scan on a table this small). PostgreSQL only: CI's PostgreSQL
run runs it."""

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


def test_a_clients_subject_access_reads_their_referrals_rows_by_index():
    referral = ReferralFactory()
    ReferralFactory(client=referral.client)  # a list of referrals (one is an `=`)

    with CaptureQueriesContext(connection) as queries:
        collect(referral.client)

    (plan,) = plans_of(queries, '"referral_id" IN')
    assert "audit_entry_referral_at" in plan, plan


def test_the_admins_filter_by_referral_reads_its_index(admin_browser, make_entry):
    make_entry(client_id=7, referral_id=70)

    with CaptureQueriesContext(connection) as queries:
        response = admin_browser.get(reverse("admin:audit_entry_changelist"), {"referral": 70})

    assert response.status_code == 200
    # The page's rows and its count.
    plans = plans_of(queries, '"referral_id" = 70')
    assert len(plans) >= 2
    assert all("audit_entry_referral_at" in plan for plan in plans), plans
