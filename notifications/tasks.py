"""The Celery tasks of the notifications, and handing e-mails to them. Tasks take ids, never
objects, and are idempotent; how one e-mail is sent exactly once is `delivery`.

- `deliver`: send one e-mail, retried with backoff while the failure is temporary.
- `relay_pending` (beat, every NOTIFY_RELAY_EVERY seconds): dispatch again what an enqueue
  or a worker lost.
- `send_reminders` (beat, daily): write the reminders that are due (`reminders`).
- `send_digests` (beat, daily at NOTIFY_DIGEST_HOUR): write the daily digests (`digest`).
- `redeliver`: the admin's Retry.
"""

import datetime
import logging
from collections import Counter

from celery import shared_task
from celery.exceptions import Reject
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import delivery, digest, outbox, reminders
from .delivery import EMAIL, Status
from .models import Notification

logger = logging.getLogger(__name__)


# max_retries=None on the task: Celery retries without limit (`retry(max_retries=None)`
# would mean "the task's default", 3); NOTIFY_MAX_ATTEMPTS ends the row `failed` instead.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver(self, notification_id: int) -> str:
    """Send one e-mail; running this any number of times for one id sends it once."""
    retried = not self.request.is_eager
    status, retry_in = delivery.send_one(notification_id, retried=retried)
    if status == Status.PENDING and retried:
        try:
            raise self.retry(countdown=retry_in)
        except Reject:  # the retry could not be published: the relay takes the row
            delivery.not_queued([notification_id])
            raise
    return status


@shared_task
def relay_pending() -> int:
    """Dispatch again the e-mails whose task is lost; how many it dispatched.

    - A `pending` e-mail with no task in the queue (`queued_at` empty: publishing failed,
      as with the broker down at commit, or the attempt's error was not the mail
      server's) NOTIFY_RELAY_AFTER seconds after it was due.
    - A `pending` e-mail whose task has waited in the queue NOTIFY_QUEUE_PATIENCE seconds
      past its due time: presumed lost (a whole worker killed with tasks in hand, which
      the broker hands back only after its visibility timeout; a broker restarted without
      its data; a process that died between its COMMIT and the enqueue, which wrote the
      e-mail as queued). A task merely waiting its turn behind a backlog is left alone.
    - A `sending` e-mail whose sender was lost mid-delivery (claim older than
      NOTIFY_SENDING_LEASE), again only after NOTIFY_QUEUE_PATIENCE once relayed.

    What it dispatches is stamped `queued_at` = now in the same transaction. A second
    task for a row converges with the first: `deliver` takes a pending row only once its
    attempt is due and counts every attempt, so one task sends it and the other skips."""
    now = timezone.now()
    overdue = now - datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER)
    presumed_lost = now - datetime.timedelta(seconds=settings.NOTIFY_QUEUE_PATIENCE)
    lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
    no_task = Q(queued_at__isnull=True)
    task_lost = Q(queued_at__lt=presumed_lost)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(channel=EMAIL)
            .alias(due=Coalesce("next_attempt_at", "created_at"))
            .filter(
                (Q(status=Status.PENDING, due__lt=overdue) & no_task)
                | (Q(status=Status.PENDING, due__lt=presumed_lost) & task_lost)
                | (Q(status=Status.SENDING, claimed_at__lt=lease_expired) & (no_task | task_lost))
            )
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[: settings.NOTIFY_RELAY_BATCH]
        )
        Notification.objects.filter(pk__in=ids).update(queued_at=now)
    enqueue(ids)
    return len(ids)


def redeliver(notification_ids) -> int:
    """Put failed (or stuck pending, or abandoned `sending`) e-mails back in the queue with
    a fresh count of attempts, delivered after commit; the number put back. The admin's
    Retry action.

    A row in a worker's hands (locked, or `sending` under a claim younger than
    NOTIFY_SENDING_LEASE) is left to that worker and the relay."""
    lease_expired = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, channel=EMAIL)
            .filter(
                Q(status__in=[Status.FAILED, Status.PENDING])
                | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
            )
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Status.PENDING,
            attempts=0,
            last_error="",
            next_attempt_at=None,
            queued_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue(ids))
    return len(ids)


