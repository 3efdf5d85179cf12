"""What is yours shows only what your side may read: no OCMW-only client data on VDAB's
pages or on the printed agreement, no more than a name without consent (the whole matrix is
test_need_to_know.py), the national number as it is; and no personal data in URLs, as
searches are posted and links carry ids only."""

import re

import pytest
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, SlugConverter, StringConverter
from django.utils.html import escape
from django.utils.text import capfirst

from referrals import urls as referral_urls
from referrals.enums import State
from referrals.models import Client
from tests.referrals.conftest import in_ui_language
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.django_db


# --- what a page shows of the client to each side ------------------------------------------

OCMW_ONLY_FIELDS = [
    "street",
    "postal_code",
    "consent_vdab",
    "consent_date",
    "gpmi",
    "gpmi_date",
    "notes",
]


def ocmw_only_labels() -> list[str]:
    return [
        escape(in_ui_language(lambda n=name: capfirst(Client._meta.get_field(n).verbose_name)))
        for name in OCMW_ONLY_FIELDS
    ]


@pytest.mark.parametrize("url_name", ["referral_detail", "referral_agreement"])
def test_counsellor_does_not_see_ocmw_only_client_data(client, counsellor, scene, url_name):
    client.force_login(counsellor)
    gent_client = scene["client"]

    response = client.get(reverse(f"referrals:{url_name}", args=[scene["referral"].pk]))
    assert response.status_code == 200
    html = response.content.decode()

    assert gent_client.notes not in html
    assert gent_client.street not in html
    for label in ocmw_only_labels():
        assert f">{label}<" not in html
    assert reverse("referrals:client_detail", args=[gent_client.pk]) not in html
    # What VDAB does need is there.
    assert gent_client.insz in html
    assert gent_client.last_name in html


def test_caseworker_sees_the_whole_client_file_on_the_referral(client, caseworker, scene):
    client.force_login(caseworker)
    gent_client = scene["client"]

    response = client.get(reverse("referrals:referral_detail", args=[scene["referral"].pk]))
    assert response.status_code == 200
    html = response.content.decode()

    assert gent_client.notes in html
    assert gent_client.street in html
    for label in ocmw_only_labels():
        assert f">{label}<" in html


def test_printed_agreement_holds_only_what_vdab_may_see_even_for_the_caseworker(
    client, caseworker, scene
):
    """The caseworker prints the agreement to hand it to VDAB: no OCMW-only data on it."""
    client.force_login(caseworker)
    gent_client = scene["client"]

    response = client.get(reverse("referrals:referral_agreement", args=[scene["referral"].pk]))

    html = response.content.decode()
    assert gent_client.notes not in html
    assert gent_client.street not in html
    for label in ocmw_only_labels():
        assert f">{label}<" not in html
    assert gent_client.insz in html


@pytest.mark.parametrize("url_name", ["referral_detail", "referral_agreement"])
def test_counsellor_sees_only_the_name_without_consent(client, counsellor, scene, url_name):
    gent_client = scene["client"]
    Client.objects.filter(pk=gent_client.pk).update(consent_vdab=False, consent_date=None)
    client.force_login(counsellor)

    response = client.get(reverse(f"referrals:{url_name}", args=[scene["referral"].pk]))

    html = response.content.decode()
    assert gent_client.last_name in html
    assert gent_client.insz not in html
    assert gent_client.vdab_client_number not in html
    municipality = in_ui_language(
        lambda: capfirst(Client._meta.get_field("municipality").verbose_name)
    )
    assert f">{escape(municipality)}<" not in html


# 61110309707 is a valid INSZ (born 3 November 1961) that Python also reads as an ISO
# datetime (6111-03-09 07:00); about 3 in 100 national numbers are like that.
DATE_LIKE_INSZ = "61110309707"


