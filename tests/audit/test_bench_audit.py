"""`manage.py bench_audit` with tiny numbers, so that it does not rot: it fills, requests
both pages in both modes and prints its figures (no time is asserted)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit import trail
from audit.models import Entry, Kind
from referrals.benchmarks.audit_cases import trail_off
from referrals.models import Client
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_the_benchmark_prints_both_pages_in_both_modes():
    out = StringIO()

    call_command(
        "bench_audit", requests=2, warmup=1, clients=60, trail=30, stdout=out, stderr=StringIO()
    )

    text = out.getvalue()
    assert "client list (50)" in text
    assert "referral detail" in text
    assert text.count(" on ") >= 2 and text.count(" off ") >= 2
    assert "ratio on/off" in text
    # Only PostgreSQL says what the trail takes on disk (the test below).
    assert ("the trail on disk" in text) == (connection.vendor == "postgresql")
    assert "record_many (50 rows)" in text
    assert Client.objects.filter(last_name__startswith="Client ").count() == 60
    # Whoever recorded them, the "on" runs wrote the views' rows.
    assert Entry.objects.filter(kind=Kind.VIEW, path="/clients/").count() > 30


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's sizes on disk")
def test_it_prints_what_a_row_and_a_view_take_on_disk():
    out = StringIO()

    call_command(
        "bench_audit", requests=2, warmup=1, clients=60, trail=30, stdout=out, stderr=StringIO()
    )

    text = out.getvalue()
    per_row = re.search(
        r"the trail on disk: (\d+) bytes a row \((\d+) its table, (\d+) its indexes\)", text
    )
    assert per_row, text
    row, table, indexes = map(int, per_row.groups())
    # What PostgreSQL says of the trail's table and indexes, over its rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_table_size('audit_entry'), pg_indexes_size('audit_entry')")
        on_disk = cursor.fetchone()
    rows = Entry.objects.count()
    assert (table, indexes) == (round(on_disk[0] / rows), round(on_disk[1] / rows))
    assert row == round(sum(on_disk) / rows)
    # A list of 50 clients writes 50 rows: fifty times a row's bytes, in kB of 1,024.
    list_view = re.search(r"client list \(50\)\s+50\.0 rows, ([\d.]+) kB a view", text)
    assert list_view, text
    assert float(list_view.group(1)) == pytest.approx(50 * sum(on_disk) / rows / 1024, abs=0.05)
    assert re.search(r"referral detail\s+1\.0 rows, [\d.]+ kB a view", text)


def test_with_the_trail_off_nothing_is_written():
    """The "off" runs write nothing, however the trail writes (on PostgreSQL record_many
    sends a statement of its own rather than bulk_create's)."""
    user = CaseworkerFactory()
    with trail_off():
        trail.record(Kind.VIEW, user=user, client=1)
        trail.record_many(Kind.VIEW, user=user, subjects=[(1, None), (2, None)])

    assert not Entry.objects.exists()


def test_it_refuses_a_database_with_clients():
    ClientFactory()

    with pytest.raises(CommandError, match="clients already"):
        call_command("bench_audit", requests=1, stdout=StringIO())
