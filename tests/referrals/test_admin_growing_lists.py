"""The admin's lists of the tables that grow with the referrals (the history, messages,
check-ups, consents, ...: millions of rows in time) stay fast at that size: a count that
stops at a cap and is counted in no order, no date hierarchy (a date filter instead), the
latest recorded first, and the history's steps offered without reading them from it."""

from datetime import date

import pytest
from django.contrib.admin import ShowFacets, site
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.admin_paging import (
    CappedPaginator,
    DateOrYearFilter,
    GrowingListMixin,
    count_first,
)
from referrals.enums import AtWork, State
from referrals.models import Client, OutcomeCheck, Referral, ReferralEvent
from tests.referrals.factories import referral_in_state

pytestmark = pytest.mark.django_db


def grows_with_the_referrals(model) -> bool:
    """A referral or a client, or a row of one (their history, messages, consents, ...)."""
    related = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
    return model in (Referral, Client) or bool(related & {Referral, Client})


GROWING = [ma for ma in site._registry.values() if grows_with_the_referrals(ma.model)]
HISTORY = reverse("admin:referrals_referralevent_changelist")


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def test_the_lists_that_grow_with_the_referrals_are_found():
    """The rule below is about these, not about no list at all."""
    assert {ma.model for ma in GROWING} >= {Referral, Client, ReferralEvent}
    assert len(GROWING) >= 10


@pytest.mark.parametrize("model_admin", GROWING, ids=lambda ma: ma.opts.label_lower)
def test_a_list_that_grows_with_the_referrals_counts_to_a_cap_without_a_date_hierarchy(
    model_admin,
):
    assert issubclass(model_admin.paginator, CappedPaginator)
    assert model_admin.show_full_result_count is False
    assert model_admin.date_hierarchy is None
    assert model_admin.show_facets is ShowFacets.NEVER


@pytest.mark.parametrize(
    "model_admin",
    [ma for ma in GROWING if isinstance(ma, GrowingListMixin)],
    ids=lambda ma: ma.opts.label_lower,
)
def test_each_list_answers_with_its_date_filter(admin_user_client, model_admin):
    """The date of its former hierarchy is one of its filters, which the list takes (one
    it did not offer is dropped, with a redirect: `SessionSearchMixin`)."""
    fields = {f.name: f for f in model_admin.model._meta.get_fields()}
    dates = [
        name
        for name, how in (f for f in model_admin.list_filter if isinstance(f, tuple))
        if isinstance(fields.get(name), models.DateField)  # a time too: its subclass
        and how is DateOrYearFilter
    ]
    assert dates
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    for name in dates:
        # The filter's "today", as its own link gives it: a time of a time, a day of a day.
        since = midnight if isinstance(fields[name], models.DateTimeField) else midnight.date()
        response = admin_user_client.get(url, {f"{name}__gte": str(since)})
        assert response.status_code == 200, name


def test_a_date_filter_offers_the_ten_years_before_this_one_and_narrows_to_one(
    admin_user_client, ended_referral
):
    """The years a date hierarchy offered, from today: the check-ups of last year alone."""
    year = timezone.localdate().year
    last_year = OutcomeCheck.objects.create(
        referral=ended_referral, months=6, at_work=AtWork.NO, checked_on=date(year - 1, 3, 1)
    )
    OutcomeCheck.objects.create(
        referral=ended_referral, months=12, at_work=AtWork.NO, checked_on=date(year, 1, 1)
    )
    url = reverse("admin:referrals_outcomecheck_changelist")

    (spec,) = [
        f
        for f in admin_user_client.get(url).context["cl"].filter_specs
        if isinstance(f, DateOrYearFilter)
    ]
    links = dict(spec.links)
    response = admin_user_client.get(url, {k: str(v) for k, v in links[str(year - 1)].items()})

    assert [title for title, _params in spec.links][-10:] == [
        str(y) for y in range(year - 1, year - 11, -1)
    ]
    assert shown(response) == [last_year]


def test_the_history_shows_the_latest_recorded_line_first(admin_user_client):
    referral = referral_in_state(State.AGREED)
    lines = list(ReferralEvent.objects.filter(referral=referral).order_by("pk"))
    assert len(lines) >= 2

    assert shown(admin_user_client.get(HISTORY))[: len(lines)] == lines[::-1]


def test_the_history_offers_its_steps_without_asking_the_table_for_them(admin_user_client):
    agreed = referral_in_state(State.AGREED)
    candidate = referral_in_state(State.CANDIDATE)

    with CaptureQueriesContext(connection) as captured:
        page = admin_user_client.get(HISTORY)
    filtered = admin_user_client.get(HISTORY, {"transition": "agree"})

    assert not [q["sql"] for q in captured if "DISTINCT" in q["sql"]]
    assert "?transition=agree" in page.content.decode()
    assert [e.referral for e in shown(filtered)] == [agreed]
    assert candidate not in [e.referral for e in shown(filtered)]


def test_a_capped_count_is_counted_in_no_order(admin_user_client):
    """Counted in the list's order, the database walks the rows in that order to find the
    first 10,001 (the referrals searched for a common first name: 931 ms against 354)."""
    referral_in_state(State.CANDIDATE)

    with CaptureQueriesContext(connection) as captured:
        response = admin_user_client.get(reverse("admin:referrals_referral_changelist"))

    counts = [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(*)")]
    assert response.context["cl"].result_count == 1
    assert counts and not [sql for sql in counts if "ORDER BY" in sql]


@pytest.mark.django_db
def test_a_subset_counted_first_is_the_lists_own_and_used_once():
    """A search's subset (`count_first`) counts for the list of its rows, once; not for a
    list of another model's rows, nor for a list made distinct (a filter that joins many
    rows to one), of which the subset may hold a row twice."""
    history = site._registry[ReferralEvent]
    events = ReferralEvent.objects.all()

    def paginated(request, queryset):
        return history.get_paginator(request, queryset, 100).subset

    request = RequestFactory().get("/")
    count_first(request, events)
    assert paginated(request, events) is events
    assert paginated(request, events) is None
    for other in (Referral.objects.all(), events.distinct()):
        count_first(request, events)
        assert paginated(request, other) is None
