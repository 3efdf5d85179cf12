"""The small reads and the write every formal agreement makes by fixed statements
(`models.statements`, issue 14): the same rows, in the same order and of the same types, as
the ORM's queries they replace, and the same links as the related manager's `add`, on
SQLite and PostgreSQL alike."""

import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.test.utils import CaptureQueriesContext

from referrals.models import EntryCondition, Referral, TemporaryWorkExperience
from referrals.models.statements import link, rows_where
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


def test_link_adds_the_links_not_there_yet_in_one_statement_and_none_for_nothing():
    field = Referral._meta.get_field("checked_conditions")
    referral, other = referral_in_state("candidate"), referral_in_state("candidate")
    first, second, third = (
        EntryCondition.objects.create(text=text, order=n)
        for n, text in enumerate(["one", "two", "three"])
    )
    referral.checked_conditions.add(first)
    other.checked_conditions.add(second)

    with CaptureQueriesContext(connection) as queries:
        link(field, referral, [first, second, third])
    with CaptureQueriesContext(connection) as nothing:
        link(field, referral, [])

    assert len(queries) == 1 and len(nothing) == 0
    assert set(referral.checked_conditions.all()) == {first, second, third}
    assert list(other.checked_conditions.all()) == [second]  # only this referral's
    # The same links again: nothing added, nothing refused.
    link(field, referral, [second, third])
    assert referral.checked_conditions.count() == 3
