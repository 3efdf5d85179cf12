"""Lists show a national number masked (its last digits only), never whole: every page of
the URLconf that names no object (a list, a search, a form, the inbox) and every changelist
of Django admin, generated so that a new list cannot forget it. The pages of one client or
referral show it whole to who may see the file (test_views_privacy.py)."""

import re

import pytest
from django.apps import apps
from django.contrib.admin import site
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.trail import mask_insz
from referrals import services
from referrals.models import Candidacy, Client
from tests.referrals.admin_rows import one_of_each_beside
from tests.referrals.conftest import OTHER_INSZ, TYPED

pytestmark = pytest.mark.django_db


def pages_without_object(patterns=None, namespace: str = "", prefix: str = ""):
    """The names of the URL patterns outside admin that take no argument."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from pages_without_object(entry.url_patterns, inner, route)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groupindex:
            yield f"{namespace}{entry.name}"


LIST_PAGES = sorted(set(pages_without_object()))
ADMIN_MODELS = sorted(
    model._meta.label_lower for model in apps.get_models() if site.is_registered(model)
)
READERS = ["caseworker", "counsellor", "network_manager", "administrator"]


@pytest.fixture
def personal_data(scene, counsellor, training):
    """The national numbers of: the Gent client in training (a warm handover in the
    counsellor's inbox), and the counsellor's own candidacies: one for the Gent client,
    one for a number no OCMW knows."""
    gent_client = scene["client"]
    for insz, name in [(gent_client.insz, TYPED), (OTHER_INSZ, TYPED)]:
        services.referral_register_candidacy(
            user=counsellor, ocmw=gent_client.ocmw, insz=insz, training=training, **name
        )
    numbers = {*Client.objects.values_list("insz", flat=True)}
    numbers |= {*Candidacy.objects.values_list("insz", flat=True)}
    return numbers


@pytest.fixture
def every_model(personal_data, scene):
    """... and a row of every model the admin lists beside the referral."""
    one_of_each_beside(scene["referral"])
    return personal_data


def whole_numbers_in(html: str, numbers: set[str]) -> list[str]:
    return sorted(number for number in numbers if number in html)


def test_the_generated_lists_include_the_pages_with_lists():
    assert {
        "referrals:dashboard",
        "referrals:client_list",
        "referrals:referral_list",
        "referrals:candidacy_create",
        "notifications:inbox",
    } <= set(LIST_PAGES)


@pytest.mark.parametrize("reader", READERS)
def test_no_list_shows_a_whole_national_number(client, request, personal_data, reader):
    client.force_login(request.getfixturevalue(reader))

    shown = {}
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            shown[name] = whole_numbers_in(response.content.decode(), personal_data)

    assert {"referrals:dashboard", "notifications:inbox"} <= shown.keys()
    assert {name: numbers for name, numbers in shown.items() if numbers} == {}


def test_a_search_by_national_number_lists_the_client_without_it(
    client, caseworker, personal_data, gent_client
):
    client.force_login(caseworker)

    response = client.post(reverse("referrals:client_list"), {"q": gent_client.insz})

    assert list(response.context["page"]) == [gent_client]
    # The number shows only in the search box, as typed.
    rows = response.content.decode().split("<table", 1)[1]
    assert whole_numbers_in(rows, personal_data) == []


def test_the_candidacy_page_shows_the_typed_numbers_masked(client, counsellor, personal_data):
    client.force_login(counsellor)

    html = client.get(reverse("referrals:candidacy_create")).content.decode()

    typed = Candidacy.objects.filter(registered_by=counsellor).values_list("insz", flat=True)
    assert len(typed) == 2
    for number in typed:
        assert mask_insz(number) in html
        assert number not in html


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_no_admin_changelist_shows_a_whole_national_number(admin_client, every_model, label):
    app_label, model_name = label.split(".")

    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200
    assert whole_numbers_in(response.content.decode(), every_model) == []


def test_the_admins_client_list_shows_the_mask_and_finds_by_the_whole_number(
    client, administrator, personal_data, gent_client
):
    client.force_login(administrator)
    url = reverse("admin:referrals_client_changelist")

    listed = client.get(url)
    found = client.get(url, {"q": gent_client.insz}, follow=True)

    assert mask_insz(gent_client.insz) in listed.content.decode()
    assert list(found.context["cl"].result_list) == [gent_client]
    # The number shows only in the search box, as typed; the row has the mask.
    row = found.content.decode().split('id="result_list"', 1)[1]
    assert gent_client.insz not in row
    assert mask_insz(gent_client.insz) in row


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("85073003361", "••••••••361"),
        ("85.07.30-033.61", "••••••••361"),  # as typed
        ("", ""),
        ("~42", ""),  # a pseudonymised client's marker: its digits are the client's id
    ],
)
def test_the_mask(value, shown):
    assert mask_insz(value) == shown


def test_a_pseudonymised_client_has_no_number_in_the_admins_list(
    client, administrator, gent_client
):
    services.client_pseudonymise(client=gent_client)
    gent_client.refresh_from_db()
    client.force_login(administrator)

    response = client.get(reverse("admin:referrals_client_changelist"))

    assert gent_client.insz.startswith("~")
    cells = re.findall(r'<td class="field-masked_insz">([^<]*)</td>', response.content.decode())
    assert cells == ["-"]
