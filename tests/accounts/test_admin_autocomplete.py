"""The admin's autocomplete fields search by POST: the typed name or national number goes in
the request body (CSRF-protected), never in a URL; a GET, or a term in the query string,
searches nothing. Results, their scoping (the field's limit_choices_to, the user's
permission) and their pagination are Django's, unchanged."""

import hashlib
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.urls import reverse

from accounts.admin_autocomplete import AutocompleteByPostMixin
from accounts.models import Organisation
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    OcmwFactory,
    UserFactory,
    VdabOrganisationFactory,
)
from tests.accounts.two_factor import Client
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:autocomplete")
CLIENT_OF_A_REFERRAL = {"app_label": "referrals", "model_name": "referral", "field_name": "client"}
# The Django file static/admin/js/autocomplete.js was adapted from (Django 5.2): when an
# upgrade changes it, compare the two and carry the changes over, then update this.
DJANGO_AUTOCOMPLETE_JS_SHA256 = "380a924e21d99d3599cc9284bce9be675b5d0252e33d65fd8caa589261f43b3a"


@pytest.fixture
def administrator_client(client):
    client.force_login(AdministratorFactory())
    return client


@pytest.fixture
def peeters():
    """Two clients named Peeters and one named Janssens."""
    return {
        "gent": ClientFactory(last_name="Peeters"),
        "aalst": ClientFactory(last_name="Peeters"),
        "other": ClientFactory(last_name="Janssens"),
    }


def search(http, term: str, field: dict | None = None, **body):
    """Ask the autocomplete as the widget does: the field in the query, the term posted."""
    query = "&".join(f"{k}={v}" for k, v in (field or CLIENT_OF_A_REFERRAL).items())
    return http.post(f"{URL}?{query}", {"term": term, **body})


def found(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {result["id"] for result in response.json()["results"]}


def test_a_posted_term_finds_the_matching_clients(administrator_client, peeters):
    response = search(administrator_client, "Peeters")

    assert found(response) == {str(peeters["gent"].pk), str(peeters["aalst"].pk)}
    assert {r["text"] for r in response.json()["results"]} == {
        str(peeters["gent"]),
        str(peeters["aalst"]),
    }
    assert response.json()["pagination"] == {"more": False}


def test_a_national_number_is_searched_from_the_body(administrator_client, peeters):
    insz = peeters["aalst"].insz

    assert found(search(administrator_client, insz[:6])) >= {str(peeters["aalst"].pk)}
    assert found(search(administrator_client, insz)) == {str(peeters["aalst"].pk)}


def test_an_empty_term_lists_everything_like_django(administrator_client, peeters):
    assert found(search(administrator_client, "")) == {str(c.pk) for c in peeters.values()}


def test_the_pages_of_results_are_posted_too(administrator_client):
    ClientFactory.create_batch(25, last_name="Maes")

    first = search(administrator_client, "Maes")
    second = search(administrator_client, "Maes", page="2")

    assert len(found(first)) == 20
    assert first.json()["pagination"] == {"more": True}
    assert len(found(second)) == 5
    assert second.json()["pagination"] == {"more": False}
    assert not found(first) & found(second)


def test_a_fields_limit_choices_to_still_scopes_the_results(administrator_client):
    ocmw = OcmwFactory(name="OCMW Lokeren", municipality="Lokeren")
    VdabOrganisationFactory(name="VDAB Lokeren", municipality="Lokeren")
    counsellor = CounsellorFactory(last_name="Wouters")
    CaseworkerFactory(last_name="Wouters")

    ocmw_of_a_client = {"app_label": "referrals", "model_name": "client", "field_name": "ocmw"}
    contact_of_a_training = {
        "app_label": "referrals",
        "model_name": "training",
        "field_name": "contact_counsellor",
    }

    assert found(search(administrator_client, "Lokeren", ocmw_of_a_client)) == {str(ocmw.pk)}
    assert Organisation.objects.filter(name__contains="Lokeren").count() == 2
    assert found(search(administrator_client, "Wouters", contact_of_a_training)) == {
        str(counsellor.pk)
    }


def test_staff_without_view_permission_gets_403(client, peeters):
    client.force_login(UserFactory(is_staff=True))

    assert search(client, "Peeters").status_code == 403


def test_someone_not_logged_in_is_sent_to_the_admin_login(client, peeters):
    response = search(client, "Peeters")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "Peeters" not in response["Location"]


def test_an_unknown_field_is_refused_like_django(administrator_client):
    field = {"app_label": "referrals", "model_name": "referral", "field_name": "nope"}

    assert search(administrator_client, "x", field).status_code == 403


@pytest.mark.parametrize("query", [{"term": "Peeters"}, {}])
def test_a_get_searches_nothing(administrator_client, peeters, query):
    response = administrator_client.get(URL, {**query, **CLIENT_OF_A_REFERRAL})

    assert response.status_code == 405
    assert b"Peeters" not in response.content


def test_a_term_in_the_query_string_is_refused_even_in_a_post(administrator_client, peeters):
    response = administrator_client.post(
        f"{URL}?term=Peeters&app_label=referrals&model_name=referral&field_name=client",
        {"term": "Peeters"},
    )

    assert response.status_code == 400
    assert b"Peeters" not in response.content


def test_the_post_needs_the_csrf_token(peeters):
    http = Client(enforce_csrf_checks=True)
    http.force_login(AdministratorFactory())
    http.get(reverse("admin:referrals_referral_add"))  # sets the CSRF cookie, as the page does
    token = http.cookies[settings.CSRF_COOKIE_NAME].value

    assert search(http, "Peeters").status_code == 403
    assert found(
        http.post(
            f"{URL}?app_label=referrals&model_name=referral&field_name=client",
            {"term": "Peeters"},
            headers={"X-CSRFToken": token},
        )
    ) == {str(peeters["gent"].pk), str(peeters["aalst"].pk)}


def test_the_admin_site_searches_by_post():
    """A replaced admin site (for two-factor login, say) must keep the mixin."""
    assert isinstance(admin.site, AutocompleteByPostMixin)


def test_the_widgets_load_our_autocomplete_script():
    ours = Path(settings.BASE_DIR) / "static" / "admin" / "js" / "autocomplete.js"

    assert Path(finders.find("admin/js/autocomplete.js")) == ours
    assert "type: 'POST'" in ours.read_text()


def test_djangos_autocomplete_script_is_the_one_ours_was_adapted_from():
    djangos = Path(django.__file__).parent / "contrib/admin/static/admin/js/autocomplete.js"

    assert hashlib.sha256(djangos.read_bytes()).hexdigest() == DJANGO_AUTOCOMPLETE_JS_SHA256
