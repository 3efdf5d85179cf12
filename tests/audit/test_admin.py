"""The audit trail in Django admin: read-only for everyone, superusers included; filtered by
person, client, referral, organisation, kind and period; searched by person; exported as CSV
(the filtered rows only, and the export leaves its own row); fast with many rows."""

import csv
import datetime
import io

import pytest
from django.contrib.admin import site
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.admin_paging import CappedPaginator
from audit.models import Entry, Kind, Purge
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    OcmwFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audit_entry_changelist"


def changelist_url() -> str:
    return reverse(CHANGELIST)


def shown(response) -> set[int]:
    return {entry.pk for entry in response.context["cl"].result_list}


@pytest.fixture
def administrator(db):
    """The administrator reading the trail, named so that no search below finds their own rows
    (the factory's Flemish names are random, and Peeters is the commonest)."""
    return AdministratorFactory(username="admin", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def people():
    return {
        "sofie": CaseworkerFactory(
            username="sclaes", first_name="Sofie", last_name="Claes", organisation=OcmwFactory()
        ),
        "jan": CounsellorFactory(username="jpeeters", first_name="Jan", last_name="Peeters"),
    }


@pytest.fixture
def rows(make_entry, people):
    """Who read whom: Sofie (OCMW Aalst) client 7 today, client 8 ten days ago and a list of
    five clients with two referrals today, Jan (VDAB) referral 70 of client 7 today, a failed
    login as "jpeeters", a printout."""
    sofie, jan = people["sofie"], people["jan"]
    return {
        "sofie_7": make_entry(Kind.VIEW, actor=sofie, client_id=7),
        "sofie_list": make_entry(
            Kind.VIEW, actor=sofie, client_ids=[6, 7, 12, 13, 14], referral_ids=[60, 71]
        ),
        "sofie_8_old": make_entry(Kind.VIEW, actor=sofie, client_id=8, days_ago=10),
        "jan_70": make_entry(Kind.VIEW, actor=jan, client_id=7, referral_id=70),
        "failed": make_entry(Kind.LOGIN_FAILED, actor_name="jpeeters", ip_address="10.1.2.3"),
        "print": make_entry(Kind.PRINT, actor=jan, client_id=9, referral_id=90),
    }


# --- read-only, for everyone ---------------------------------------------------------------


@pytest.mark.parametrize("model", [Entry, Purge])
def test_nobody_adds_changes_or_deletes_not_even_a_superuser(rf, admin_user, model):
    request = rf.get("/")
    request.user = admin_user
    model_admin = site.get_model_admin(model)

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_only_action_is_the_export(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user

    assert list(site.get_model_admin(Entry).get_actions(request)) == ["export_csv"]


def test_a_superuser_sees_a_row_and_cannot_save_or_delete_it(admin_client, rows):
    entry = rows["failed"]
    change = reverse("admin:audit_entry_change", args=[entry.pk])
    delete = reverse("admin:audit_entry_delete", args=[entry.pk])

    page = admin_client.get(change)
    posted = admin_client.post(change, {"actor_name": "someone else"})
    deleted = admin_client.post(delete, {"post": "yes"})
    added = admin_client.post(reverse("admin:audit_entry_add"), {"kind": "view"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "jpeeters" in page.content.decode()
    assert (posted.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    entry.refresh_from_db()
    assert entry.actor_name == "jpeeters"


def test_bulk_delete_is_refused(admin_client, rows):
    response = admin_client.post(
        changelist_url(),
        {"action": "delete_selected", "_selected_action": [rows["failed"].pk], "index": 0},
    )

    assert response.status_code in (200, 302)
    assert Entry.objects.filter(pk=rows["failed"].pk).exists()


def test_the_administrator_reads_the_trail_and_its_purges(admin_browser, rows):
    assert admin_browser.get(changelist_url()).status_code == 200
    assert admin_browser.get(reverse("admin:audit_purge_changelist")).status_code == 200


def test_staff_without_the_role_do_not(client, rows):
    client.force_login(CaseworkerFactory(is_staff=True))

    assert client.get(changelist_url()).status_code == 403


# --- filters and search ------------------------------------------------------------------------


def period(days_back: int, days_to: int) -> dict:
    today = timezone.localdate()
    return {
        "at__date__gte": (today - datetime.timedelta(days=days_back)).isoformat(),
        "at__date__lte": (today - datetime.timedelta(days=days_to)).isoformat(),
    }


FILTERS = {
    "person": (lambda p: {"actor": p["sofie"].pk}, {"sofie_7", "sofie_8_old", "sofie_list"}),
    "client": (lambda p: {"client": 7}, {"sofie_7", "jan_70", "sofie_list"}),
    "client among others only": (lambda p: {"client": 13}, {"sofie_list"}),
    "referral": (lambda p: {"referral": 90}, {"print"}),
    "referral among others": (lambda p: {"referral": 71}, {"sofie_list"}),
    "organisation": (
        lambda p: {"organisation__id__exact": p["sofie"].organisation_id},
        {"sofie_7", "sofie_8_old", "sofie_list"},
    ),
    "kind": (lambda p: {"kind__exact": Kind.PRINT}, {"print"}),
    "period": (lambda p: period(20, 5), {"sofie_8_old"}),
    "person and client": (lambda p: {"actor": p["jan"].pk, "client": 7}, {"jan_70"}),
    "kind and period": (
        lambda p: {"kind__exact": Kind.VIEW, **period(0, 0)},
        {"sofie_7", "jan_70", "sofie_list"},
    ),
}


@pytest.mark.parametrize(("params", "expected"), FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_leaves_its_rows(admin_browser, rows, people, params, expected):
    response = admin_browser.get(changelist_url(), params(people))

    assert response.status_code == 200
    assert shown(response) == {rows[name].pk for name in expected}


def test_the_chosen_person_is_named_in_the_sidebar(admin_browser, rows, people):
    page = admin_browser.get(changelist_url(), {"actor": people["jan"].pk}).content.decode()

    assert "jpeeters (Jan Peeters)" in page
    assert f'value="{people["jan"].pk}"' in page  # the form shows the number chosen


def test_a_row_links_to_its_person_and_client(admin_browser, rows, people):
    page = admin_browser.get(changelist_url()).content.decode()

    assert f'href="?actor={people["sofie"].pk}"' in page
    assert 'href="?client=7"' in page


def test_a_read_of_several_links_its_first_clients_on_the_list_and_all_on_its_page(
    admin_browser, rows
):
    """The list's row names the first three clients a read showed and how many more; the
    row's own page names them all, and its referrals."""
    listed = admin_browser.get(changelist_url()).content.decode()

    assert all(f'href="?client={pk}"' in listed for pk in (6, 7, 12))
    assert 'href="?client=13"' not in listed
    assert "and 2 more" in listed
    assert 'href="?referral=60"' in listed and 'href="?referral=71"' in listed

    url = reverse("admin:audit_entry_change", args=[rows["sofie_list"].pk])
    page = admin_browser.get(url).content.decode()
    # From the row's page, links to the list (not to the row's page itself).
    assert all(f'href="{changelist_url()}?client={pk}"' in page for pk in (6, 7, 12, 13, 14))
    assert f'href="{changelist_url()}?referral=71"' in page
    assert "more" not in page


def test_the_page_of_a_read_of_thousands_links_its_first_two_hundred(admin_browser, make_entry):
    export = make_entry(Kind.EXPORT, client_ids=list(range(1, 10_001)))

    page = admin_browser.get(reverse("admin:audit_entry_change", args=[export.pk]))

    text = page.content.decode()
    assert f'href="{changelist_url()}?client=200"' in text
    assert f'href="{changelist_url()}?client=201"' not in text
    assert "and 9800 more" in text


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "sofie"},
        {"client": "7; DROP"},
        {"at__date__gte": "yesterday"},
        {"at__date__gte": "0001-01-01"},
        {"at__date__lte": "9999-12-31"},
    ],
    ids=["person", "client", "period", "first day", "last day"],
)
def test_a_filter_that_is_not_a_number_or_date_is_dropped_with_a_message(
    admin_browser, rows, params
):
    response = admin_browser.get(changelist_url(), params)

    assert response.status_code == 200
    assert rows["print"].pk in shown(response)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


SEARCHES = {
    "user name": ("sclaes", {"sofie_7", "sofie_8_old", "sofie_list"}),
    "full name": ("Jan Peeters", {"jan_70", "print", "failed"}),
    "last name": ("peeters", {"jan_70", "print", "failed"}),
    "failed login's name": ("jpeeters", {"jan_70", "print", "failed"}),
}


@pytest.mark.parametrize(("term", "expected"), SEARCHES.values(), ids=SEARCHES.keys())
def test_the_search_finds_a_person_and_the_failed_logins_under_their_name(
    admin_browser, rows, term, expected
):
    admin_browser.post(changelist_url(), {"q": term})

    response = admin_browser.get(changelist_url())

    assert shown(response) == {rows[name].pk for name in expected}


def test_the_count_stops_at_its_cap(admin_browser, rows, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 2)

    page = admin_browser.get(changelist_url(), {"kind__exact": Kind.VIEW}).content.decode()

    assert "more than 2 audit trail" in page
    assert "Select all rows (more than 2)" in page


def test_the_list_takes_as_many_queries_for_many_rows_as_for_few(admin_browser, make_entry, people):
    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_browser.get(changelist_url()).status_code == 200
        return len(captured)

    make_entry(Kind.VIEW, actor=people["sofie"], client_id=1)
    few = queries_for_the_list()
    for number in range(2, 60):
        make_entry(Kind.VIEW, actor=people["jan" if number % 2 else "sofie"], client_id=number)

    assert queries_for_the_list() == few


# --- export ------------------------------------------------------------------------------------


def export(client, params: dict, selected: list[int], *, across: bool):
    url = changelist_url() + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        url,
        {
            "action": "export_csv",
            "_selected_action": selected,
            "select_across": "1" if across else "0",
            "index": 0,
        },
    )


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))


