"""VDAB's candidacies through the API: registered as on the candidacy page (the OCMW is
asked to agree, whatever it knows of the number), read back with their status; refused to
the OCMW's side; limited like the page."""

import pytest
from django.test import override_settings

from referrals.enums import CandidacyStatus, State
from referrals.models import Candidacy, Referral
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/candidacies/"


def body(client, training, **changes) -> dict:
    return {
        "ocmw": client.ocmw_id,
        "insz": client.insz,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "training": training.pk,
    } | changes


def test_a_counsellor_registers_a_candidacy_and_the_ocmw_is_asked(api_for, counsellor, training):
    client = ClientFactory()
    http = api_for(counsellor)

    response = http.post(URL, body(client, training), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == CandidacyStatus.WAITING
    assert response.json()["referral"] is None  # VDAB sees it once the OCMW agreed
    referral = Referral.objects.get(client=client)
    assert referral.state == State.CANDIDATE
    assert [c["id"] for c in http.get(URL).json()["results"]] == [response.json()["id"]]


def test_an_unknown_number_answers_the_same(api_for, counsellor, training):
    stranger = ClientFactory.build(ocmw=ClientFactory().ocmw, insz="85073003328")

    response = api_for(counsellor).post(URL, body(stranger, training), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == CandidacyStatus.WAITING
    assert response.json()["referral"] is None


def test_bad_fields_get_field_errors(api_for, counsellor, training):
    client = ClientFactory()

    response = api_for(counsellor).post(
        URL, body(client, training) | {"insz": "12345", "training": 0}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"insz", "training"}
    assert not Candidacy.objects.exists()


def test_a_name_with_a_control_character_gets_a_field_error(api_for, counsellor, training):
    client = ClientFactory.build(ocmw=ClientFactory().ocmw, insz="85073003328")

    response = api_for(counsellor).post(
        URL, body(client, training, first_name="Jo\tnas"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == {
        "first_name": [
            "Remove the tab, line break or other invisible control character from this text."
        ]
    }
    assert not Candidacy.objects.exists()


def test_the_ocmw_side_registers_referrals_not_candidacies(api_for, caseworker, training):
    client = ClientFactory(ocmw=caseworker.organisation)
    http = api_for(caseworker)

    assert http.post(URL, body(client, training), format="json").status_code == 403
    assert http.get(URL).status_code == 403


def test_a_counsellor_registers_no_referral(api_for, counsellor, training):
    client = ClientFactory()

    response = api_for(counsellor).post(
        "/api/v1/referrals/", {"client": client.pk, "training": training.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Referral.objects.exists()


@override_settings(OKOT_CANDIDACY_LIMIT=1)
def test_too_many_candidacies_are_throttled(api_for, counsellor, training):
    http = api_for(counsellor)
    http.post(URL, body(ClientFactory(), training), format="json")

    response = http.post(URL, body(ClientFactory(), training), format="json")

    assert response.status_code == 429
    assert "many candidacies" in response.json()["detail"]
