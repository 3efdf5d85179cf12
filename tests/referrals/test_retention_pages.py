"""The pages of a pseudonymised client: each renders, without the person's data and with
the date of the pseudonymisation; nothing edits the client or registers a referral for
them any more (pages and admin), and the client list no longer lists them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from referrals.enums import State
from referrals.models import Client, Referral
from referrals.services import client_pseudonymise
from tests.referrals.conftest import in_ui_language
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
THEN = datetime.datetime(2024, 9, 2, 10, tzinfo=BRUSSELS)
NOW = datetime.datetime(2030, 9, 2, 10, tzinfo=BRUSSELS)
NAME = "Quetzalvelde"


@pytest.fixture
def gone(ocmw_gent, caseworker, counsellor, training):
    """A closed referral of a client pseudonymised since."""
    with time_machine.travel(THEN, tick=False):
        person = ClientFactory(ocmw=ocmw_gent, last_name=NAME, phone="0471 98 76 54")
        referral = referral_in_state(
            State.CLOSED,
            client=person,
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
        )
    insz = person.insz
    client_pseudonymise(client=person, now=NOW)
    person.refresh_from_db()
    return {"client": person, "referral": referral, "insz": insz}


def page_urls(gone) -> dict[str, str]:
    return {
        "client_detail": reverse("referrals:client_detail", args=[gone["client"].pk]),
        "referral_detail": reverse("referrals:referral_detail", args=[gone["referral"].pk]),
        "referral_agreement": reverse("referrals:referral_agreement", args=[gone["referral"].pk]),
        "admin_client": reverse("admin:referrals_client_change", args=[gone["client"].pk]),
        "admin_referral": reverse("admin:referrals_referral_change", args=[gone["referral"].pk]),
        "admin_clients": reverse("admin:referrals_client_changelist"),
        "inbox": reverse("notifications:inbox"),
    }


PAGES = {
    "caseworker": ["client_detail", "referral_detail", "referral_agreement", "inbox"],
    "counsellor": ["referral_detail", "referral_agreement", "inbox"],
    "administrator": [
        "client_detail",
        "referral_detail",
        "admin_client",
        "admin_referral",
        "admin_clients",
    ],
}


@pytest.mark.parametrize(
    ("who", "page"), [(who, page) for who, pages in PAGES.items() for page in pages]
)
def test_the_pages_render_without_the_persons_data(client, request, gone, who, page):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page_urls(gone)[page])

    assert response.status_code == 200
    html = response.content.decode()
    for personal in (NAME, gone["insz"], "0471 98 76 54"):
        assert personal not in html


def test_the_client_page_says_when_and_offers_no_edit(client, caseworker, gone):
    client.force_login(caseworker)

    html = client.get(page_urls(gone)["client_detail"]).content.decode()

    assert f'<h1 class="h2 mb-0">{in_ui_language(lambda: str(gone["client"]))}</h1>' in html
    day = in_ui_language(lambda: formats.date_format(NOW.date(), "SHORT_DATE_FORMAT"))
    assert in_ui_language(lambda: _("Pseudonymised on %(day)s") % {"day": day}) in html
    assert reverse("referrals:client_edit", args=[gone["client"].pk]) not in html
    assert reverse("referrals:referral_create", args=[gone["client"].pk]) not in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_editing_a_pseudonymised_client_is_refused(client, caseworker, gone, method):
    client.force_login(caseworker)
    url = reverse("referrals:client_edit", args=[gone["client"].pk])

    response = getattr(client, method)(url, {"first_name": "Terug", "last_name": NAME})

    assert response.status_code == 403
    assert Client.objects.get(pk=gone["client"].pk).first_name == "—"


def test_no_consent_is_recorded_for_a_pseudonymised_client(client, caseworker, gone):
    client.force_login(caseworker)
    url = reverse("referrals:consent_give", args=[gone["client"].pk])

    response = client.post(url, {"given_on": "2020-01-01", "document_reference": "DOC-1"})

    assert response.status_code == 403
    assert not gone["client"].consents.filter(document_reference="DOC-1").exists()


def test_no_referral_is_registered_for_a_pseudonymised_client(client, caseworker, gone, training):
    client.force_login(caseworker)
    url = reverse("referrals:referral_create", args=[gone["client"].pk])

    response = client.post(url, {"training": training.pk})

    assert response.status_code == 200  # the form, with the refusal
    assert Referral.objects.filter(client=gone["client"]).count() == 1


def test_the_admin_refuses_to_change_a_pseudonymised_client(client, administrator, gone):
    client.force_login(administrator)
    url = page_urls(gone)["admin_client"]

    response = client.post(url, {"first_name": "Terug", "last_name": NAME})

    assert response.status_code == 403
    assert Client.objects.get(pk=gone["client"].pk).first_name == "—"


def test_the_client_list_no_longer_lists_them(client, caseworker, gone, ocmw_gent):
    kept = ClientFactory(ocmw=ocmw_gent)
    client.force_login(caseworker)

    response = client.get(reverse("referrals:client_list"))

    assert list(response.context["page"]) == [kept]
