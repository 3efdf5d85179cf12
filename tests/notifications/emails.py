"""E-mails in the outbox for the delivery tests: one written as `outbox.write` leaves it
(pending, nothing tried), and the row read back after a delivery."""

import datetime
import itertools

from notifications.models import Kind, Notification
from tests.accounts.factories import UserFactory

EMAIL, IN_APP = Notification.Channel.EMAIL, Notification.Channel.IN_APP
Status = Notification.Status
NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
_keys = itertools.count()


def make_email(recipient=None, **fields) -> Notification:
    """An e-mail in the outbox, pending and nothing tried, with no task in the queue
    (`queued_at` empty, unless given: `outbox.write` sets it, and the enqueue clears it
    when publishing fails)."""
    recipient = recipient or UserFactory()
    return Notification.objects.create(
        recipient=recipient,
        channel=fields.pop("channel", EMAIL),
        kind=Kind.INTAKE_PLANNED,
        subject=fields.pop("subject", "Intake gepland"),
        body="De intake is gepland op 12 maart.",
        body_html="<p>De intake is gepland op 12 maart.</p>",
        idempotency_key=f"test:{next(_keys)}:{Kind.INTAKE_PLANNED}:{recipient.pk}:email",
        **fields,
    )


def reload(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)
