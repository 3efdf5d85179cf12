"""`inserting.insert_new`, the outboxes' one INSERT ... ON CONFLICT DO NOTHING RETURNING
(written by hand: Django's bulk_create returns no keys with a conflict clause): the rows
not stored yet go in with one statement and no savepoint, come back in their order with
their keys, and a row whose unique key is taken is left out, on every database; where the
database returns no rows from an insert, the same through lookups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.inserting import insert_new
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def message(recipient, key: str) -> Notification:
    return Notification(
        idempotency_key=key,
        recipient=recipient,
        channel=Notification.Channel.IN_APP,
        kind=Kind.STARTED,
        subject=f"subject {key}",
        body="body",
    )


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "lookups"])
def test_only_the_rows_not_stored_yet_go_in_and_come_back_with_their_keys(
    caseworker, monkeypatch, returning
):
    if not returning:
        monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    taken = Notification.objects.create(
        idempotency_key="b", recipient=caseworker, kind=Kind.STARTED, subject="first", body="x"
    )
    rows = [message(caseworker, key) for key in ("c", "b", "a")]

    written = insert_new(Notification, rows, unique=["idempotency_key"])

    assert [row.idempotency_key for row in written] == ["c", "a"]
    stored = dict(Notification.objects.values_list("idempotency_key", "pk"))
    assert [row.pk for row in written] == [stored["c"], stored["a"]]
    assert not any(row._state.adding for row in written)
    assert Notification.objects.get(pk=taken.pk).subject == "first"


def test_one_statement_without_a_savepoint(caseworker):
    rows = [message(caseworker, f"key-{n}") for n in range(5)]

    with CaptureQueriesContext(connection) as queries:
        written = insert_new(Notification, rows, unique=["idempotency_key"])

    assert len(written) == 5
    [statement] = [query["sql"] for query in queries]
    assert statement.startswith('INSERT INTO "notifications_notification"')
    assert "ON CONFLICT DO NOTHING RETURNING" in statement


def test_nothing_new_writes_nothing(caseworker):
    insert_new(Notification, [message(caseworker, "k")], unique=["idempotency_key"])

    assert insert_new(Notification, [message(caseworker, "k")], unique=["idempotency_key"]) == []
    assert insert_new(Notification, [], unique=["idempotency_key"]) == []
    assert Notification.objects.count() == 1


def test_more_rows_than_one_statement_takes_all_come_back(caseworker):
    """SQLite takes some fifty of these rows a statement (999 parameters)."""
    rows = [message(caseworker, f"key-{n:03d}") for n in range(120)]

    written = insert_new(Notification, rows, unique=["idempotency_key"])

    assert [row.idempotency_key for row in written] == [f"key-{n:03d}" for n in range(120)]
    assert len({row.pk for row in written}) == 120
