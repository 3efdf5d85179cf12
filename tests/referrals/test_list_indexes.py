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


@pytest.mark.parametrize("who", ["caseworker", "counsellor"])
def test_mijn_werks_agenda_reads_the_indexes_of_intakes_and_starts(request, client, who):
    """The coming week's intakes and starts (migration 0031): their filter is the indexed
    range (an intake by its time, not by its day), whatever the scope."""
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    agenda = [
        q["sql"]
        for q in queries.captured_queries
        if 'ORDER BY "referrals_referral"."intake_at"' in q["sql"]
        or 'ORDER BY "referrals_referral"."probable_start_date"' in q["sql"]
    ]
    assert len(agenda) == 2
    indexes = {"referral_intakes": "intake_at", "referral_starts": "probable_start_date"}
    for sql, (index, column) in zip(agenda, indexes.items(), strict=True):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = [row[0].strip() for row in cursor.fetchall()]
        # The week is the index's range, not a filter on each row the index walks.
        (scan,) = [n for n, line in enumerate(plan) if f"Index Scan using {index} " in line]
        assert plan[scan + 1].startswith(f"Index Cond: (({column} >="), "\n".join(plan)
