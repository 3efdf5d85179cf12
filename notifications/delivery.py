"""Delivery of the outbox's e-mails: how one e-mail is sent, exactly once. The Celery tasks
(`notifications.tasks`) take ids, never objects, and call this.

One e-mail goes out in two transactions (`send_one`, run by the `deliver` task):

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
   closed (QUIT), so no network round trip stands between acceptance and commit. Before
   connecting, the recipient is checked again: someone deactivated, without an address, who
   has switched this kind of e-mail off, or who may no longer see the referral (moved to
   another organisation, lost the role) since the row was written gets nothing.
3. **Recovery**: `relay_pending` (Celery beat) dispatches again what has no live task:
   a `pending` row with none in the queue (`queued_at` empty: the enqueue failed, as with
   the broker down at commit) NOTIFY_RELAY_AFTER seconds after it was due; a `pending` row
   whose task has waited NOTIFY_QUEUE_PATIENCE seconds past its due time (a whole worker
   killed with tasks in hand); a `sending` row whose claim is older than the lease (a
   worker lost mid-send). A task merely waiting behind a backlog is not duplicated.
   `deliver` retakes a `sending` row only if it can lock it, that is when its sender is
   gone, and a `pending` row only once its attempt is due, so a second task for one row
   never skips the backoff and never starts a second chain of retries.

Failures: a temporary one (a 4xx answer, refused or dropped connection, timeout, DNS, TLS)
puts the row back to `pending` with `last_error` and `next_attempt_at`, and the task retries
after `backoff()` (exponential, full jitter, capped). A permanent refusal of this message (a
5xx answer to its recipient or its content), a recipient who may not or does not want to
get it, or the NOTIFY_MAX_ATTEMPTS-th attempt ends the row `failed`; failed rows wait for a
person (the admin's Retry action, `redeliver`). Any other error (a bug, the database) is
recorded in a transaction of its own, the row put back to `pending` for the relay (or
`failed` on the last attempt), and raised to be logged: no row waits, silently `sending`,
for its lease to run out. Without a broker (no REDIS_URL) tasks run in-process after commit:
a temporary failure is recorded and left to the relay, never retried inside the web request.

The guarantee, with beat and a worker running:

- Nothing is lost: every e-mail row ends `sent` or `failed`.
- A `sent` or `failed` row is never handed to the mail server again (except by Retry).
- At most one SMTP conversation per row runs at any time: on PostgreSQL whatever its length;
  on a database without row locks (SQLite, the embedded default) if it lasts less than
  NOTIFY_SENDING_LEASE.
- Exactly once, except in one window. The server takes responsibility for a message with
  its 250 reply to the end of DATA (RFC 5321, 4.1.1.4 and 6.1), but it may have queued the
  message as soon as it read the final "." that ends it. So from the moment this client
  has sent that "." until `sent` is committed, whatever keeps the acceptance from being
  recorded sends the e-mail again after the lease: the worker killed (or its database
  connection lost) in that window, even a few milliseconds before the 250 arrives; the
  commit of `sent` failing; or the server taking longer than NOTIFY_SMTP_TIMEOUT to answer
  the final "." (a content scanner; RFC 5321, 4.5.3.2.6, gives it 10 minutes): the timeout
  counts as a temporary failure, and a server that accepted the message after all gets a
  second copy. A worker stopped before the final "." (connecting, in the middle of DATA)
  delivered nothing, and the retry is the only delivery. Every copy has the same
  Message-ID, a digest of the idempotency key, by which the receiving side recognises it.
  SMTP has no two-phase commit; no sender alone can close that window.
"""

import datetime
import hashlib
import logging
import random
import re
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from referrals.models import Referral

from .models import EmailOptOut, Notification

logger = logging.getLogger(__name__)

EMAIL = Notification.Channel.EMAIL
Status = Notification.Status

# Worth another attempt: the mail server or the way to it. Every socket failure is an OSError
# (refused, reset, unreachable network, DNS, timeout, TLS), which a narrower list would miss;
# those that never heal end `failed` after NOTIFY_MAX_ATTEMPTS.
TEMPORARY_FAILURES = (smtplib.SMTPException, OSError)

# A retry's task may reach a worker whose clock is slightly behind the one that planned it.
CLOCK_TOLERANCE = datetime.timedelta(seconds=1)


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


def send_one(notification_id: int, *, retried: bool = False) -> tuple[str, float]:
    """Send one e-mail: its status after this attempt ("skipped" for a row that is sent,
    failed, not due yet or in another worker's hands, so that any number of runs for one
    id send it once), and the seconds to wait before the next attempt if it is left
    `pending`. `retried`: the caller publishes that next attempt itself (the row is then
    recorded as queued); otherwise it is left to the relay."""
    attempt = _claim(notification_id)
    if attempt is None:
        return "skipped", 0.0
    retry_in = backoff(attempt)
    connection = None
    try:
        connection = get_connection(timeout=settings.NOTIFY_SMTP_TIMEOUT)
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient__organisation")
                .filter(pk=notification_id, status=Status.SENDING, attempts=attempt)
                .first()
            )
            if notification is None:  # our claim was taken over; that worker sends it
                return "skipped", 0.0
            status = _send(notification, connection, retry_in=retry_in, retried=retried)
    except Exception as exc:
        # Not an answer of the mail server (_send records those) but a bug or the database;
        # the attempt's transaction is rolled back. Not retried here: the relay takes the row.
        _record_unexpected(notification_id, attempt, exc, retry_in=retry_in)
        raise
    finally:
        if connection is not None:
            _close_quietly(connection)  # after the commit: the server already has the message
    return status, retry_in


