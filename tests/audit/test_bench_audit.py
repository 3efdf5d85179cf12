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
from referrals.benchmarks.audit_cases import trail_off, trail_size
from referrals.management.commands.bench_audit import VIEW_COPIES
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
    assert "record_many (50 clients)" in text
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
        r"the trail on disk: (\d+) bytes a row \((\d+) its table, (\d+) its indexes\), "
        r"over its ([\d,]+) rows; a view, from ([\d,]+) rows like its own",
        text,
    )
    assert per_row, text
    row, table, indexes = map(int, per_row.groups()[:3])
    assert row in (table + indexes - 1, table + indexes, table + indexes + 1)
    # Measured before each page's copies were written.
    over, copies = (int(n.replace(",", "")) for n in per_row.groups()[3:])
    assert (over, copies) == (Entry.objects.count() - 2 * VIEW_COPIES, VIEW_COPIES)
    # A view of the list of 50 clients is one row, which names 50 clients where a view of
    # a referral's page names one: more bytes, not fifty rows' (kB of 1,024).
    views = dict(
        (name, (float(rows), int(size), float(kilobytes)))
        for name, rows, size, kilobytes in re.findall(
            r"  (client list \(50\)|referral detail)\s+([\d.]+) rows, (\d+) bytes a row, "
            r"([\d.]+) kB a view",
            text,
        )
    )
    assert views.keys() == {"client list (50)", "referral detail"}, text
    (list_rows, list_row, list_kb), (detail_rows, detail_row, _kb) = views.values()
    assert (list_rows, detail_rows) == (1.0, 1.0)
    assert detail_row < list_row < 50 * detail_row
    assert list_kb == pytest.approx(list_row / 1024, abs=0.005)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's sizes on disk")
def test_the_trails_size_is_postgresqls_own(make_entry):
    for number in range(10):
        make_entry(client_id=number)
        make_entry(client_ids=[number, number + 1])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_table_size('audit_entry'), pg_indexes_size('audit_entry')")
        table, indexes = cursor.fetchone()
    assert trail_size() == (table, indexes, 20)


def test_with_the_trail_off_nothing_is_written():
    """The "off" runs write nothing, a row about one or a read of several."""
    user = CaseworkerFactory()
    with trail_off():
        trail.record(Kind.VIEW, user=user, client=1)
        trail.record_many(Kind.VIEW, user=user, subjects=[(1, None), (2, None)])

    assert not Entry.objects.exists()


def test_it_refuses_a_database_with_clients():
    ClientFactory()

    with pytest.raises(CommandError, match="clients already"):
        call_command("bench_audit", requests=1, stdout=StringIO())
