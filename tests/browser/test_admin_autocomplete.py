"""Typing a client's name or national number in an admin autocomplete field (select2) finds
the client without the typed text in any URL the browser asks for: the search is posted
(accounts/admin_autocomplete.py, static/admin/js/autocomplete.js)."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.accounts.factories import AdministratorFactory
from tests.referrals.factories import ClientFactory, make_insz

pytestmark = pytest.mark.browser


@pytest.fixture
def administrator_page(page: Page, log_in, transactional_db) -> Page:
    """The functional administrator on the admin's "add referral" page, every request the
    browser makes recorded in `page.requests_made` as (method, URL, body)."""
    log_in(page, AdministratorFactory())
    page.requests_made = []
    page.on(
        "request",
        lambda request: page.requests_made.append(
            (request.method, request.url, request.post_data or "")
        ),
    )
    page.goto(reverse("admin:referrals_referral_add"))
    return page


@pytest.fixture
def fatima(transactional_db):
    ClientFactory(first_name="Jonas", last_name="De Smet")
    return ClientFactory(
        first_name="Fatima",
        last_name="Elouardi",
        insz=make_insz(datetime.date(1988, 2, 14), 62),
    )


RESULTS = ".select2-results__option:not(.select2-results__option--load-more)"


def type_in_client_field(page: Page, text: str) -> None:
    """Type `text` and wait for the answer to the search for all of it."""
    page.locator(".field-client .select2-selection").click()
    with page.expect_response(
        lambda response: (
            "/admin/autocomplete/" in response.url
            and f"term={text}" in f"{response.url}&{response.request.post_data or ''}"
        )
    ):
        page.locator(".select2-search__field").press_sequentially(text, delay=20)


def autocomplete_requests(page: Page) -> list[tuple[str, str, str]]:
    return [r for r in page.requests_made if "/admin/autocomplete/" in r[1]]


@pytest.mark.parametrize("typed", ["Elouardi", "880214"], ids=["surname", "national-number"])
def test_typing_in_an_autocomplete_field_puts_nothing_typed_in_a_url(
    administrator_page: Page, fatima, typed
):
    page = administrator_page

    type_in_client_field(page, typed)
    expect(page.locator(RESULTS)).to_have_count(1)
    page.locator(RESULTS, has_text="Elouardi").click()

    expect(page.locator("#id_client")).to_have_value(str(fatima.pk))
    asked = autocomplete_requests(page)
    assert asked, "the field asked nothing"
    for method, url, body in asked:
        assert method == "POST", url
        assert "term=" in body
    for _method, url, _body in page.requests_made:
        assert typed.lower() not in url.lower(), url
        assert "term=" not in url, url
    assert page.csp_violations == []


def test_scrolling_loads_the_next_page_of_results_by_post(administrator_page: Page, fatima):
    page = administrator_page
    ClientFactory.create_batch(25, last_name="Maes")

    type_in_client_field(page, "Maes")
    expect(page.locator(RESULTS)).to_have_count(20)
    page.locator(".select2-results__options").evaluate("list => list.scrollTop = list.scrollHeight")

    expect(page.locator(RESULTS, has_text="Maes")).to_have_count(25)
    assert any("page=2" in body for _method, _url, body in autocomplete_requests(page))
    for _method, url, _body in page.requests_made:
        assert "maes" not in url.lower(), url
