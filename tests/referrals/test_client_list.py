"""The client list at work: a search kept out of the URL, pages without a count, sorting
on every column, its filters (in the list and its download), and VDAB's trainees."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from .test_referral_list import (
    LIST,
    shown,
)

pytestmark = pytest.mark.django_db
CLIENTS = reverse("referrals:client_list")


def test_the_client_search_is_kept_for_the_lists_pages_and_sorts(client, caseworker, referrals):
    client.force_login(caseworker)
    assert len(client.post(CLIENTS, {"q": "aerts"}).context["page"]) == 1
    # Another sort (a link, so a GET) keeps the search; the term is in no URL.
    response = client.get(f"{CLIENTS}?sort=-birth_date")
    assert [c.last_name for c in response.context["page"]] == ["Aerts"]
    assert "aerts" not in "".join(h.url for h in response.context["headings"]).lower()
    client.post(CLIENTS, {"clear": "1"})
    assert len(client.get(CLIENTS).context["page"]) == 3


def test_client_pages_follow_without_counting_all_clients(
    client, caseworker, referrals, monkeypatch
):
    monkeypatch.setattr("referrals.client_views.PAGE_SIZE", 2)
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"{CLIENTS}?sort=name")
    counted = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
    assert not [sql for sql in counted if '"referrals_client"' in sql]
    page = first.context["page"]
    assert [c.last_name for c in page] == ["Aerts", "Bosmans"]
    assert page.has_next and not page.has_previous
    assert page.next_url == "?page=2&sort=name"
    second = client.get(f"{CLIENTS}{page.next_url}")
    assert [c.last_name for c in second.context["page"]] == ["Claeys"]
    assert not second.context["page"].has_next and second.context["page"].has_previous


@pytest.mark.parametrize("column", ["name", "birth_date", "municipality", "consent", "referrals"])
def test_every_client_column_sorts(client, caseworker, referrals, column):
    client.force_login(caseworker)
    ascending = list(client.get(f"{CLIENTS}?sort={column}").context["page"])
    descending = list(client.get(f"{CLIENTS}?sort=-{column}").context["page"])
    assert len(ascending) == 3 and descending == ascending[::-1]
    if column == "name":
        assert [c.last_name for c in ascending] == ["Aerts", "Bosmans", "Claeys"]


def test_vdab_finds_its_trainees_from_the_navigation(client, counsellor, referrals):
    client.force_login(counsellor)
    html = client.get(LIST).content.decode()
    assert f'href="{LIST}?state=in_training"' in html
    response = client.get(f"{LIST}?state=in_training", HTTP_ACCEPT_LANGUAGE="en")
    assert shown(response) == [referrals["bart"]]
    assert "<h1" in response.content.decode() and "Trainees</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("consent=no", {"Claeys"}),
        ("consent=yes", {"Aerts", "Bosmans"}),
        ("open_referral=yes", {"Aerts", "Bosmans", "Claeys"}),
        ("open_referral=no", set()),
        ("consent=maybe", {"Aerts", "Bosmans", "Claeys"}),  # a bad value filters nothing
    ],
)
def test_the_client_list_filters(client, caseworker, referrals, query, expected):
    cas = referrals["cas"].client
    cas.consent_vdab = False
    cas.save(update_fields=["consent_vdab"])
    client.force_login(caseworker)
    response = client.get(f"{CLIENTS}?{query}")
    assert response.status_code == 200
    assert {c.last_name for c in response.context["page"]} == expected
    download = client.get(f"{reverse('referrals:client_list_export')}?{query}")
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == expected
