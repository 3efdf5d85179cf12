"""`manage.py bench_jobs` on `make bench-data`'s fill of a few hundred referrals, so that it
does not rot: it prints each job, finds the same reminders both ways and none once they are
written, and leaves the database as it found it, nothing sent (no time is asserted).
PostgreSQL only, as the fill is."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from operations.benchmarks.flanders_fill import fill_flanders
from referrals.models import Client
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

JOBS = [
    "relay: e-mails",
    "relay: webhook calls",
    "digest: readers waiting",
    "digest: of",
    "retention: dry run",
    "retention: 200 clients pseudonymised",
    "retention: webhook deliveries deleted",
    "reminders: found due, keys only",
    "reminders: found due, referrals read",
    "reminders: one written",
    "reminders: every one written before",
]


def found(lines: list[str], job: str) -> int:
    [line] = [line for line in lines if line.startswith(job)]
    return int(line.split()[-2].replace(",", ""))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fill is PostgreSQL's SQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_times_every_job_and_leaves_the_database_as_it_was(mailoutbox):
    """Outside a test's transaction, as `make bench-jobs` runs it: its own transaction is
    the only one, rolled back, and the messages' table vacuumed after. The fill is not
    analysed: statistics outlive the test, and the plan tests of the referrals' indexes
    (tests/referrals/test_list_indexes.py) must not meet those of a fill of 600. (The
    command's own VACUUM leaves the messages' statistics: no plan test reads that table.)"""
    fill_flanders(600, today=timezone.localdate(), progress=lambda text: None, analyse=False)
    messages, pseudonymised, deliveries = (
        Notification.objects.count(),
        Client.objects.filter(pseudonymised_at__isnull=False).count(),
        Delivery.objects.count(),
    )
    out = StringIO()

    call_command("bench_jobs", repeat=1, write=2, stdout=out)

    lines = out.getvalue().splitlines()
    for job in JOBS:
        assert any(line.startswith(job) for line in lines), job
    due = found(lines, "reminders: found due, keys only")
    assert due > 0
    assert found(lines, "reminders: found due, referrals read") == due
    assert found(lines, "reminders: one written") == 2
    assert found(lines, "reminders: every one written before") == 0
    assert found(lines, "digest: of") == 1  # the digest written
    # A year of deliveries: those of the months before WEBHOOK_DELIVERY_RETENTION_DAYS.
    assert 0 < found(lines, "retention: webhook deliveries deleted") < deliveries
    # Rolled back: no reminder, digest or pseudonym is left, no delivery gone.
    assert Notification.objects.count() == messages
    assert Client.objects.filter(pseudonymised_at__isnull=False).count() == pseudonymised
    assert Delivery.objects.count() == deliveries
    assert mailoutbox == []  # nothing sent


def test_it_refuses_a_database_not_named_as_a_throwaway(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "okot")

    with pytest.raises(CommandError, match="throwaway database"):
        call_command("bench_jobs", stdout=StringIO())