def _claim(notification_id: int) -> int | None:
    """Mark the e-mail `sending` and count the attempt, in a transaction of its own; the
    attempt number, or None if the row is not ours to send.

    A `pending` row is taken only once its next attempt is due: a second task for it (the
    relay's, or one a lost worker's broker connection hands back late) finds it waiting
    for its backoff and leaves it to the task that planned that attempt."""
    now = timezone.now()
    lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_TOLERANCE)
    # Durable: the claim must be committed before the SMTP conversation starts.
    with transaction.atomic(durable=True):
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, channel=EMAIL)
            .filter(
                (Q(status=Status.PENDING) & due)
                | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
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
        # Compare and set: also safe where select_for_update does nothing (SQLite). While it
        # is being sent no next attempt is planned, and no task for it waits in the queue.
        claimed = Notification.objects.filter(
            pk=notification_id, status=notification.status, attempts=notification.attempts
        ).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            next_attempt_at=None,
            queued_at=None,
        )
    return notification.attempts + 1 if claimed else None


def _send(notification: Notification, connection, *, retry_in: float, retried: bool) -> str:
    """Hand the message to the mail server and record the outcome on the (locked) row."""
    refusal = _not_to_be_sent(notification)
    if refusal:
        logger.info("E-mail %s not sent: %s", notification.pk, refusal)
        return _record(notification, Status.FAILED, error=refusal)
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
        return _record(notification, Status.PENDING, error=error, retry_in=retry_in, queued=retried)
    return _record(notification, Status.SENT)


def _not_to_be_sent(notification: Notification) -> str:
    """Why the recipient must not get this e-mail now, or "" if they may. Checked at send
    time: the row may have been written hours (a retry, the relay) or days (Retry) ago."""
    recipient = notification.recipient
    if not recipient.is_active:
        return "Not sent: recipient inactive (the account was deactivated)."
    if not recipient.email:
        return "Not sent: the recipient has no e-mail address."
    if EmailOptOut.objects.filter(user=recipient, kind=notification.kind).exists():
        return "Not sent: e-mail switched off by the recipient for this kind of message."
    if notification.referral_id and not (
        Referral.objects.visible_to(recipient).filter(pk=notification.referral_id).exists()
    ):
        # Moved to another OCMW or region, or lost their role, since the row was written:
        # the message would show them a referral the app no longer shows them.
        return "Not sent: the recipient may no longer see this referral."
    return ""


def _record_unexpected(notification_id: int, attempt: int, exc: Exception, *, retry_in) -> None:
    """Record an error that is not the mail server's, in a transaction of its own: the row
    goes back to `pending` for the relay, or ends `failed` on the last attempt. Only while
    the row is still our claim (status `sending` under our attempt number)."""
    give_up = attempt >= settings.NOTIFY_MAX_ATTEMPTS
    next_attempt_at = None if give_up else timezone.now() + datetime.timedelta(seconds=retry_in)
    logger.error(
        "E-mail %s, attempt %s, unexpected error: %r; %s",
        notification_id,
        attempt,
        exc,
        "failed, the attempts are used up" if give_up else "left pending for the relay",
    )
    try:
        with transaction.atomic():
            Notification.objects.filter(
                pk=notification_id, status=Status.SENDING, attempts=attempt
            ).update(
                status=Status.FAILED if give_up else Status.PENDING,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=next_attempt_at,
            )
    except Exception:  # noqa: BLE001 - the database itself may be the trouble
        logger.exception(
            "E-mail %s: the error could not be recorded; the relay retakes it after the lease",
            notification_id,
        )


def _record(
    notification: Notification,
    status: str,
    *,
    error: str = "",
    retry_in: float | None = None,
    queued: bool = False,
) -> str:
    now = timezone.now()
    notification.status = status
    notification.last_error = error[:2000]
    notification.next_attempt_at = (
        None if retry_in is None else now + datetime.timedelta(seconds=retry_in)
    )
    notification.queued_at = now if queued else None
    notification.sent_at = now if status == Status.SENT else None
    notification.save(
        update_fields=["status", "last_error", "next_attempt_at", "queued_at", "sent_at"]
    )
    return status


def not_queued(notification_ids: list[int]) -> None:
    """Record that no task for these pending e-mails waits in the broker (publishing failed):
    the relay sends them NOTIFY_RELAY_AFTER seconds after they are due, rather than waiting
    NOTIFY_QUEUE_PATIENCE for a task that was never queued."""
    try:
        Notification.objects.filter(pk__in=notification_ids, status=Status.PENDING).update(
            queued_at=None
        )
    except Exception:  # noqa: BLE001 - often run after commit, in a request: never raise
        logger.exception("Could not record e-mails %s as not queued", notification_ids)


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
    """The e-mail's Message-ID, the same for every attempt at one row: a digest of the
    idempotency key (whose colons RFC 5322 does not allow there) at the site's host."""
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{_message_id_host()}>"


# The right-hand side of a Message-ID: a host name, or a dotted address (not IPv6: colons).
_DOT_ATOM_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")


def _message_id_host() -> str:
    try:
        host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname or ""
    except ValueError:  # a malformed SITE_URL
        host = ""
    return host if _DOT_ATOM_HOST.fullmatch(host) else "okot.invalid"


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception as exc:  # noqa: BLE001 - the message, if sent, is recorded already
        logger.info("Closing the mail connection failed: %s", exc)
