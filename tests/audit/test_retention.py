"""The trail's own retention (OKOT_AUDIT_RETENTION_DAYS) and that of django-axes' login
records (OKOT_LOGIN_RECORDS_RETENTION_DAYS): older rows go, each purge of the trail leaves
its record, a dry run deletes nothing, and a running lockout is never lifted by it."""

import datetime
from io import StringIO
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from audit import trail
from audit.models import Entry, Kind, Purge

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def short_retention(settings):
    settings.OKOT_AUDIT_RETENTION_DAYS = 30
    settings.OKOT_LOGIN_RECORDS_RETENTION_DAYS = 10


def entry_at(at) -> Entry:
    return Entry.objects.create(kind=Kind.VIEW, at=at, client_id=1)


def axes_row(model, at, *, address="10.0.0.1", **fields):
    row = model.objects.create(username="jan", ip_address=address, user_agent="x", **fields)
    model.objects.filter(pk=row.pk).update(attempt_time=at)  # auto_now_add on create
    return row


def test_rows_past_the_retention_go_and_the_purge_is_recorded(short_retention):
    old = entry_at(NOW - 31 * DAY)
    kept = entry_at(NOW - 29 * DAY)

    counts = trail.purge_expired(NOW)

    assert counts["audit.Entry"] == 1
    assert list(Entry.objects.all()) == [kept]
    assert not Entry.objects.filter(pk=old.pk).exists()
    purge = Purge.objects.get()
    assert (purge.cutoff, purge.deleted) == (NOW - 30 * DAY, 1)


@pytest.mark.parametrize(("days", "left"), [(3650, 2), (30, 1), (1, 0)])
def test_the_setting_decides_what_goes(settings, days, left):
    settings.OKOT_AUDIT_RETENTION_DAYS = days
    entry_at(NOW - 2 * DAY)
    entry_at(NOW - 100 * DAY)

    trail.purge_expired(NOW)

    assert Entry.objects.count() == left


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_big_purge_commits_its_record_then_each_batch_of_rows_apart():
    """A month of all of Flanders is tens of millions of rows: never one transaction."""
    for days in range(40, 45):
        entry_at(NOW - days * DAY)
    kept = entry_at(NOW - DAY)
    writes = []
    database = connections[DEFAULT_DB_ALIAS]

    with mock.patch.object(database, "commit", wraps=database.commit) as commit:

        def note_transaction(execute, sql, params, many, context):
            if sql.startswith(("INSERT", "DELETE")):
                # In a transaction or not, and how many were committed before it.
                writes.append((sql.split()[0], database.in_atomic_block, commit.call_count))
            return execute(sql, params, many, context)

        with database.execute_wrapper(note_transaction):
            assert trail.purge_before(NOW - 30 * DAY, batch_size=2) == 5

    assert writes == [
        ("INSERT", False, 0),  # the purge's record, committed as it is written
        ("DELETE", True, 0),
        ("DELETE", True, 1),
        ("DELETE", True, 2),
    ]
    assert commit.call_count == 3
    assert list(Entry.objects.all()) == [kept]
    assert Purge.objects.get().deleted == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_purge_stopped_half_way_leaves_the_newest_for_the_next_which_records_them():
    oldest = [entry_at(NOW - days * DAY) for days in (44, 43)]
    newer = [entry_at(NOW - days * DAY) for days in (42, 41, 40)]
    delete = models.QuerySet.delete
    calls = []

    def stops_at_the_second_batch(queryset):
        calls.append(queryset)
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return delete(queryset)

    with (
        mock.patch.object(models.QuerySet, "delete", stops_at_the_second_batch),
        pytest.raises(ConnectionError),
    ):
        trail.purge_before(NOW - 30 * DAY, batch_size=2)

    assert sorted(Entry.objects.values_list("pk", flat=True)) == [e.pk for e in newer]
    assert oldest[0].pk not in Entry.objects.values_list("pk", flat=True)
    assert trail.purge_before(NOW - 30 * DAY, batch_size=2) == 3
    assert not Entry.objects.exists()
    assert list(Purge.objects.order_by("pk").values_list("deleted", flat=True)) == [5, 3]


def test_nothing_to_purge_records_no_purge(short_retention):
    entry_at(NOW - DAY)

    assert trail.purge_expired(NOW)["audit.Entry"] == 0
    assert not Purge.objects.exists()


def test_a_dry_run_counts_and_deletes_nothing(short_retention):
    entry_at(NOW - 31 * DAY)
    axes_row(AccessLog, NOW - 11 * DAY)

    counts = trail.purge_expired(NOW, dry_run=True)

    assert counts["audit.Entry"] == 1
    assert counts["axes.AccessLog"] == 1
    assert Entry.objects.count() == 1
    assert AccessLog.objects.count() == 1
    assert not Purge.objects.exists()


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (AccessLog, {}),
        (AccessAttempt, {"failures_since_start": 5}),
        (AccessFailureLog, {"locked_out": True}),
    ],
)
def test_axes_login_records_past_their_retention_go(short_retention, model, fields):
    old = axes_row(model, NOW - 11 * DAY, **fields)
    kept = axes_row(model, NOW - 9 * DAY, address="10.0.0.2", **fields)

    counts = trail.purge_expired(NOW)

    assert counts[model._meta.label] == 1
    assert list(model.objects.values_list("pk", flat=True)) == [kept.pk]
    assert old.pk != kept.pk


def test_a_running_lockout_is_not_lifted_by_a_short_retention(settings):
    settings.OKOT_LOGIN_RECORDS_RETENTION_DAYS = 0
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    running = axes_row(AccessAttempt, NOW - datetime.timedelta(minutes=5), failures_since_start=5)
    lapsed = axes_row(
        AccessAttempt,
        NOW - datetime.timedelta(minutes=20),
        address="10.0.0.2",
        failures_since_start=5,
    )

    trail.purge_expired(NOW)

    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [running.pk]
    assert lapsed.pk != running.pk


def test_without_a_cool_off_lockouts_are_kept_until_lifted(settings):
    settings.OKOT_LOGIN_RECORDS_RETENTION_DAYS = 10
    settings.AXES_COOLOFF_TIME = None
    attempt = axes_row(AccessAttempt, NOW - 400 * DAY, failures_since_start=5)

    assert "axes.AccessAttempt" not in trail.purge_expired(NOW)
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_command_purges_or_shows_what_it_would(short_retention, dry_run):
    entry_at(timezone.now() - 31 * DAY)
    out = StringIO()

    call_command("purge_audit_trail", *(["--dry-run"] if dry_run else []), stdout=out)

    assert ("would delete 1" if dry_run else "deleted 1") in out.getvalue()
    assert "audit.Entry" in out.getvalue()
    assert Entry.objects.count() == (1 if dry_run else 0)