def test_export_holds_the_filtered_rows_only_and_leaves_its_own_row(
    admin_browser, administrator, rows
):
    response = export(admin_browser, {"client": 7}, [rows["sofie_7"].pk], across=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *lines = csv_rows(response)
    assert header[:3] == ["when", "kind", "user name"]
    assert sorted(line[2] for line in lines) == ["jpeeters", "sclaes", "sclaes"]
    assert sorted((line[5], line[6]) for line in lines) == [
        ("6, 7, 12, 13, 14", "60, 71"),
        ("7", ""),
        ("7", "70"),
    ]
    own = Entry.objects.filter(kind=Kind.EXPORT).get()
    assert own.actor == administrator
    assert own.client_id == 7
    assert own.detail["rows"] == 3
    assert own.detail["filters"] == {"client": "7"}
    assert own.path == changelist_url()


def test_export_with_a_client_number_too_large_names_no_client(admin_browser, rows):
    response = export(admin_browser, {"client": "9" * 30}, [rows["print"].pk], across=False)

    assert response.status_code == 200
    assert Entry.objects.filter(kind=Kind.EXPORT).get().client_id is None


def test_export_of_the_rows_ticked_on_the_page(admin_browser, rows):
    response = export(admin_browser, {}, [rows["print"].pk, rows["failed"].pk], across=False)

    _header, *lines = csv_rows(response)
    assert sorted(line[1] for line in lines) == ["Failed login", "Printed"]


def test_export_keeps_the_search(admin_browser, rows):
    admin_browser.post(changelist_url(), {"q": "sclaes"})

    response = export(admin_browser, {}, [rows["sofie_7"].pk], across=True)

    _header, *lines = csv_rows(response)
    assert {line[2] for line in lines} == {"sclaes"}
    assert Entry.objects.get(kind=Kind.EXPORT).detail["searched"] is True


def test_export_masks_a_national_number_and_defuses_formulas(admin_browser, make_entry):
    entry = make_entry(
        Kind.LOGIN_FAILED,
        actor_name='=HYPERLINK("http://evil")',
        detail={"insz": "85.07.30-033.61", "hits": [{"insz": "85073003361"}]},
    )

    response = export(admin_browser, {"kind__exact": Kind.LOGIN_FAILED}, [entry.pk], across=True)

    _header, line = csv_rows(response)
    assert line[2].startswith("'=")
    assert "85073003361" not in line[9] and "85.07.30" not in line[9]
    assert "361" in line[9]
