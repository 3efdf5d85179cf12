"""What audit.reads keeps of a search, and how it finds whom a row is about."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Entry, Kind
from audit.reads import CLIENT, OF_REFERRAL, REFERRAL, listed, masked_query, searched
from audit.trail import record_many
from notifications.models import Notification
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


@pytest.mark.django_db
def test_the_subjects_of_rows_read_without_their_referral_come_in_one_query(
    django_assert_num_queries,
):
    referrals = ReferralFactory.create_batch(3)
    notes = [
        GuidanceNote.objects.create(
            referral=referral, author=referral.created_by, topic="progress", note="Goed."
        )
        for referral in [*referrals, referrals[0]]
    ]
    expected = [(note.referral.client_id, note.referral_id) for note in notes]

    bare = list(GuidanceNote.objects.order_by("pk"))
    with django_assert_num_queries(1):
        assert OF_REFERRAL.of_all(bare) == expected
    joined = list(GuidanceNote.objects.select_related("referral").order_by("pk"))
    with django_assert_num_queries(0):
        assert OF_REFERRAL.of_all(joined) == expected
    with django_assert_num_queries(1):  # some loaded, some not
        assert OF_REFERRAL.of_all([joined[0], *bare[1:]]) == expected
    with django_assert_num_queries(0):
        assert OF_REFERRAL.of_all([]) == []


@pytest.mark.django_db
def test_a_message_about_no_referral_names_no_one(django_assert_num_queries):
    referral = ReferralFactory()
    about, general = (
        Notification.objects.create(
            recipient=referral.created_by,
            channel=Notification.Channel.IN_APP,
            kind="intake_planned",
            referral=subject,
            subject="Intake",
            body="",
            idempotency_key=key,
        )
        for subject, key in [(referral, "about"), (None, "general")]
    )

    messages = list(Notification.objects.order_by("pk"))
    with django_assert_num_queries(1):
        subjects = OF_REFERRAL.of_all(messages)

    assert subjects == [(referral.client_id, referral.pk), (None, None)]


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
def test_a_read_of_many_writes_one_row_naming_each_subject_once(rf, django_assert_num_queries):
    """One row for the read: who, when, from where and what once, the clients and the
    referrals it showed as two lists, each id once in the order shown."""
    request = rf.get("/referrals/", REMOTE_ADDR="2001:db8::7")
    request.user = CaseworkerFactory()
    subjects = [(7, 70), (8, None), (7, 70), (9, 90), (7, 71)]
    detail = {"hits": 3, "on": datetime.date(2026, 12, 2), "id": uuid.UUID(int=5)}
    before = timezone.now()

    with django_assert_num_queries(1):
        written = record_many(Kind.SEARCH, request=request, subjects=subjects, detail=detail)

    after = timezone.now()
    (row,) = Entry.objects.all()
    assert row == written
    assert (row.client_id, row.referral_id) == (None, None)
    assert (row.client_ids, row.referral_ids) == ([7, 8, 9], [70, 90, 71])
    user = request.user
    assert (row.kind, row.actor_id, row.actor_name, row.organisation_id) == (
        Kind.SEARCH,
        user.pk,
        user.username,
        user.organisation_id,
    )
    assert (row.path, row.ip_address) == ("/referrals/", "2001:db8::7")
    assert before <= row.at <= after
    assert row.detail == {"hits": 3, "on": "2026-12-02", "id": str(uuid.UUID(int=5))}


@pytest.mark.django_db
def test_a_read_of_one_is_written_as_a_page_about_one(rf):
    """A list or a search that showed one client (or one referral, however often) names it
    as a page about it does, where the trail's index on the client finds it."""
    request = rf.get("/clients/")
    request.user = CaseworkerFactory()

    record_many(Kind.VIEW, request=request, subjects=[(7, 70), (7, 70)])
    record_many(Kind.VIEW, request=request, subjects=[(8, None), (None, None)])
    record_many(Kind.VIEW, request=request, subjects=[(None, 90)])

    rows = Entry.objects.order_by("pk")
    assert [(r.client_id, r.referral_id, r.client_ids, r.referral_ids) for r in rows] == [
        (7, 70, None, None),
        (8, None, None, None),
        (None, 90, None, None),
    ]


def test_a_row_names_its_subject_in_one_shape_only(make_entry):
    """The database refuses a row with a subject of its own and lists too: the admin, the
    export and subject access read one or the other (`Entry.clients`)."""
    assert make_entry(client_ids=[1, 2], referral_ids=[3]).clients == [1, 2]
    assert make_entry(client_id=1, referral_id=3).referrals == [3]

    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(client_id=1, client_ids=[1, 2])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(referral_id=3, referral_ids=[3, 4])


def test_a_list_is_searched_for_a_number_only():
    with pytest.raises(TypeError, match="takes a number"):
        Entry.objects.filter(client_ids__holds="7")
    with pytest.raises(TypeError, match="takes a number"):
        Entry.objects.filter(client_ids__holds=True)


def test_a_persons_rows_are_found_alone_or_among_others(make_entry):
    """`about_client` and `about_referrals` find a row naming the client (or referral) in
    its own column, in a read's lists, or in the rows written one per client before the
    lists existed; not a row that names the same number as the other kind of subject."""
    alone = make_entry(client_id=7, referral_id=70)
    among = make_entry(client_ids=[6, 7, 8], referral_ids=[60, 70])
    old_list_row = make_entry(client_id=7)
    make_entry(client_id=70)  # client 70, not referral 70
    make_entry(client_ids=[70, 71], referral_ids=[7])  # the reverse
    other = make_entry(client_ids=[17, 77], referral_ids=[700])

    assert set(Entry.objects.about_client(7)) == {alone, among, old_list_row}
    assert set(Entry.objects.about_referrals([70])) == {alone, among}
    assert set(Entry.objects.about_referrals([60, 700])) == {among, other}
    assert not Entry.objects.about_referrals([]).exists()
