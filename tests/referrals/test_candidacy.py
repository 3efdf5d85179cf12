"""VDAB registers a candidacy for a client of an OCMW; the caseworker is then asked to agree."""

import datetime

import pytest
from django.urls import reverse

from referrals.enums import CandidacyOutcome, State
from referrals.models import Client, Referral
from tests.referrals.factories import make_insz

URL = reverse("referrals:candidacy_create")
NEW_INSZ = make_insz(datetime.date(1991, 4, 12), 35)


def candidacy(organisation, training, **overrides) -> dict:
    return {
        "ocmw": organisation.pk,
        "insz": NEW_INSZ,
        "first_name": "Yasmine",
        "last_name": "Bakkali",
        "training": training.pk,
        **overrides,
    }


def test_counsellor_registers_a_candidacy_for_a_new_client(client, counsellor, ocmw_gent, training):
    client.force_login(counsellor)

    response = client.post(URL, candidacy(ocmw_gent, training))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == URL  # back to the candidacy page
    assert referral.candidacies.get().outcome == CandidacyOutcome.NEW_CLIENT
    assert referral.state == State.CANDIDATE
    assert referral.client.ocmw == ocmw_gent
    assert referral.client.insz == NEW_INSZ
    assert not referral.client.has_consent  # the caseworker records consent before agreeing
    assert list(referral.events.values_list("transition", "actor")) == [
        ("create", counsellor.pk),
        ("apply", counsellor.pk),
    ]


def test_the_candidacy_is_linked_to_the_existing_client_when_the_name_matches(
    client, counsellor, ocmw_gent, gent_client, training
):
    client.force_login(counsellor)
    data = candidacy(
        ocmw_gent,
        training,
        insz=gent_client.insz,
        first_name=f"  {gent_client.first_name.upper()} ",
        last_name=gent_client.last_name,
    )

    client.post(URL, data)

    referral = Referral.objects.get()
    assert referral.client == gent_client
    assert referral.candidacies.get().outcome == CandidacyOutcome.KNOWN_CLIENT
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("insz", "12345678901"), ("insz", "abc"), ("ocmw", "999999")]
)
def test_bad_input_is_a_form_error(client, counsellor, ocmw_gent, training, field, value):
    client.force_login(counsellor)

    response = client.post(URL, candidacy(ocmw_gent, training, **{field: value}))

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Referral.objects.exists()


def test_a_training_outside_the_counsellors_region_cannot_be_chosen(
    client, counsellor_of_other_region, ocmw_gent, training
):
    client.force_login(counsellor_of_other_region)

    response = client.post(URL, candidacy(ocmw_gent, training))

    assert response.context["form"].errors["training"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("actor", ["caseworker", "network_manager"])
def test_only_vdab_registers_candidacies_this_way(client, request, actor, ocmw_gent, training):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(URL).status_code == 403
    assert client.post(URL, candidacy(ocmw_gent, training)).status_code == 403
    assert not Referral.objects.exists()


def test_the_caseworker_finds_the_candidacy_waiting_for_agreement(
    client, counsellor, caseworker, ocmw_gent, training
):
    client.force_login(counsellor)
    client.post(URL, candidacy(ocmw_gent, training))
    client.force_login(caseworker)

    response = client.get(reverse("referrals:dashboard"))

    groups = {group.work.code: group.rows for group in response.context["groups"]}
    assert [r.client.last_name for r in groups["agree"]] == ["Bakkali"]


def test_an_administrator_registers_a_candidacy_as_the_service_allows(
    client, administrator, ocmw_gent, training
):
    """The page and the service ask one rule (`access.may_register_candidacy`)."""
    client.force_login(administrator)

    assert client.get(URL).status_code == 200
    client.post(URL, candidacy(ocmw_gent, training))

    referral = Referral.objects.get()
    assert referral.state == State.CANDIDATE
    assert referral.events.get(transition="apply").actor == administrator


@pytest.mark.parametrize(
    ("actor", "offered"),
    [("counsellor", True), ("administrator", True), ("caseworker", False)],
)
def test_the_referral_list_offers_the_candidacy_form_to_who_may_use_it(
    client, db, request, actor, offered
):
    client.force_login(request.getfixturevalue(actor))

    html = client.get(reverse("referrals:referral_list")).content.decode()

    assert (f'href="{URL}"' in html) is offered
