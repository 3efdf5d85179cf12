"""The small reads and the write every formal agreement makes by fixed statements
(`models.statements`, issue 14): the same rows, in the same order and of the same types, as
the ORM's queries they replace, and the same links as the related manager's `add`, on
SQLite and PostgreSQL alike."""

import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.signals import m2m_changed
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.enums import InterruptionReason
from referrals.models import EntryCondition, Interruption, Referral, TemporaryWorkExperience
from referrals.models.statements import link, objects_from, objects_where, rows_where
from referrals.services.interruption_history import _around_end_statement
from referrals.services.locks import client_locked
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_the_entry_conditions_are_the_active_ones_of_the_type_in_their_order():
    EntryCondition.objects.all().delete()
    # Their order is not their keys'.
    last = EntryCondition.objects.create(text="last", order=9)
    EntryCondition.objects.create(text="inactive", order=1, active=False)
    other_type = EntryCondition.objects.create(text="HBO only", order=2, okot_types="HBO")
    first = EntryCondition.objects.create(text="first", order=1, okot_types="PBA, HBO")
    tied = EntryCondition.objects.create(text="tied", order=1)
    # The lower key stored after the higher one (PostgreSQL's heap; SQLite reads a table in
    # the order of its keys whatever happens): only the key can put the tie in order.
    EntryCondition.objects.filter(pk=first.pk).update(order=1)

    pba = EntryCondition.applicable_to("PBA")

    assert pba == [first, tied, last]
    assert EntryCondition.applicable_to("HBO") == [first, tied, other_type, last]
    assert pba == [c for c in EntryCondition.objects.filter(active=True) if c.applies_to("PBA")]
    assert [c.text for c in pba] == ["first", "tied", "last"]


def test_the_agreement_reads_the_clients_experiences_earliest_first_as_they_are():
    referral = referral_in_state("candidate")
    client = referral.client
    today = datetime.date(2025, 6, 16)
    gap = TemporaryWorkExperience.objects.create(client=client, start_date=today)
    same_day = TemporaryWorkExperience.objects.create(
        client=client, start_date=today, end_date=today + 10 * DAY, employer="Same day"
    )
    earlier = TemporaryWorkExperience.objects.create(
        client=client, start_date=today - 90 * DAY, end_date=None, employer="Earlier"
    )
    # A lower key stored after a higher one, on the same day: only the key orders the tie.
    key = gap.pk
    gap.delete()
    later = TemporaryWorkExperience.objects.create(
        pk=key, client=client, start_date=today, end_date=today + 30 * DAY, employer="Later"
    )
    TemporaryWorkExperience.objects.create(client=ClientFactory(), start_date=today)

    with client_locked(referral):
        read = client._experiences_read
        with CaptureQueriesContext(connection) as queries:
            clients = [experience.client for experience in read]

    assert read == [earlier, later, same_day]
    assert clients == [client] * 3 and all(each is client for each in clients)
    assert len(queries) == 0  # each knows its client, as the related manager's would
    assert [(e.start_date, e.end_date, e.employer) for e in read] == [
        (today - 90 * DAY, None, "Earlier"),
        (today, today + 30 * DAY, "Later"),
        (today, today + 10 * DAY, "Same day"),
    ]
    assert all(type(e.start_date) is datetime.date for e in read)
    assert client.temporary_work_experience_from(today + 20 * DAY) == earlier


def test_a_fixed_statement_matches_every_field_given_and_orders_either_way():
    client = ClientFactory()
    day = datetime.date(2025, 1, 1)
    first, tied, later = (
        TemporaryWorkExperience.objects.create(client=client, start_date=start)
        for start in (day, day, day + DAY)
    )
    TemporaryWorkExperience.objects.create(client=client, start_date=day, employer="Elsewhere")
    TemporaryWorkExperience.objects.create(client=ClientFactory(), start_date=day)

    def read(where, order_by, params):
        statement = rows_where(TemporaryWorkExperience, DEFAULT_DB_ALIAS, where, order_by)
        return list(TemporaryWorkExperience.objects.raw(statement, params))

    assert read(("client", "employer"), ("-start_date", "pk"), [client.pk, ""]) == [
        later,
        first,
        tied,
    ]
    assert read(("employer", "client"), ("start_date", "-pk"), ["", client.pk]) == [
        tied,
        first,
        later,
    ]