@pytest.mark.parametrize(
    ("actor", "url_name"),
    [
        ("caseworker", "client_detail"),
        ("caseworker", "referral_detail"),
        ("caseworker", "referral_agreement"),
        ("counsellor", "referral_detail"),
        ("counsellor", "referral_agreement"),
    ],
)
def test_pages_show_the_national_number_as_it_is(
    client, request, gent_client, walk, actor, url_name
):
    Client.objects.filter(pk=gent_client.pk).update(insz=DATE_LIKE_INSZ)
    referral = walk(State.AGREED)
    client.force_login(request.getfixturevalue(actor))
    pk = gent_client.pk if url_name == "client_detail" else referral.pk

    response = client.get(reverse(f"referrals:{url_name}", args=[pk]))

    assert response.status_code == 200
    html = response.content.decode()
    shown = re.search(r"INSZ \(rijksregister- of bisnummer\)</dt>\s*<dd[^>]*>([^<]*)</dd>", html)
    assert shown is not None
    assert shown.group(1) == DATE_LIKE_INSZ


# --- no personal data in URLs -------------------------------------------------------------


def test_client_search_is_a_post_and_a_search_in_the_url_is_ignored(
    client, caseworker, gent_client, ocmw_gent
):
    other = ClientFactory(ocmw=ocmw_gent, first_name="Jonas", last_name="Vermeulen")
    client.force_login(caseworker)
    url = reverse("referrals:client_list")

    by_get = client.get(url, {"q": gent_client.last_name})
    by_post = client.post(url, {"q": gent_client.last_name})

    assert by_get.status_code == 200
    assert set(by_get.context["page"]) == {gent_client, other}
    assert by_post.status_code == 200
    assert list(by_post.context["page"]) == [gent_client]
    # The search form itself posts.
    assert 'method="post" class="row g-2 align-items-end mb-3" role="search"' in (
        by_get.content.decode()
    )


def test_client_search_finds_by_national_number_and_vdab_number(client, caseworker, gent_client):
    client.force_login(caseworker)
    url = reverse("referrals:client_list")
    formatted = f"{gent_client.insz[:2]}.{gent_client.insz[2:4]}.{gent_client.insz[4:6]}"

    for q in [gent_client.insz, formatted, gent_client.vdab_client_number]:
        assert list(client.post(url, {"q": q}).context["page"]) == [gent_client], q


def test_the_apps_urls_take_only_integer_pks():
    patterns = [p for p in referral_urls.urlpatterns if isinstance(p, URLPattern)]
    assert patterns

    for pattern in patterns:
        converters = pattern.pattern.converters
        for name, converter in converters.items():
            if pattern.name == "referral_step" and name == "name":
                # The step's name (a fixed word from STEPS), never a value.
                assert isinstance(converter, SlugConverter)
            elif pattern.name == "referral_responsible" and name == "side":
                # Which side's responsible person: a fixed word ("caseworker", "counsellor").
                assert isinstance(converter, SlugConverter)
            elif pattern.name == "report_export":
                # A table's name and a file format: fixed words, never a value.
                assert (name, type(converter)) in {
                    ("table", SlugConverter),
                    ("fmt", StringConverter),
                }
            else:
                assert (name, type(converter)) == ("pk", IntConverter), pattern.name


def test_links_and_form_actions_carry_no_personal_data(client, caseworker, counsellor, scene):
    gent_client = scene["client"]
    referral = scene["referral"]
    personal = [
        gent_client.insz,
        gent_client.first_name.lower(),
        gent_client.last_name.lower(),
        gent_client.vdab_client_number.lower(),
    ]
    pages = {
        caseworker: [
            reverse("referrals:dashboard"),
            reverse("referrals:client_list"),
            reverse("referrals:client_detail", args=[gent_client.pk]),
            reverse("referrals:referral_list"),
            reverse("referrals:referral_detail", args=[referral.pk]),
        ],
        counsellor: [
            reverse("referrals:dashboard"),
            reverse("referrals:referral_list"),
            reverse("referrals:referral_detail", args=[referral.pk]),
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            html = client.get(url).content.decode()
            targets = re.findall(r'(?:href|action)="([^"]*)"', html)
            assert targets, url
            for target in targets:
                assert not any(value in target.lower() for value in personal), (url, target)
