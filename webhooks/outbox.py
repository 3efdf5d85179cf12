"""The webhooks' outbox: one `Delivery` row per event and subscription, written in the
transaction of the step that caused the event (the e-mails' pattern, `notifications.outbox`).
Whoever writes hands the rows to the worker after commit (`tasks.enqueue_on_commit`); the
relay sends whatever that missed.

An event goes to the active subscriptions that ask for its kind, of the organisations that
may see its referral (`referrals.access.organisation_sees`); an internal guidance note only
to its author's organisation."""

from django.utils import timezone

from notifications import inserting
from referrals import access
from referrals.enums import NoteVisibility
from referrals.signals import is_replaying_history

from . import payloads
from .kinds import EventKind
from .models import Delivery, Subscription


def write_for_event(event) -> list[Delivery]:
    """The deliveries of one history line (`referral_event`)."""
    if event.transition not in EventKind.values:
        return []  # a history line that is not offered to subscribers
    referral = event.referral
    source = f"event:{event.pk}"
    return write(
        kind=event.transition,
        referral=referral,
        source=source,
        audience=lambda organisation: access.organisation_sees(referral, organisation),
        payload=lambda organisation: payloads.for_event(event, organisation, source=source),
    )


def write_for_note(note, *, corrected: bool = False) -> list[Delivery]:
    """The deliveries of a guidance note added, or corrected by its author: to the
    organisations that see its referral, an internal note only to its author's."""
    referral = note.referral
    if corrected:
        kind, at = EventKind.GUIDANCE_NOTE_CORRECTED, note.edited_at
        source = f"note:{note.pk}:corrected:{at.isoformat()}"
    else:
        kind, at = EventKind.GUIDANCE_NOTE_ADDED, note.created_at
        source = f"note:{note.pk}"

    def audience(organisation) -> bool:
        shared = note.visibility == NoteVisibility.SHARED
        return access.organisation_sees(referral, organisation) and (
            shared or organisation.pk == note.organisation_id
        )

    return write(
        kind=kind,
        referral=referral,
        source=source,
        audience=audience,
        payload=lambda organisation: payloads.for_note(
            note, kind, organisation, source=source, at=at
        ),
    )


def write(*, kind: str, referral, source: str, audience, payload) -> list[Delivery]:
    """Write the pending deliveries of one event (`source` makes its id): one row per
    active subscription asking for `kind` whose organisation is in the `audience`, with the
    `payload` built for that organisation; the pending rows of the event. Writing the same
    event twice adds nothing (the unique key: the insert leaves out what is there,
    `notifications.inserting`). One query and one insert, whatever the number of
    subscriptions (and one more to read back what an event written before left pending).
    Only the organisations that may see the referral are read (`organisations_seeing`):
    an `audience` reaches no further than `organisation_sees`."""
    # Replayed history (demo data, imports) is kept in the app but told to nobody.
    if is_replaying_history():
        return []
    # The active subscriptions of the organisations that may see the referral (its OCMW,
    # its VDAB region), not all of Flanders'; whether each may is the rule's to say
    # (`audience`, on `organisation_sees`).
    seeing = access.organisations_seeing(referral, through="organisation")
    subscriptions = [
        subscription
        for subscription in Subscription.objects.active()
        .filter(seeing)
        .select_related("organisation")
        if subscription.wants(kind) and audience(subscription.organisation)
    ]
    if not subscriptions:
        return []
    now = timezone.now()
    event_id = payloads.event_id(source)
    written = inserting.insert_new(
        Delivery,
        [
            Delivery(
                subscription=subscription,
                event_id=event_id,
                kind=kind,
                referral=referral,
                payload=payload(subscription.organisation),
                created_at=now,
                # The caller hands it to the worker on commit (`tasks.enqueue_on_commit`).
                queued_at=now,
            )
            for subscription in subscriptions
        ],
        unique=["event_id", "subscription"],
    )
    if len(written) == len(subscriptions):
        return sorted(written, key=lambda delivery: delivery.pk)
    # Written before (announced again): the event's rows still to send, theirs too.
    return list(
        Delivery.objects.filter(
            event_id=event_id, subscription__in=subscriptions, status=Delivery.Status.PENDING
        ).order_by("pk")
    )
