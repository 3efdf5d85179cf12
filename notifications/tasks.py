"""The Celery tasks of the notifications, and handing e-mails to them. Tasks take ids, never
objects, and are idempotent; how one e-mail is sent exactly once is `delivery`.

- `deliver`: send one e-mail, retried with backoff while the failure is temporary.
- `relay_pending` (beat, every NOTIFY_RELAY_EVERY seconds): dispatch again what an enqueue
  or a worker lost.
- `send_reminders` (beat, daily): write the reminders that are due (`reminders`), a run of
  at most NOTIFY_REMINDERS_RUN_SECONDS queuing the next.
- `send_digests` (beat, daily at NOTIFY_DIGEST_HOUR): write the daily digests (`digest`).
- `redeliver`: the admin's Retry.
"""

import datetime
import logging
import time
from collections import Counter
from collections.abc import Sequence

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import delivery, digest, outbox, reminders
from .delivery import EMAIL, EMAILS
from .models import Notification

logger = logging.getLogger(__name__)


# max_retries=None on the task: Celery retries without limit (`retry(max_retries=None)`
# would mean "the task's default", 3); NOTIFY_MAX_ATTEMPTS ends the row `failed` instead.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver(self, notification_id: int) -> str:
    """Send one e-mail; running this any number of times for one id sends it once."""
    return EMAILS.run_task(self, notification_id, delivery.send_one)


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

    The query is the engine's (`engine.Outbox.relay`), shared with the webhooks."""
    ids = EMAILS.relay()
    enqueue(ids)
    return len(ids)


def redeliver(notification_ids) -> int:
    """Put failed (or stuck pending, or abandoned `sending`) e-mails back in the queue with
    a fresh count of attempts, delivered after commit; the number put back. The admin's
    Retry action (`engine.Outbox.redeliver`)."""
    return EMAILS.redeliver(notification_ids, enqueue)


@shared_task
def send_reminders(
    today: datetime.date | str | None = None, tried: Sequence[str] = ()
) -> dict[str, int]:
    """Write today's reminders to the outbox (run daily by beat; safe to run again); how
    many of each kind this run wrote.

    Each reminder has its own transaction, so one that fails is logged and retried the
    next day without holding back the others; its e-mails are enqueued on commit.

    A run that has written reminders for NOTIFY_REMINDERS_RUN_SECONDS queues another, which
    goes on with those not written yet (the selection skips what is written), and ends.
    The next run waits in the queue behind the e-mails this one handed over (a task each),
    so that the broker holds a run's worth of them: a first morning after an import of
    years of trajectories handed over some two million e-mails (2 GB of Redis) in half an
    hour on the bench fill, as fast as it wrote them. No run nears the broker's visibility
    timeout either (two hours), after which Redis would give it to a second worker too.
    `tried`: the sources of the reminders the runs before this one tried and did not write
    (they failed, or had nobody to go to), which the next day's run tries again, not each
    run of a morning. A run that wrote nothing does not go on.

    In-process (no broker) the next run runs inside this one. Handed back by a worker told
    to stop after it queued the next, a run starts a second string beside the first: each
    reminder is still written once."""
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    today = today or timezone.localdate()
    sent: Counter[str] = Counter()
    not_written: list[str] = []
    ends = time.monotonic() + settings.NOTIFY_REMINDERS_RUN_SECONDS
    for reminder in reminders.due_reminders(today, skip=frozenset(tried)):
        if sent and time.monotonic() >= ends:
            _go_on_with_reminders(today, [*tried, *not_written])
            break
        try:
            recipients, written = write_reminder(reminder)
        except Exception:
            logger.exception("Reminder %s could not be written", reminder.source)
            not_written.append(reminder.source)
            continue
        if not recipients:
            # Tried again tomorrow: by then the training may have a counsellor.
            logger.warning("Reminder %s has nobody to go to", reminder.source)
            not_written.append(reminder.source)
        elif written:
            sent[str(reminder.kind)] += 1
    logger.info("Reminders written on %s by this run: %s", today, dict(sent))
    return dict(sent)


def _go_on_with_reminders(today: datetime.date, tried: list[str]) -> None:
    """Queue a run of `send_reminders` that goes on with `today`'s reminders but those
    `tried`, trying the broker once; if it is down, tomorrow's run writes them."""
    logger.info("Reminders of %s: more are due, another run goes on with them", today)
    try:
        send_reminders.apply_async((today.isoformat(), tried), retry_policy={"max_retries": 0})
    except OperationalError as exc:
        logger.warning("Reminders of %s: the run to go on could not be queued (%s)", today, exc)


@transaction.atomic
def write_reminder(reminder: reminders.Reminder) -> tuple[list, list[Notification]]:
    """Write one reminder to the outbox in a transaction of its own, its e-mails enqueued on
    commit; who it is for, and the rows written (none if it was written before)."""
    recipients = reminder.recipients()
    written = outbox.write(
        kind=reminder.kind,
        recipients=recipients,
        referral=reminder.referral,
        source=reminder.source,
        context=reminder.context,
    )
    enqueue_on_commit(written)
    return recipients, written


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
    """Hand e-mails to the worker after commit; if the broker is down the rows stay pending
    and the relay sends them later (`engine.Outbox.enqueue`)."""
    EMAILS.enqueue(deliver, notification_ids)
