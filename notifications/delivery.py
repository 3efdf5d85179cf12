"""Delivery of the outbox's e-mails: how one e-mail is sent, exactly once. The Celery tasks
(`notifications.tasks`) take ids, never objects, and call this.

The claim, the lock held while sending, the retries, the relay and the admin's Retry are
the delivery engine's, shared with the webhooks (`notifications.engine`); this module is
the SMTP side of it. The engine holds the row's lock for the whole SMTP conversation. Once
the server accepts the message the row becomes `sent` and commits; only then is the SMTP
session closed (QUIT), so no network round trip stands between acceptance and commit.
Before connecting, the recipient is checked again: someone deactivated, without an address,
who has switched this kind of e-mail off, or who may no longer see the referral (moved to
another organisation, lost the role) since the row was written gets nothing.

Failures: a temporary one (a 4xx answer, refused or dropped connection, timeout, DNS, TLS)
is retried with the engine's backoff. A permanent refusal of this message (a 5xx answer to
its recipient or its content), a recipient who may not or does not want to get it, or the
NOTIFY_MAX_ATTEMPTS-th attempt ends the row `failed`; failed rows wait for a person (the
admin's Retry action, `tasks.redeliver`).

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

import contextlib
import hashlib
import logging
import re
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q

from referrals.models import Referral

from . import engine, outcomes
from .models import EmailOptOut, Notification

logger = logging.getLogger(__name__)

EMAIL = Notification.Channel.EMAIL
Status = Notification.Status
# The e-mails among the notifications (the in-app messages are never "sent").
EMAILS = engine.Outbox(
    model=Notification, noun="E-mail", name="notification", scope=Q(channel=EMAIL)
)

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


def send_one(notification_id: int, *, retried: bool = False) -> tuple[str, float]:
    """Send one e-mail (`engine.Outbox.attempt`): its status after this attempt, or
    "skipped", and the seconds to wait before the next attempt if it is left `pending`."""
    return EMAILS.attempt(
        notification_id,
        _send,
        retried=retried,
        session=_smtp_session,
        related=["recipient__organisation"],
    )


@contextlib.contextmanager
def _smtp_session():
    """A connection to the mail server, closed (QUIT) after the outcome is committed: the
    server already has the message by then."""
    connection = get_connection(timeout=settings.NOTIFY_SMTP_TIMEOUT)
    try:
        yield connection
    finally:
        _close_quietly(connection)


def _send(notification: Notification, connection) -> outcomes.Outcome:
    """Hand the message to the mail server; what came of it."""
    refusal = _not_to_be_sent(notification)
    if refusal:
        return outcomes.refused(refusal)
    try:
        connection.open()
        connection.send_messages([_message(notification)])
    except TEMPORARY_FAILURES as exc:
        error = f"{type(exc).__name__}: {exc}"
        return outcomes.permanent(error) if is_permanent(exc) else outcomes.temporary(error)
    return outcomes.delivered()


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


def not_queued(notification_ids: list[int]) -> None:
    """Record that no task for these pending e-mails waits in the broker (`engine`)."""
    EMAILS.not_queued(notification_ids)


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
