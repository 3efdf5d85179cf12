"""`inserting.insert_new`, the outboxes' one INSERT ... ON CONFLICT DO NOTHING RETURNING
(written by hand: Django's bulk_create returns no keys with a conflict clause): the rows
not stored yet go in with one statement and no savepoint, come back in their order with
their keys, and a row whose unique key is taken is left out, on every database; where the
database returns no rows from an insert, the same through lookups."""

import decimal
import json
import uuid

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.inserting import ARRAYS_FROM, insert_new
from notifications.models import Kind, Notification
from tests.referrals.factories import ReferralFactory
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

# The arrays of PostgreSQL's statement; SQLite neither needs them nor holds a text to its
# column's length.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statement and column lengths"
)


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


@postgres_only
def test_a_statement_of_many_rows_is_the_same_whatever_their_number(caseworker):
    """One array a column: psycopg parses the text once, not a placeholder a value each call
    (a reminder to a region's counsellors had some 3,500). A few rows go in as VALUES."""
    sent = []  # each statement as given to the cursor, before psycopg fills it in

    def kept(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    statements = {}
    for count in (2, ARRAYS_FROM, 50, 120):
        rows = [message(caseworker, f"{count}-{n}") for n in range(count)]
        with connection.execute_wrapper(kept):
            assert len(insert_new(Notification, rows, unique=["idempotency_key"])) == count
        statements[count] = sent.pop()
    assert " VALUES " in statements[2]
    assert len({statements[ARRAYS_FROM], statements[50], statements[120]}) == 1
    assert "SELECT * FROM unnest(" in statements[120]
    assert statements[120].count("%s") == len(Notification._meta.concrete_fields) - 1
    assert Notification.objects.count() == 2 + ARRAYS_FROM + 50 + 120


@postgres_only
@pytest.mark.parametrize("count", [1, ARRAYS_FROM], ids=["values", "arrays"])
def test_a_value_too_long_for_its_column_is_refused_not_cut(caseworker, count):
    rows = [message(caseworker, f"short-{n}") for n in range(count - 1)]
    rows.append(message(caseworker, "x" * 201))

    with pytest.raises(DataError), transaction.atomic():
        insert_new(Notification, rows, unique=["idempotency_key"])

    assert not Notification.objects.exists()


@pytest.mark.parametrize("count", [1, ARRAYS_FROM], ids=["values", "arrays"])
def test_every_kind_of_value_goes_in_as_given(caseworker, count):
    """Texts with quotes, braces and a backslash, a missing value, a moment, a flag."""
    now, referral = timezone.now(), ReferralFactory()
    row = Notification(
        idempotency_key='k,{"} \\ é',
        recipient=caseworker,
        channel=Notification.Channel.EMAIL,
        kind=Kind.STARTED,
        referral=referral,
        subject='"Quoted", {braced}, a\\backslash',
        body="NULL",
        body_html="",
        queued_at=now,
        sent_at=None,
        in_digest=True,
    )

    others = [message(caseworker, f"other-{n}") for n in range(count - 1)]

    [written, *_others] = insert_new(Notification, [row, *others], unique=["idempotency_key"])

    stored = Notification.objects.get(pk=written.pk)
    assert stored.idempotency_key == 'k,{"} \\ é'
    assert stored.subject == '"Quoted", {braced}, a\\backslash'
    assert (stored.body, stored.body_html, stored.sent_at) == ("NULL", "", None)
    assert (stored.queued_at, stored.in_digest, stored.referral_id) == (now, True, referral.pk)


@pytest.mark.parametrize("count", [1, ARRAYS_FROM], ids=["values", "arrays"])
def test_a_row_that_breaks_another_constraint_is_refused(caseworker, count):
    rows = [message(caseworker, f"k-{n}") for n in range(count)]
    rows[-1].attempts = -1

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(Notification, rows, unique=["idempotency_key"])

    assert not Notification.objects.exists()


def test_a_webhooks_payloads_and_event_ids_go_in_as_given(caseworker):
    """The webhooks' outbox: a JSON payload with its own encoder (a moment, an amount, a
    key, quotes and backslashes), an event id, a status code nobody has yet; through VALUES
    and, for as many deliveries as the arrays take, through arrays."""
    subscription = Subscription.objects.create(
        organisation=caseworker.organisation, url="https://example.org/hook", kinds=["apply"]
    )
    referral, now = ReferralFactory(), timezone.now()
    payload = {
        "at": now,
        "amount": decimal.Decimal("12.50"),
        "id": uuid.UUID(int=7),
        "text": 'a "quote", a \\ backslash, {braces}',
        "none": None,
    }
    deliveries = [
        Delivery(
            subscription=subscription,
            event_id=uuid.UUID(int=n),
            kind="apply",
            referral=referral,
            payload=payload,
            created_at=now,
            queued_at=now,
        )
        for n in range(ARRAYS_FROM + 1)
    ]

    written = insert_new(Delivery, deliveries[:1], unique=["event_id", "subscription"])
    written += insert_new(Delivery, deliveries, unique=["event_id", "subscription"])

    assert [d.event_id for d in written] == [uuid.UUID(int=n) for n in range(ARRAYS_FROM + 1)]
    stored = {d.event_id: d for d in Delivery.objects.all()}
    assert len(stored) == ARRAYS_FROM + 1
    for delivery in stored.values():
        assert delivery.payload == json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        assert (delivery.response_status, delivery.status) == (None, Delivery.Status.PENDING)
        assert (delivery.referral_id, delivery.created_at) == (referral.pk, now)
