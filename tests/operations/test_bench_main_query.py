"""`make bench`'s main query of a page is its slowest read, however its SQL is written; its
header says how much memory PostgreSQL keeps pages in, its last line what the requests
added to the audit trail."""

import re

import pytest
from django.db import connection

from operations.management.commands.bench import server_memory, slowest_read, trail_growth
from referrals.benchmarks.audit_cases import TrailSize


def test_the_main_query_is_the_slowest_read_even_written_by_hand():
    captured = [
        {"sql": 'SELECT "referrals_referral"."id" FROM "referrals_referral"', "time": "0.006"},
        # Mijn werk's ranking, written by hand: it starts with a line break.
        {"sql": "\n        SELECT * FROM (SELECT 1) AS ranked", "time": "0.030"},
        {"sql": "WITH counted AS (SELECT 1) SELECT * FROM counted", "time": "0.020"},
        {"sql": 'INSERT INTO "audit_entry" SELECT 1', "time": "0.050"},
        {"sql": 'RELEASE SAVEPOINT "s1"', "time": "0.090"},
    ]
    assert slowest_read(captured)["time"] == "0.030"
    assert slowest_read(captured[2:])["time"] == "0.020"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings")
def test_the_bench_says_how_much_memory_postgresql_keeps_pages_in():
    assert re.fullmatch(r"PostgreSQL \d+(\.\d+)*, shared_buffers \d+[kMGT]B", server_memory())


def test_the_bench_says_what_its_requests_added_to_the_trail():
    before = TrailSize(table=8_192_000, indexes=4_096_000, rows=1_000)
    after = TrailSize(table=9_519_104, indexes=4_333_568, rows=1_947)

    line = trail_growth(before, after, requests=1_166)

    assert line == (
        "audit trail: 947 rows for 1,166 requests, 1,342 bytes a request on disk "
        "(1,138 its table, 204 its indexes)"
    )
