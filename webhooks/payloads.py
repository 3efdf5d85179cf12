"""What a webhook carries: a thin event. It says what happened to which referral, with the
referral's ids, states and dates as the receiving organisation may see them, and never a
name, a national number or a note's text: the receiver fetches those through the API,
where its access is checked when it asks. `EventSerializer` is the payload's shape (the
OpenAPI schema shows it, as WebhookEvent: api/schema.py) and builds it."""

import dataclasses
import datetime
import hashlib
import hmac
import uuid

from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.models import Province
from referrals.enums import GuidanceTopic, NoteVisibility, State

from .kinds import CREATED, SUBJECTS, EventKind


def event_id(source: str) -> uuid.UUID:
    """The event's id, derived from what caused it (`source`), so that announcing one event
    again gives the same id; keyed with the SECRET_KEY, so that no receiver can work back
    from it to the history line's number, which would tell how many events all
    organisations had."""
    digest = hmac.new(settings.SECRET_KEY.encode(), source.encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


@dataclasses.dataclass(frozen=True)
class Occurrence:
    """One event as one organisation receives it: what `EventSerializer` renders."""

    event_id: uuid.UUID
    kind: str
    occurred_at: datetime.datetime
    referral: object  # referrals.Referral
    previous_state: str | None
    # The client's id, for the client's own OCMW only: the client file is the OCMW's.
    client_id: int | None
    subject: dict | None = None
    note: object | None = None  # referrals.GuidanceNote


@extend_schema_serializer(component_name="WebhookTraining")
class TrainingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


@extend_schema_serializer(component_name="WebhookReferral")
class ReferralSerializer(serializers.Serializer):
    """The referral right after the event (an `Occurrence` as source)."""

    id = serializers.IntegerField(source="referral.pk")
    state = serializers.ChoiceField(choices=State.choices, source="referral.state")
    previous_state = serializers.ChoiceField(choices=State.choices, allow_null=True)
    ocmw_id = serializers.IntegerField(source="referral.ocmw_id")
    client_id = serializers.IntegerField(
        allow_null=True, help_text="Only in the events sent to the client's own OCMW."
    )
    region = serializers.ChoiceField(choices=Province.choices, source="referral.region")
    training = TrainingSerializer(source="referral.training")
    applied_on = serializers.DateField(source="referral.applied_on", allow_null=True)
    agreed_on = serializers.DateField(source="referral.agreed_on", allow_null=True)
    intake_at = serializers.DateTimeField(source="referral.intake_at", allow_null=True)
    probable_start_date = serializers.DateField(
        source="referral.probable_start_date", allow_null=True
    )
    start_date = serializers.DateField(source="referral.start_date", allow_null=True)
    expected_end_date = serializers.DateField(source="referral.expected_end_date", allow_null=True)
    end_date = serializers.DateField(source="referral.end_date", allow_null=True)


@extend_schema_serializer(component_name="WebhookSubject")
class SubjectSerializer(serializers.Serializer):
    """The record within the referral that the event is about (a document, an
    interruption), to fetch through the API."""

    type = serializers.ChoiceField(choices=["document", "interruption"])
    id = serializers.IntegerField()


@extend_schema_serializer(component_name="WebhookNote")
class NoteSerializer(serializers.Serializer):
    """A guidance note, without its text."""

    id = serializers.IntegerField(source="pk")
    topic = serializers.ChoiceField(choices=GuidanceTopic.choices)
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices)
    written_on = serializers.DateField()


@extend_schema_serializer(component_name="WebhookEvent")
class EventSerializer(serializers.Serializer):
    """The JSON body of a webhook call (docs/webhooks.md)."""

    event_id = serializers.UUIDField(
        help_text="The same on every attempt: a receiver that got it already ignores it."
    )
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField()
    referral = ReferralSerializer(source="*")
    subject = SubjectSerializer(allow_null=True, required=False)
    note = NoteSerializer(allow_null=True, required=False)


def for_event(event, organisation, *, source: str) -> dict:
    """The payload of a history line (`referral_event`) for `organisation`."""
    referral = event.referral
    subject = None
    if event.transition in SUBJECTS:
        subject_type, key = SUBJECTS[event.transition]
        subject = {"type": subject_type, "id": event.data[key]}
    previous = event.from_state or None
    if event.transition == CREATED:
        previous = None
    return render(
        Occurrence(
            event_id=event_id(source),
            kind=event.transition,
            occurred_at=event.at,
            referral=referral,
            previous_state=previous,
            client_id=_client_id(referral, organisation),
            subject=subject,
        )
    )


def for_note(note, kind: str, organisation, *, source: str, at: datetime.datetime) -> dict:
    """The payload of a guidance note added or corrected, for `organisation`."""
    return render(
        Occurrence(
            event_id=event_id(source),
            kind=kind,
            occurred_at=at,
            referral=note.referral,
            previous_state=None,
            client_id=_client_id(note.referral, organisation),
            note=note,
        )
    )


# One serializer renders every payload: making one copies its declared fields and those of
# the serializers inside it (half a millisecond, twice per step with two subscribers), and
# rendering only reads them.
_EVENT = EventSerializer()


def render(occurrence: Occurrence) -> dict:
    return _EVENT.to_representation(occurrence)


def _client_id(referral, organisation) -> int | None:
    return referral.client_id if organisation.pk == referral.ocmw_id else None
