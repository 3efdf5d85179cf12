"""What a webhook carries: a thin event (ids, states, dates), the same id on every attempt,
the client's id for the client's OCMW only, and never a name, a number or a note's text."""

import json
import uuid

import pytest
from django.utils import timezone

from referrals import services
from referrals.enums import GuidanceTopic, NoteVisibility, State
from webhooks.kinds import EventKind
from webhooks.models import Delivery
from webhooks.signing import encode

from .conftest import deliveries_of

pytestmark = pytest.mark.django_db

REFERRAL_KEYS = {
    "id",
    "state",
    "previous_state",
    "ocmw_id",
    "client_id",
    "region",
    "training",
    "applied_on",
    "agreed_on",
    "intake_at",
    "probable_start_date",
    "start_date",
    "expected_end_date",
    "end_date",
}


@pytest.fixture
def agreed(organisations, subscribe, walk):
    subscribe(organisations["client's OCMW"])
    subscribe(organisations["VDAB region"])
    return walk(State.AGREED)


def payload_for(referral, kind, organisation) -> dict:
    (delivery,) = [
        row
        for row in deliveries_of(referral, kind)
        if row.subscription.organisation == organisation
    ]
    return delivery.payload


def test_a_steps_payload(agreed, organisations):
    referral = agreed
    event = referral.events.get(transition="agree")

    payload = payload_for(referral, EventKind.AGREE, organisations["client's OCMW"])

    assert set(payload) == {"event_id", "kind", "occurred_at", "referral", "subject", "note"}
    assert uuid.UUID(payload["event_id"])
    assert payload["kind"] == "agree"
    assert payload["occurred_at"] == timezone.localtime(event.at).isoformat()
    assert set(payload["referral"]) == REFERRAL_KEYS
    assert payload["referral"] | {"training": None} == {
        "id": referral.pk,
        "state": State.AGREED,
        "previous_state": State.CANDIDATE,
        "ocmw_id": referral.ocmw_id,
        "client_id": referral.client_id,
        "region": referral.region,
        "training": None,
        "applied_on": referral.applied_on.isoformat(),
        "agreed_on": referral.agreed_on.isoformat(),
        "intake_at": None,
        "probable_start_date": None,
        "start_date": None,
        "expected_end_date": None,
        "end_date": None,
    }
    assert payload["referral"]["training"] == {
        "id": referral.training_id,
        "title": referral.training.title,
    }
    assert (payload["subject"], payload["note"]) == (None, None)


def test_vdab_gets_the_same_event_without_the_client_id(agreed, organisations):
    ocmw = payload_for(agreed, EventKind.AGREE, organisations["client's OCMW"])
    vdab = payload_for(agreed, EventKind.AGREE, organisations["VDAB region"])

    assert vdab["referral"]["client_id"] is None
    assert vdab["event_id"] == ocmw["event_id"]  # one event, whoever receives it
    assert {**vdab["referral"], "client_id": ocmw["referral"]["client_id"]} == ocmw["referral"]


def test_nothing_that_names_the_client_or_tells_a_note(agreed, organisations, caseworker):
    referral = agreed
    client = referral.client
    services.guidance_note_add(
        referral=referral,
        user=caseworker,
        topic=GuidanceTopic.DROPOUT_RISK,
        note="Zorgen om de gezondheid van de cliënt.",
        written_on=timezone.localdate(),
        visibility=NoteVisibility.SHARED,
    )

    bodies = [encode(row.payload).decode() for row in Delivery.objects.filter(referral=referral)]

    assert bodies
    for text in [client.first_name, client.last_name, client.insz, "gezondheid"]:
        assert not [body for body in bodies if text in body]
    (note_payload,) = [
        json.loads(body)
        for body in bodies
        if '"guidance_note_added"' in body and '"client_id":null' in body
    ]
    assert set(note_payload["note"]) == {"id", "topic", "visibility", "written_on"}
    assert note_payload["note"]["topic"] == GuidanceTopic.DROPOUT_RISK


def reordered(value):
    """The same JSON with every object's keys in reverse order, as a database may give it
    back (PostgreSQL's jsonb keeps no order)."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(list(value))}
    return value


def test_a_body_is_the_same_bytes_on_every_attempt(agreed):
    """Every attempt re-encodes the stored payload: its bytes, and so its signature's input,
    must not depend on the order the database gives the keys back in."""
    payload = Delivery.objects.filter(referral=agreed).first().payload

    assert list(reordered(payload)) != list(payload)
    assert encode(reordered(payload)) == encode(payload)
