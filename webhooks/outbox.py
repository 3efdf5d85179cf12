"""The webhooks' outbox: one `Delivery` row per event and subscription, written in the
transaction of the step that caused the event (the e-mails' pattern, `notifications.outbox`).
Whoever writes hands the rows to the worker after commit (`tasks.enqueue_on_commit`); the
relay sends whatever that missed.

An event goes to the active subscriptions that ask for its kind, of the organisations that
may see its referral (`referrals.access.organisation_sees`); an internal guidance note only
to its author's organisation."""

import functools

from django.db import connections, router
from django.utils import timezone

from accounts.models import Organisation
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
    Only the subscriptions of the organisations that may see the referral are read
    (`subscriptions_seeing`): an `audience` reaches no further than `organisation_sees`."""
    # Replayed history (demo data, imports) is kept in the app but told to nobody.
    if is_replaying_history():
        return []
    # Whether each organisation may is the rule's to say (`audience`, on
    # `organisation_sees`).
    subscriptions = [
        subscription
        for subscription in subscriptions_seeing(referral)
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


def subscriptions_seeing(referral) -> list[Subscription]:
    """The active subscriptions of the organisations that may see `referral`
    (`access.organisation_sees`: its OCMW, and once agreed the VDAB of its region), not all
    of Flanders', in key order. Each holds its kinds and its organisation's key, kind and
    province (what the rule asks), the rest deferred.

    One fixed statement (`_seeing_statement`): Django took nearly five times as long
    building the query and its objects as the database took to answer it (2.9 against 0.6
    ms), in every step."""
    connection = connections[router.db_for_read(Subscription)]
    parameters = [referral.ocmw_id, access.is_agreed(referral), Organisation.Kind.VDAB]
    with connection.cursor() as cursor:
        cursor.execute(_seeing_statement(connection.alias), [*parameters, referral.region])
        rows = cursor.fetchall()
    kinds = Subscription._meta.get_field("kinds")
    found = []
    for pk, organisation_id, their_kinds, organisation_kind, province in rows:
        subscription = Subscription.from_db(
            connection.alias,
            ["id", "organisation_id", "kinds"],
            [pk, organisation_id, kinds.from_db_value(their_kinds, None, connection)],
        )
        subscription.organisation = Organisation.from_db(
            connection.alias,
            ["id", "kind", "province"],
            [organisation_id, organisation_kind, province],
        )
        found.append(subscription)
    return found


@functools.cache
def _seeing_statement(alias: str) -> str:
    """`subscriptions_seeing`'s statement, from the models' tables: the parameters are the
    referral's OCMW, whether it is agreed, VDAB's kind of organisation and the referral's
    region."""
    qn = connections[alias].ops.quote_name

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    # Names from the models, values as parameters.
    return (
        f"SELECT s.{column(Subscription, 'id')}, s.{column(Subscription, 'organisation')},"  # noqa: S608
        f" s.{column(Subscription, 'kinds')}, o.{column(Organisation, 'kind')},"
        f" o.{column(Organisation, 'province')}"
        f" FROM {qn(Subscription._meta.db_table)} s INNER JOIN {qn(Organisation._meta.db_table)} o"
        f" ON o.{column(Organisation, 'id')} = s.{column(Subscription, 'organisation')}"
        f" WHERE s.{column(Subscription, 'active')}"
        f" AND (o.{column(Organisation, 'id')} = %s"
        f" OR (%s AND o.{column(Organisation, 'kind')} = %s"
        f" AND o.{column(Organisation, 'province')} = %s))"
        f" ORDER BY s.{column(Subscription, 'id')}"
    )
