"""What audit.reads keeps of a search, and how it finds whom a row is about."""

import datetime
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import Entry, Kind
from audit.reads import CLIENT, OF_REFERRAL, REFERRAL, listed, masked_query, searched
from audit.trail import record_many
from referrals.models import GuidanceNote
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.factories import ReferralFactory


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Peeters", "Peeters"),
        ("85073003328", "••••••••328"),
        ("85.07.30-033.28", "••••••••328"),
        ("850730 033 28", "••••••••328"),
        ("Jan 850730", "Jan •••730"),
        ("  Peeters 12  ", "Peeters 12"),
        ("", ""),
    ],
)
def test_a_search_is_kept_with_its_numbers_masked(typed, kept):
    assert masked_query(typed) == kept


@pytest.mark.django_db
def test_a_rows_subject_comes_from_the_row_or_in_one_query(django_assert_num_queries):
    referral = ReferralFactory()
    note = GuidanceNote.objects.create(
        referral=referral, author=referral.created_by, topic="progress", note="Goed."
    )
    expected = (referral.client_id, referral.pk)
    assert OF_REFERRAL.of(note) == expected

    assert REFERRAL.of(referral) == expected
    assert CLIENT.of(referral.client) == (referral.client_id, None)
    with django_assert_num_queries(1):
        assert OF_REFERRAL.of_queryset(GuidanceNote.objects.all()) == [expected]
    assert OF_REFERRAL.relations() == ["referral"]


@pytest.mark.django_db
def test_a_list_of_no_one_writes_nothing_but_a_search_of_no_one_its_row(rf):
    request = rf.get("/clients/")
    request.user = CaseworkerFactory()

    listed(request, [(None, None)])
    assert not Entry.objects.exists()

    searched(request, "Niemand", [], hits=0)
    (row,) = Entry.objects.all()
    assert (row.kind, row.client_id, row.detail) == (
        Kind.SEARCH,
        None,
        {"query": "Niemand", "hits": 0},
    )


@pytest.mark.django_db
def test_a_page_of_many_writes_every_value_on_each_row_and_each_subject_once(
    rf, django_assert_num_queries
):
    """One INSERT for the lot (on PostgreSQL the subjects go as two arrays beside what the
    rows share): each row still holds the whole of who, when, from where and what."""
    request = rf.get("/referrals/", REMOTE_ADDR="2001:db8::7")
    request.user = CaseworkerFactory()
    subjects = [(7, 70), (8, None), (7, 70), (9, 90)]
    detail = {"hits": 3, "on": datetime.date(2026, 12, 2), "id": uuid.UUID(int=5)}
    before = timezone.now()

    with django_assert_num_queries(1) as queries:
        written = record_many(Kind.SEARCH, request=request, subjects=subjects, detail=detail)

    after = timezone.now()
    if connection.vendor == "postgresql":
        assert "UNNEST" in queries.captured_queries[0]["sql"]
    rows = list(Entry.objects.order_by("pk"))
    assert written == 3
    assert sorted((row.client_id, row.referral_id or 0) for row in rows) == [
        (7, 70),
        (8, 0),
        (9, 90),
    ]
    user = request.user
    for row in rows:
        assert (row.kind, row.actor_id, row.actor_name, row.organisation_id) == (
            Kind.SEARCH,
            user.pk,
            user.username,
            user.organisation_id,
        )
        assert (row.path, row.ip_address) == ("/referrals/", "2001:db8::7")
        assert before <= row.at <= after
        assert row.detail == {"hits": 3, "on": "2026-12-02", "id": str(uuid.UUID(int=5))}
    assert len({row.at for row in rows}) == 1
