"""Delivery of the outbox's e-mails. Tasks take ids, never objects, and are idempotent."""

import datetime
import logging
import random
import smtplib
import socket

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

# Failures worth retrying: the mail server or the network, not the message.
TEMPORARY_FAILURES = (smtplib.SMTPException, socket.timeout, ConnectionError, OSError)


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, in seconds."""
    cap = settings.NOTIFY_RETRY_BACKOFF_MAX
    return random.uniform(0, min(cap, settings.NOTIFY_RETRY_BACKOFF * 2**attempt))  # noqa: S311


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver(self, notification_id: int) -> str:
    """Send one pending e-mail. A row that is sent, failed, or locked by another worker is
    left alone, so running this twice for the same id sends once."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .due_for_delivery()
            .select_related("recipient")
            .first()
        )
        if notification is None:
            return "skipped"
        notification.attempts += 1
        try:
            message = EmailMultiAlternatives(
                subject=notification.subject,
                body=notification.body,
                to=[notification.recipient.email],
                headers={"Message-ID": f"<{notification.idempotency_key}@okot>"},
            )
            if notification.body_html:
                message.attach_alternative(notification.body_html, "text/html")
            message.send()
        except TEMPORARY_FAILURES as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            if notification.status == Notification.Status.FAILED:
                logger.error("Notification %s failed for good: %s", notification_id, exc)
                return "failed"
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            return "sent"
    # Retry outside the transaction, so the attempt is recorded first.
    if self.request.is_eager:
        return "pending"  # in-process (no broker): the relay sends it later
    raise self.retry(countdown=backoff(notification.attempts), max_retries=None)


@shared_task
def relay_pending() -> int:
    """Re-dispatch e-mails still pending after a short delay (their enqueue may have been
    lost, e.g. with the broker down at commit)."""
    older_than = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER)
    ids = list(
        Notification.objects.due_for_delivery()
        .filter(created_at__lt=older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.NOTIFY_RELAY_BATCH]
    )
    for notification_id in ids:
        deliver.delay(notification_id)
    return len(ids)


from .reminders import send_reminders  # noqa: E402,F401 - registered with Celery
