"""Delivery of the outbox's e-mails. Tasks take ids, never objects, and are idempotent.

One e-mail goes out in two transactions (`deliver`):

1. **Claim** (committed before any SMTP traffic): lock the row with `SELECT ... FOR UPDATE
   SKIP LOCKED`; only a `pending` row, or a `sending` row whose claim is older than
   NOTIFY_SENDING_LEASE, is claimed: it becomes `sending`, its attempt is counted and
   `claimed_at` stamped. The attempt number is the claim's token. Because it is committed,
   a worker killed mid-delivery leaves a visible `sending` row with that attempt counted,
   so a message that kills every worker still ends `failed`.
2. **Send**: lock the row again, only if it is still `sending` under our attempt number, and
   hold that lock for the whole SMTP conversation. On PostgreSQL the lock is the sender's
   proof of life: it lasts exactly as long as the sender's database connection, however long
   the mail server stalls, and nobody else takes a locked row (`skip_locked`). Once the server
   accepts the message the row becomes `sent` and commits; only then is the SMTP session
   closed (QUIT), so no network round trip stands between acceptance and commit.
3. **Recovery**: `relay_pending` (Celery beat) re-dispatches `pending` rows NOTIFY_RELAY_AFTER
   seconds after they were due (an enqueue lost with the broker down at commit, a lost
   retry) and `sending` rows whose claim is older than the lease (a worker lost mid-send).
   `deliver` retakes such a row only if it can lock it, that is when its sender is gone.

Failures: a temporary one (a 4xx answer, refused or dropped connection, timeout, DNS, TLS)
puts the row back to `pending` with `last_error` and `next_attempt_at`, and the task retries
after `backoff()` (exponential, full jitter, capped). A permanent refusal of this message (a
5xx answer to its recipient or its content), a recipient without an address, or the
NOTIFY_MAX_ATTEMPTS-th attempt ends the row `failed`; failed rows wait for a person (the
admin's Retry action, `redeliver`). Without a broker (no REDIS_URL) tasks run in-process
after commit: a temporary failure is recorded and left to the relay, never retried inside
the web request.

The guarantee, with beat and a worker running:

- Nothing is lost: every e-mail row ends `sent` or `failed`.
- A `sent` or `failed` row is never handed to the mail server again (except by Retry).
- At most one SMTP conversation per row runs at any time: on PostgreSQL whatever its length;
  on a database without row locks (SQLite, the embedded default) if it lasts less than
  NOTIFY_SENDING_LEASE.
- Exactly once, with one exception. The server takes responsibility for a message only with
  its 250 reply to DATA (RFC 5321, 4.1.1.4 and 6.1), so a worker killed before that reply
  (connecting, during DATA, while the server stalls) delivered nothing and the retry is the
  only delivery. The exception is the instant between that 250 and the durable commit of
  `sent` (one UPDATE and COMMIT; or a commit that fails): then the row is retaken after the
  lease and the e-mail sent again, with the same Message-ID, derived from the idempotency
  key, by which the receiving side recognises the copy. SMTP has no two-phase commit; no
  sender alone can close that window.
"""

import datetime
import logging
import random
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Notification
from .outbox import enqueue

logger = logging.getLogger(__name__)

EMAIL = Notification.Channel.EMAIL
Status = Notification.Status

# Worth another attempt: the mail server or the way to it. Every socket failure is an OSError
# (refused, reset, unreachable network, DNS, timeout, TLS), which a narrower list would miss;
# those that never heal end `failed` after NOTIFY_MAX_ATTEMPTS.
TEMPORARY_FAILURES = (smtplib.SMTPException, OSError)


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this message's recipient or content: sending it again won't help.

    A 5xx about our side (authentication, the sender address) is left to the retries: the
    configuration gets fixed, and the messages should then still go."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _answer in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failed attempt: exponential, full jitter."""
    ceiling = settings.NOTIFY_RETRY_BACKOFF * 2 ** min(max(attempt, 1) - 1, 32)
    return random.uniform(0, min(settings.NOTIFY_RETRY_BACKOFF_MAX, ceiling))  # noqa: S311


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver(self, notification_id: int) -> str:
    """Send one e-mail. A row that is sent, failed, or in another worker's hands is left
    alone, so running this any number of times for one id sends it once."""
    attempt = _claim(notification_id)
    if attempt is None:
        return "skipped"
    retry_in = backoff(attempt)
    connection = get_connection(timeout=settings.NOTIFY_SMTP_TIMEOUT)
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=notification_id, status=Status.SENDING, attempts=attempt)
                .first()
            )
            if notification is None:  # our claim was taken over; that worker sends it
                return "skipped"
            status = _send(notification, connection, retry_in=retry_in)
    finally:
        _close_quietly(connection)  # after the commit: the server already has the message
    if status == Status.PENDING and not self.request.is_eager:
        raise self.retry(countdown=retry_in, max_retries=None)
    return status


