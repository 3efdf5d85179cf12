"""Each row of an admin list links to its change page with the list's filters and page, as
Django writes the link, without Django resolving every link again to learn that it is not the
list itself (`admin_paging.RowLinksChangeList`)."""

from pathlib import Path
from unittest import mock

import django
import pytest
from django.contrib.admin import site
from django.contrib.admin.templatetags import admin_urls
from django.urls import resolve, reverse

from accounts.admin_paging import RowLinksChangeList
from audit.models import Entry
from notifications.models import Notification
from referrals.models import Client, Referral
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory
from tests.referrals.test_admin_search import urls_in
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:referrals_client_changelist")


@pytest.fixture
def admin_browser(client, administrator):
    client.force_login(administrator)
    pass_second_factor(client, administrator)
    return client


def change_links(page) -> list[str]:
    return [url for url in urls_in(page) if url.startswith(CHANGELIST) and "/change/" in url]


@pytest.mark.parametrize("model", [Referral, Client, Notification, Delivery, Entry])
def test_the_lists_of_a_million_rows_write_their_rows_links_directly(model, rf, administrator):
    request = rf.get("/")
    request.user = administrator
    assert issubclass(site._registry[model].get_changelist(request), RowLinksChangeList)


@pytest.mark.parametrize(
    "query",
    [{}, {"o": "-1", "p": "1"}, {"_popup": "1", "_to_field": "id"}],
    ids=["filtered", "ordered and paged", "a popup"],
)
def test_each_rows_link_is_the_one_django_writes(admin_browser, ocmw_gent, query):
    clients = [ClientFactory(ocmw=ocmw_gent) for _ in range(3)]

    page = admin_browser.get(CHANGELIST, {"ocmw__id__exact": ocmw_gent.pk, **query})

    preserved = site._registry[Client].get_preserved_filters(page.wsgi_request)
    assert preserved
    expected = [
        admin_urls.add_preserved_filters(
            {"preserved_filters": preserved, "opts": Client._meta},
            reverse("admin:referrals_client_change", args=[client.pk]),
        )
        for client in page.context["cl"].result_list
    ]
    assert sorted(set(change_links(page))) == sorted(expected)
    assert len(expected) == len(clients)


def test_a_list_without_filters_links_its_rows_without_them(admin_browser, ocmw_gent):
    someone = ClientFactory(ocmw=ocmw_gent)

    page = admin_browser.get(CHANGELIST)

    assert reverse("admin:referrals_client_change", args=[someone.pk]) in change_links(page)
    assert not [url for url in change_links(page) if "?" in url]


def test_no_rows_link_is_resolved_again(admin_browser, ocmw_gent):
    """Django resolved each (two a row here: both names link) to learn it was not the list."""
    for _ in range(5):
        ClientFactory(ocmw=ocmw_gent)

    with mock.patch.object(admin_urls, "resolve", wraps=resolve) as resolved:
        page = admin_browser.get(CHANGELIST, {"ocmw__id__exact": ocmw_gent.pk})

    assert len(change_links(page)) == 10
    assert [c.args[0] for c in resolved.call_args_list if "/change/" in c.args[0]] == []


def test_django_reads_a_changelists_preserved_filters_only_for_its_rows_links():
    """`RowLinksChangeList` empties them for `items_for_result`: another reader in a new
    Django would lose the list's filters."""
    admin = Path(django.__file__).parent / "contrib" / "admin"
    found = [
        (path.relative_to(admin).as_posix(), line.strip())
        for path in sorted([*admin.rglob("*.py"), *admin.rglob("*.html")])
        for line in path.read_text(encoding="utf-8").splitlines()
        if "cl.preserved_filters" in line or "self.preserved_filters" in line
    ]
    assert [path for path, _line in found] == ["templatetags/admin_list.py", "views/main.py"]
    assert found[0][1].startswith('{"preserved_filters": cl.preserved_filters,')
    assert found[1][1] == "self.preserved_filters = model_admin.get_preserved_filters(request)"