@shared_task
def send_reminders(today: datetime.date | str | None = None) -> dict[str, int]:
    """Write today's reminders to the outbox (run daily by beat; safe to run again).

    Each reminder has its own transaction, so one that fails is logged and retried the
    next day without holding back the others; its e-mails are enqueued on commit."""
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    today = today or timezone.localdate()
    sent: Counter[str] = Counter()
    for reminder in reminders.due_reminders(today):
        try:
            with transaction.atomic():
                recipients = reminder.recipients()
                written = outbox.write(
                    kind=reminder.kind,
                    recipients=recipients,
                    referral=reminder.referral,
                    source=reminder.source,
                    context=reminder.context,
                )
                enqueue_on_commit(written)
        except Exception:
            logger.exception("Reminder %s could not be written", reminder.source)
            continue
        if not recipients:
            # Tried again tomorrow: by then the training may have a counsellor.
            logger.warning("Reminder %s has nobody to go to", reminder.source)
        elif written:
            sent[str(reminder.kind)] += 1
    logger.info("Reminders written on %s: %s", today, dict(sent))
    return dict(sent)


@shared_task
def send_digests(today: datetime.date | str | None = None) -> int:
    """Write each daily digest of `today` to the outbox (run daily by beat; safe to run
    again: a reader's digest of a day is written once); how many were written.

    One transaction per reader, so that one that fails is logged and tried again the next
    day without holding back the others; the e-mails are enqueued on commit."""
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    today = today or timezone.localdate()
    written = 0
    readers = get_user_model().objects.filter(pk__in=digest.readers_waiting()).order_by("pk")
    for recipient in readers:
        try:
            with transaction.atomic():
                digests = digest.write_digest(recipient, today)
                enqueue_on_commit(digests)
        except Exception:
            logger.exception("The digest of %s for user %s was not written", today, recipient.pk)
            continue
        written += len(digests)
    logger.info("Daily digests written on %s: %d", today, written)
    return written


def enqueue_on_commit(notifications: list[Notification]) -> None:
    """Hand the e-mails among `notifications` to the worker once the transaction commits."""
    emails = [n.pk for n in notifications if n.channel == EMAIL]
    if emails:
        transaction.on_commit(lambda: enqueue(emails))


def enqueue(notification_ids: list[int]) -> None:
    """Hand e-mails to the worker. If the broker is down the rows stay pending and the
    periodic relay sends them later: nothing is lost, only delayed.

    This runs after commit, often in the web request that committed: each id is published
    once, without publish retries, and the first broker error ends it (the broker is down
    for the rest as well), so a request waits for one connection attempt, not for Celery's
    retries once per e-mail. `retry_policy={"max_retries": 0}` rather than `retry=False`:
    without a policy kombu retries the connection by itself, for up to
    broker_connection_timeout (some 6 s against a stopped Redis)."""
    notification_ids = list(notification_ids)
    for position, notification_id in enumerate(notification_ids):
        try:
            deliver.apply_async((notification_id,), retry_policy={"max_retries": 0})
        except OperationalError as exc:  # Celery's wrapping of every broker connection error
            logger.warning(
                "Could not enqueue notification %s and %d more (%s); they stay pending, the "
                "relay will send them",
                notification_id,
                len(notification_ids) - position - 1,
                exc,
            )
            delivery.not_queued(notification_ids[position:])
            return
        except Exception:  # in-process (no broker): the delivery itself failed, recorded
            logger.exception(
                "Could not enqueue notification %s; the relay will retry it", notification_id
            )
            delivery.not_queued([notification_id])  # with a broker: no task was published