def _claim(notification_id: int) -> int | None:
    """Mark the e-mail `sending` and count the attempt, in a transaction of its own; the
    attempt number, or None if the row is not ours to send."""
    now = timezone.now()
    lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
    # Durable: the claim must be committed before the SMTP conversation starts.
    with transaction.atomic(durable=True):
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, channel=EMAIL)
            .filter(
                Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
            )
            .only("status", "attempts")
            .first()
        )
        if notification is None:
            return None
        if notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            # Only a worker lost during the last attempt gets here.
            Notification.objects.filter(pk=notification_id).update(
                status=Status.FAILED,
                last_error=f"Gave up after {notification.attempts} attempts; the last one was "
                "interrupted (worker lost).",
            )
            return None
        # Compare and set: also safe where select_for_update does nothing (SQLite).
        claimed = Notification.objects.filter(
            pk=notification_id, status=notification.status, attempts=notification.attempts
        ).update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    return notification.attempts + 1 if claimed else None


def _send(notification: Notification, connection, *, retry_in: float) -> str:
    """Hand the message to the mail server and record the outcome on the (locked) row."""
    if not notification.recipient.email:
        return _record(notification, Status.FAILED, error="The recipient has no e-mail address.")
    try:
        connection.open()
        connection.send_messages([_message(notification)])
    except TEMPORARY_FAILURES as exc:
        error = f"{type(exc).__name__}: {exc}"
        if is_permanent(exc) or notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            logger.error(
                "E-mail %s failed (attempt %s): %s", notification.pk, notification.attempts, exc
            )
            return _record(notification, Status.FAILED, error=error)
        logger.warning("E-mail %s, attempt %s: %s", notification.pk, notification.attempts, exc)
        return _record(notification, Status.PENDING, error=error, retry_in=retry_in)
    return _record(notification, Status.SENT)


def _record(notification: Notification, status: str, *, error: str = "", retry_in=None) -> str:
    now = timezone.now()
    notification.status = status
    notification.last_error = error[:2000]
    notification.next_attempt_at = (
        None if retry_in is None else now + datetime.timedelta(seconds=retry_in)
    )
    notification.sent_at = now if status == Status.SENT else None
    notification.save(update_fields=["status", "last_error", "next_attempt_at", "sent_at"])
    return status


def _message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        to=[notification.recipient.email],
        # Stable across attempts: a copy sent again after a lost commit can be recognised.
        headers={"Message-ID": message_id(notification)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    return message


def message_id(notification: Notification) -> str:
    return f"<{notification.idempotency_key}@okot>"


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except TEMPORARY_FAILURES as exc:  # the message, if sent, is recorded already
        logger.info("Closing the mail connection failed: %s", exc)


@shared_task
def relay_pending() -> int:
    """Re-dispatch e-mails pending NOTIFY_RELAY_AFTER seconds past their due time (their
    enqueue or retry was lost, e.g. with the broker down at commit) and e-mails whose
    sender was lost mid-delivery (claim older than NOTIFY_SENDING_LEASE)."""
    now = timezone.now()
    overdue = now - datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER)
    lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
    ids = list(
        Notification.objects.filter(channel=EMAIL)
        .alias(due=Coalesce("next_attempt_at", "created_at"))
        .filter(
            Q(status=Status.PENDING, due__lt=overdue)
            | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[: settings.NOTIFY_RELAY_BATCH]
    )
    enqueue(ids)
    return len(ids)


def redeliver(notification_ids) -> int:
    """Put failed (or stuck pending) e-mails back in the queue with a fresh count of
    attempts, delivered after commit; the number put back. The admin's Retry action.

    A row in a worker's hands (locked, or `sending`) is left to that worker and the relay."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, channel=EMAIL)
            .filter(status__in=[Status.FAILED, Status.PENDING])
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Status.PENDING, attempts=0, last_error="", next_attempt_at=None
        )
        transaction.on_commit(lambda: enqueue(ids))
    return len(ids)


from .reminders import send_reminders  # noqa: E402,F401 - registered with Celery
