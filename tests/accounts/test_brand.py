"""Whose site this is: the header shows the logo, the application's name and the
organisation's, as the settings say (OKOT_BRAND_*), and every page's title ends in the name."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def header(response) -> str:
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


def test_by_default_the_header_shows_the_shipped_mark_and_the_translated_name(client):
    response = client.get(reverse("login"))

    assert '<img class="okot-logo" src="/static/img/okot-mark.svg" alt=""' in header(response)
    assert "OKOT-toeleidingen" in header(response)  # the browser asks nothing: nl-be
    assert "OCMW &amp; VDAB" in header(response)
    assert "<title>Aanmelden · OKOT-toeleidingen</title>" in response.content.decode()


@override_settings(
    OKOT_BRAND_NAME="Toeleiding Gent",
    OKOT_BRAND_ORGANISATION="Stad Gent — OCMW",
    OKOT_BRAND_LOGO_URL="/static/img/gent.svg",
)
def test_the_settings_name_the_site_and_its_logo(client, caseworker):
    client.force_login(caseworker)

    response = client.get(reverse("referrals:dashboard"))

    assert '<img class="okot-logo" src="/static/img/gent.svg" alt=""' in header(response)
    assert "Toeleiding Gent" in header(response)
    assert "Stad Gent — OCMW" in header(response)
    assert response.content.decode().count("· Toeleiding Gent</title>") == 1


@override_settings(OKOT_BRAND_ORGANISATION="")
def test_without_an_organisation_the_header_shows_the_name_only(client):
    response = client.get(reverse("login"))

    assert "okot-brand-organisation" not in header(response)
