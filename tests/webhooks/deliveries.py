"""Deliveries in the webhooks' outbox for the sender, relay and admin tests: one written as
`outbox.write` leaves it (pending, nothing tried), about a referral of the client's OCMW."""

import datetime
import itertools
import uuid

from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, ReferralFactory
from webhooks.kinds import EventKind
from webhooks.models import Delivery, Subscription

Status = Delivery.Status
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
_numbers = itertools.count(1)


def make_subscription(url: str = "https://receiver.example/okot", **fields) -> Subscription:
    fields.setdefault("organisation", OcmwFactory(municipality=f"Gemeente {next(_numbers)}"))
    fields.setdefault("kinds", list(EventKind.values))
    return Subscription.objects.create(url=url, **fields)


def make_delivery(subscription: Subscription | None = None, **fields) -> Delivery:
    """A pending delivery with no task in the queue (`queued_at` empty unless given)."""
    subscription = subscription or make_subscription()
    referral = fields.pop("referral", None) or ReferralFactory(
        client=ClientFactory(ocmw=subscription.organisation)
    )
    event_id = uuid.uuid4()
    return Delivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        kind=fields.pop("kind", EventKind.PLAN_INTAKE),
        referral=referral,
        payload={"event_id": str(event_id), "kind": "plan_intake", "referral": {"id": 1}},
        **fields,
    )


def reload(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)
