"""The formal agreement as a PDF: the same content as the printable page (the parties, the
training, the entry conditions checked, the warm handover, places to sign), in the user's
language, downloaded with no personal data in its name, and read as the page is: by the
same people, with a row in the audit trail."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import Entry, Kind
from referrals import services
from referrals.enums import HandoverHow, State
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.referrals.factories import (
    ClientFactory,
    applicable_conditions,
    flow_dates,
    referral_in_state,
)

pytestmark = pytest.mark.django_db


def pdf_url(referral) -> str:
    return reverse("referrals:referral_agreement_pdf", args=[referral.pk])


def text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def agreed(caseworker, counsellor, training):
    """An agreed referral of Zoë Çelik, with the handover recorded as a meeting afterwards."""
    client = ClientFactory(ocmw=caseworker.organisation, first_name="Zoë", last_name="Çelik")
    referral = referral_in_state(
        State.AGREED,
        client=client,
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
        agree__handover_at=None,
        agree__handover_notes="Zoekt opvang; budget € 150 per maand.",
    )
    services.referral_record_handover(
        referral=referral,
        user=caseworker,
        handover_how=HandoverHow.MEETING,
        handover_at=datetime.datetime.combine(
            flow_dates().agreed_on, datetime.time(14), tzinfo=datetime.UTC
        ),
        handover_counsellor=counsellor,
    )
    return referral


def test_the_pdf_holds_the_parties_conditions_handover_and_signatures(client, caseworker, agreed):
    caseworker.language = "nl-be"
    caseworker.save(update_fields=["language"])
    client.force_login(caseworker)

    response = client.get(pdf_url(agreed), HTTP_ACCEPT_LANGUAGE="nl-be")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="formeel-akkoord-{agreed.pk}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    text = text_of(response)
    assert "Zoë" in text and "Çelik" in text
    assert "€ 150" in text
    assert agreed.training.title in text
    for condition in applicable_conditions(agreed.training):
        assert " ".join(str(condition).split()) in text
    assert "Warme overdracht" in text
    assert "Driegesprek" in text or "driegesprek" in text
    assert str(agreed.handover_counsellor) in text
    assert str(agreed.caseworker) in text
    for party in ("De cliënt", "De MA/ATB van het OCMW", "De VDAB-bemiddelaar"):
        assert party in text


def test_the_pdf_is_in_the_users_language(client, caseworker, agreed):
    client.force_login(caseworker)

    text = text_of(client.get(pdf_url(agreed), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Formal agreement with an OKOT candidacy" in text
    assert "three-way meeting with the client and the counsellor" in text


def test_a_missing_handover_says_so(client, caseworker, training):
    referral = referral_in_state(
        State.AGREED,
        caseworker=caseworker,
        training=training,
        agree__handover_at=None,
        client=ClientFactory(ocmw=caseworker.organisation),
    )
    client.force_login(caseworker)

    text = text_of(client.get(pdf_url(referral), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Warm handover Not recorded yet." in text


def test_an_agreement_without_conditions_checked_still_prints(client, caseworker, agreed):
    """An agreement imported, or of a type with no entry conditions, checked none: a dash
    where they would be (reportlab refused the empty table, and the download was a 500)."""
    agreed.checked_conditions.clear()
    client.force_login(caseworker)

    response = client.get(pdf_url(agreed), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = text_of(response)
    assert "Entry conditions checked — The screening itself is done by VDAB" in text
    assert "Warm handover" in text and "The client" in text


def test_the_download_leaves_an_export_row_in_the_audit_trail(client, caseworker, agreed):
    client.force_login(caseworker)

    client.get(pdf_url(agreed))

    entry = Entry.objects.get(kind=Kind.EXPORT)
    assert (entry.client_id, entry.referral_id, entry.actor) == (
        agreed.client_id,
        agreed.pk,
        caseworker,
    )
    assert entry.detail == {"format": "pdf"}


def test_another_ocmw_and_a_referral_not_agreed_are_404(client, caseworker, agreed):
    client.force_login(CaseworkerFactory(organisation=OcmwFactory(municipality="Hasselt")))
    assert client.get(pdf_url(agreed)).status_code == 404

    candidate = referral_in_state(
        State.CANDIDATE, client=ClientFactory(ocmw=caseworker.organisation)
    )
    client.force_login(caseworker)
    assert client.get(pdf_url(candidate)).status_code == 404


@pytest.mark.parametrize("role", ["caseworker", "counsellor"])
def test_the_pdf_costs_a_constant_number_of_queries(
    client, request, agreed, role, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(12):
        response = client.get(pdf_url(agreed))
    assert response.status_code == 200


def test_the_printable_page_shows_the_same_conditions_handover_and_signatures(
    client, caseworker, agreed
):
    client.force_login(caseworker)

    response = client.get(
        reverse("referrals:referral_agreement", args=[agreed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    page = response.content.decode()
    for condition in applicable_conditions(agreed.training):
        assert str(condition) in page
    assert "three-way meeting with the client and the counsellor" in page
    assert str(agreed.handover_counsellor) in page
    for party in ("The client", "The OCMW caseworker", "The VDAB counsellor"):
        assert party in page
    assert reverse("referrals:referral_agreement_pdf", args=[agreed.pk]) in page
