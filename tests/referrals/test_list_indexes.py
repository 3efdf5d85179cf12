"""The referral list sorted by state or by key date walks an index in that order on
PostgreSQL, for all of Flanders, an OCMW and a region: the list's expression is the indexed
one (`STATE_ORDER`, `KEY_DATE`: migrations 0027 and 0029).
The planner prefers a sort on a table this small, so sorting is switched off to ask whether
the index can serve the query at all. PostgreSQL only: CI's PostgreSQL run runs it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.two_factor import pass_second_factor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]


@pytest.mark.parametrize(
    ("who", "scope"), [("administrator", ""), ("caseworker", "ocmw_"), ("counsellor", "region_")]
)
@pytest.mark.parametrize(
    ("sort", "order"),
    [("state", "state_order"), ("-state", "state_order"), ("key_date", "key_date")]
    + [("-key_date", "key_date")],
)
def test_the_list_sorted_reads_its_index(request, client, who, scope, sort, order):
    index = f"referral_{scope}{order}"
    user = request.getfixturevalue(who)
    client.force_login(user)
    if who == "administrator":
        pass_second_factor(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/referrals/", {"sort": sort}).status_code == 200
    (listed,) = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "referrals_referral"."id"')
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {listed}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
