"""The Celery tasks of the webhooks, and handing deliveries to them: the e-mails' tasks
(`notifications.tasks`) on the shared engine, for the `Delivery` outbox.

- `deliver`: post one delivery, retried with backoff while the failure is temporary.
- `relay_pending` (beat, every NOTIFY_RELAY_EVERY seconds): dispatch again what an enqueue
  or a worker lost.
- `redeliver`: the admin's Retry."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import sender
from .sender import WEBHOOKS


# max_retries=None: Celery retries without limit; WEBHOOK_MAX_ATTEMPTS ends the row instead.
# The time limits bound the whole call, which WEBHOOK_TIMEOUT (per socket operation) does
# not: a receiver trickling a byte at a time would otherwise hold the row's lock for ever.
# Past the soft limit the call counts as an unexpected error: the row goes back to pending.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    soft_time_limit=settings.WEBHOOK_TIMEOUT * 6,
    time_limit=settings.WEBHOOK_TIMEOUT * 6 + 30,
)
def deliver(self, delivery_id: int) -> str:
    """Post one delivery; running this any number of times for one id posts it once, but
    for the window docs/webhooks.md states."""
    return WEBHOOKS.run_task(self, delivery_id, sender.send_one)


@shared_task
def relay_pending() -> int:
    """Dispatch again the deliveries whose task is lost (`engine.Outbox.relay`); how many."""
    ids = WEBHOOKS.relay()
    enqueue(ids)
    return len(ids)


def redeliver(delivery_ids) -> int:
    """Queue failed (or stuck) deliveries again with a fresh count of attempts, after
    commit; the number queued. The admin's Retry action."""
    return WEBHOOKS.redeliver(delivery_ids, enqueue)


def enqueue_on_commit(deliveries) -> None:
    """Hand `deliveries` to the worker once the transaction commits."""
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(delivery_ids) -> None:
    """Hand deliveries to the worker; if the broker is down they stay pending and the relay
    sends them later (`engine.Outbox.enqueue`)."""
    WEBHOOKS.enqueue(deliver, delivery_ids)
