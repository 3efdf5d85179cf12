"""A page far down a list reads its rows' keys first, then those rows (`rows_between`): the
same rows in the same order as a plain OFFSET, with what they show read along (the lists'
`select_related` and annotations), in the application's lists and in the admin's."""

import pytest
from django.core.paginator import Paginator

from accounts import admin_paging
from accounts.admin_paging import CappedPaginator, rows_between
from referrals.listing import Page
from referrals.models import Referral
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrals(ocmw_gent, monkeypatch):
    monkeypatch.setattr(admin_paging, "DEEP", 3)  # deep from the fourth row on
    training = TrainingFactory()
    for n in range(9):
        Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent, last_name=f"N{n % 4}"), training=training
        )
    return Referral.objects.with_related().with_interrupted()


@pytest.mark.parametrize(
    "order",
    [("-state_changed_at", "-pk"), ("client__last_name", "pk"), ("-client__last_name", "-pk")],
)
def test_a_deep_page_has_the_rows_of_an_offset_in_its_order(
    referrals, order, django_assert_num_queries
):
    listed = referrals.order_by(*order)
    expected = list(listed[4:7])

    with django_assert_num_queries(2):  # the keys, then the rows
        rows = rows_between(listed, 4, 7)
        shown = [(row.client.last_name, row.training.title, row.interrupted) for row in rows]

    assert rows == expected
    assert shown == [(r.client.last_name, r.training.title, r.interrupted) for r in expected]


def test_a_shallow_page_is_one_query(referrals, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(rows_between(referrals.order_by("pk"), 0, 3)) == 3


def test_the_lists_page_and_the_admins_read_a_deep_page_by_its_keys(referrals, rf):
    listed = referrals.order_by("-state_changed_at", "-pk")
    everything = list(listed.all())

    page = Page(listed, "3", 2, rf.get("/").GET)  # rows 5 and 6, and one more
    admin = CappedPaginator(listed, 2).page(3)

    assert list(page) == everything[4:6] and page.has_next
    assert list(admin.object_list) == list(Paginator(listed, 2).page(3).object_list)
    assert list(admin.object_list) == everything[4:6]
