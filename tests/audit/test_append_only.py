"""The trail is append-only: no update or delete through the model, the queryset or, on
PostgreSQL, raw SQL; only the retention's purge deletes, and leaves its own row."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import trail
from audit.models import AppendOnlyError, Entry, Kind, Purge
from tests.accounts.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return trail.record(Kind.VIEW, user=CaseworkerFactory(), client=7, detail={"page": "x"})


def test_a_row_records_who_and_whom(entry):
    entry.refresh_from_db()
    assert (entry.client_id, entry.actor_name) == (7, entry.actor.username)
    assert entry.organisation_id == entry.actor.organisation_id


def test_saving_a_row_again_is_refused(entry):
    entry.detail = {"page": "changed"}
    with pytest.raises(AppendOnlyError):
        entry.save()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: e.delete(),
        lambda e: Entry.objects.filter(pk=e.pk).delete(),
        lambda e: Entry.objects.filter(pk=e.pk).update(actor_name="someone else"),
    ],
    ids=["instance delete", "queryset delete", "queryset update"],
)
def test_orm_refuses_changes(entry, attempt):
    with pytest.raises(AppendOnlyError):
        attempt(entry)
    assert Entry.objects.get(pk=entry.pk).actor_name == entry.actor_name


# What the database itself refuses: updates everywhere; deletes on PostgreSQL (SQLite's test
# flush deletes row by row, so there the model and queryset refuse them).
RAW_REFUSED = ["UPDATE audit_entry SET actor_name = 'x' WHERE id = %s"] + (
    ["DELETE FROM audit_entry WHERE id = %s"] if connection.vendor == "postgresql" else []
)


@pytest.mark.parametrize("sql", RAW_REFUSED)
def test_database_refuses_raw_changes(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert Entry.objects.filter(pk=entry.pk, actor_name=entry.actor_name).exists()


def test_purge_deletes_only_older_rows_and_records_itself(entry):
    old = trail.record(Kind.VIEW, user=entry.actor, client=8)
    cutoff = timezone.now() - datetime.timedelta(days=1)
    # A row as it would be after years.
    backdated = Entry.objects.create(
        kind=Kind.VIEW, at=cutoff - datetime.timedelta(days=1), client_id=9
    )
    assert trail.purge_before(cutoff) == 1
    assert not Entry.objects.filter(pk=backdated.pk).exists()
    assert Entry.objects.filter(pk__in=[entry.pk, old.pk]).count() == 2
    assert Purge.objects.get().deleted == 1