def test_fixed_reads_make_the_objects_the_orm_makes(caseworker):
    """Every field of an interruption as the ORM reads it, value and type: the dates, the
    time it was recorded (aware: SQLite keeps it as text, converted on the way out), and a
    time as a parameter (adapted on the way in, as Django's raw query does)."""
    trainee = referral_in_state("in_training")
    recorded_at = timezone.now().replace(microsecond=123456)
    stored = Interruption.objects.create(
        referral=trainee,
        reason=InterruptionReason.ILLNESS,
        from_date=datetime.date(2026, 2, 2),
        note="Griep",
        recorded_by=caseworker,
        recorded_at=recorded_at,
    )
    by_orm = Interruption.objects.get(pk=stored.pk)
    names = [field.attname for field in Interruption._meta.concrete_fields]

    with transaction.atomic():  # the statement locks what it reads, where rows are locked
        (around_end,) = objects_from(
            Interruption,
            DEFAULT_DB_ALIAS,
            _around_end_statement(DEFAULT_DB_ALIAS),
            [trainee.pk, datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)],
        )
    (by_time,) = objects_where(Interruption, DEFAULT_DB_ALIAS, ("recorded_at",), (), [recorded_at])

    for read in (around_end, by_time):
        assert read == by_orm and not read._state.adding and read._state.db == DEFAULT_DB_ALIAS
        assert [(getattr(read, n), type(getattr(read, n))) for n in names] == [
            (getattr(by_orm, n), type(getattr(by_orm, n))) for n in names
        ]
    assert by_time.recorded_at == recorded_at and by_time.to_date is None


def test_link_adds_the_links_not_there_yet_in_one_statement_and_none_for_nothing(
    django_assert_num_queries,
):
    field = Referral._meta.get_field("checked_conditions")
    referral, other = referral_in_state("candidate"), referral_in_state("candidate")
    first, second, third = (
        EntryCondition.objects.create(text=text, order=n)
        for n, text in enumerate(["one", "two", "three"])
    )
    referral.checked_conditions.add(first)
    other.checked_conditions.add(second)
    prefetched = Referral.objects.prefetch_related("checked_conditions").get(pk=referral.pk)
    assert list(prefetched.checked_conditions.all()) == [first]

    with django_assert_num_queries(1):
        link(field, prefetched, [first, second, third])
    with django_assert_num_queries(0):
        link(field, referral, [])

    # The prefetched links read again, as after the related manager's `add`.
    assert set(prefetched.checked_conditions.all()) == {first, second, third}
    assert list(other.checked_conditions.all()) == [second]  # only this referral's
    # The same links again: nothing added, nothing refused.
    link(field, referral, [second, third])
    assert referral.checked_conditions.count() == 3


def test_link_tells_whoever_listens_to_m2m_changed():
    field = Referral._meta.get_field("checked_conditions")
    referral = referral_in_state("candidate")
    condition = EntryCondition.objects.create(text="one", order=1)
    heard = []

    def listener(sender, instance, action, pk_set, **kwargs):
        heard.append((instance, action, pk_set))

    m2m_changed.connect(listener, sender=field.remote_field.through)
    try:
        link(field, referral, [condition])
    finally:
        m2m_changed.disconnect(listener, sender=field.remote_field.through)

    assert heard == [(referral, "pre_add", {condition.pk}), (referral, "post_add", {condition.pk})]
    assert list(referral.checked_conditions.all()) == [condition]
