"""Reads of personal data in Django admin leave their rows in the audit trail: the change,
history and delete pages of every model of personal data (tests/audit/admin_models.py),
its list and its searches, an action's confirmation, the autocomplete fields and the
referral's step pages, each as the administrator who may see them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.be import ssn

from audit.models import Entry, Kind
from audit.trail import mask_insz
from tests.audit.admin_models import (
    MODELS,
    PERSONAL,
    about,
    assert_rows,
    message,
    page_url,
    read_rows,
    subjects_of,
)
from tests.referrals.factories import ReferralFactory, TemporaryWorkExperienceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(db):
    return ReferralFactory()


@pytest.mark.parametrize("page", ["change", "history"])
@pytest.mark.parametrize("label", PERSONAL)
def test_a_rows_page_records_a_view_of_its_client(client, administrator, referral, label, page):
    row = MODELS[label].make(referral)
    client.force_login(administrator)
    url = page_url(label, page, row.pk)

    response = client.get(url)

    assert response.status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {about(label, referral)}, administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_deletions_confirmation_records_a_view_and_a_refusal_none(
    client, administrator, referral, label
):
    row = MODELS[label].make(referral)
    client.force_login(administrator)
    url = page_url(label, "delete", row.pk)

    response = client.get(url)

    if MODELS[label].deletable:
        assert response.status_code == 200
        assert_rows(read_rows(), Kind.VIEW, {about(label, referral)}, administrator, url)
    else:
        assert response.status_code == 403
        assert not read_rows().exists()


def test_a_change_page_saved_records_no_read(client, administrator, referral):
    """Saved, a change page redirects (the change is recorded as one); refused, it shows
    the row again, with the errors: a view."""
    experience = TemporaryWorkExperienceFactory(client=referral.client)
    client.force_login(administrator)
    url = page_url("referrals.temporaryworkexperience", "change", experience.pk)
    data = {"client": referral.client_id, "start_date": experience.start_date, "employer": "X"}

    assert client.post(url, data).status_code == 302
    assert not read_rows().exists()

    assert client.post(url, {**data, "start_date": "no date"}).status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {(referral.client_id, None)}, administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_list_records_each_row_shown(client, administrator, label):
    for _ in range(3):
        MODELS[label].make(ReferralFactory())
    client.force_login(administrator)
    url = page_url(label, "changelist")

    response = client.get(url)

    shown = subjects_of(label, response.context["cl"].result_list)
    assert len(shown) == 3
    assert_rows(read_rows(), Kind.VIEW, shown if MODELS[label].lists else set(), administrator, url)


@pytest.mark.parametrize("label", PERSONAL)
def test_a_search_records_the_term_its_hits_and_each_hit_shown(
    client, administrator, referral, label
):
    MODELS[label].make(referral)
    MODELS[label].make(ReferralFactory())  # someone else, not found
    client.force_login(administrator)
    url = page_url(label, "changelist")
    term = referral.client.last_name

    response = client.post(url, {"q": term}, follow=True)  # the term goes to the session

    changelist = response.context["cl"]
    assert changelist.query == term
    assert about(label, referral) in subjects_of(label, changelist.result_list)
    rows = read_rows()
    assert_rows(rows, Kind.SEARCH, subjects_of(label, changelist.result_list), administrator, url)
    for row in rows:
        assert row.detail == {"query": term, "hits": changelist.result_count}


def test_a_search_by_national_number_keeps_it_masked(client, administrator, referral):
    client.force_login(administrator)
    number = referral.client.insz

    client.post(page_url("referrals.client", "changelist"), {"q": number}, follow=True)

    (row,) = read_rows()
    assert (row.kind, row.client_id) == (Kind.SEARCH, referral.client_id)
    assert row.detail == {"query": mask_insz(number), "hits": 1}


@pytest.mark.parametrize("label", [label for label in PERSONAL if MODELS[label].lists])
def test_a_list_costs_the_same_queries_with_1_and_with_6_rows(client, administrator, label):
    """Each row's client and referral come with the row (select_related), and the trail's
    rows in one INSERT."""
    client.force_login(administrator)
    url = page_url(label, "changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    MODELS[label].make(ReferralFactory())
    queries()  # warm up: session, permissions
    with_1 = queries()
    for _ in range(5):
        MODELS[label].make(ReferralFactory())

    assert queries() == with_1


def test_a_search_of_the_outbox_costs_the_same_queries_with_1_and_with_6_hits(
    client, administrator
):
    """The outbox's list records only searches: its messages' referrals come with them."""
    client.force_login(administrator)
    url = page_url("notifications.notification", "changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    message(ReferralFactory())
    client.post(url, {"q": "Opleiding gestart"})
    queries()
    with_1 = queries()
    for _ in range(5):
        message(ReferralFactory())

    assert queries() == with_1
    last_search = read_rows().filter(kind=Kind.SEARCH).latest("pk")
    assert len(last_search.client_ids) == 6


def test_deleting_selected_rows_asks_first_and_records_whom_it_lists(client, administrator):
    clients = [ReferralFactory().client for _ in range(2)]
    client.force_login(administrator)
    url = page_url("referrals.client", "changelist")

    response = client.post(
        url, {"action": "delete_selected", "_selected_action": [c.pk for c in clients]}
    )

    assert response.status_code == 200  # the confirmation (they have referrals: refused)
    assert_rows(read_rows(), Kind.VIEW, {(c.pk, None) for c in clients}, administrator, url)


# --- the admin's own pages of personal data --------------------------------------------------


def autocomplete(http, term: str):
    url = reverse("admin:autocomplete")
    query = "?app_label=referrals&model_name=temporaryworkexperience&field_name=client"
    return url, http.post(url + query, {"term": term})


def test_an_autocomplete_field_records_its_choices(client, administrator, referral):
    ReferralFactory()  # someone else
    client.force_login(administrator)
    term = referral.client.last_name

    url, response = autocomplete(client, term)

    found = {int(result["id"]) for result in response.json()["results"]}
    assert referral.client_id in found
    rows = read_rows()
    assert_rows(rows, Kind.SEARCH, {(pk, None) for pk in found}, administrator, url)
    assert {row.detail["query"] for row in rows} == {term}

    # Nothing typed: the field offers the first clients, a view of each.
    url, response = autocomplete(client, "")
    offered = {(int(result["id"]), None) for result in response.json()["results"]}
    assert len(offered) == 2
    assert_rows(read_rows().filter(kind=Kind.VIEW), Kind.VIEW, offered, administrator, url)


def test_a_steps_page_records_its_referral(client, administrator, referral):
    client.force_login(administrator)
    url = reverse("admin:referrals_referral_step", args=[referral.pk, "withdraw"])

    response = client.get(url)

    assert response.status_code == 200
    assert_rows(read_rows(), Kind.VIEW, {(referral.client_id, referral.pk)}, administrator, url)


def test_the_admins_trail_never_holds_a_national_number(client, administrator, referral):
    client.force_login(administrator)
    for label in PERSONAL:
        row = MODELS[label].make(referral)
        client.get(page_url(label, "change", row.pk))
        client.get(page_url(label, "changelist"))
    for number in (referral.client.insz, ssn.format(referral.client.insz)):
        client.post(page_url("referrals.client", "changelist"), {"q": number}, follow=True)
        autocomplete(client, number)

    rows = str(list(Entry.objects.values()))
    # The admin finds a number as stored (compact): the formatted one finds no one.
    assert Entry.objects.filter(kind=Kind.SEARCH, client_id=referral.client_id).count() == 2
    assert Entry.objects.filter(kind=Kind.SEARCH, client_id=None).count() == 2
    insz = referral.client.insz
    for number in (insz, ssn.format(insz), insz[:9]):
        assert number not in rows
