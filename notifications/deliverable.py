"""The state of a row that the delivery engine (`notifications.engine`) sends: the columns
every outbox shares, whatever it carries (an e-mail, a webhook call).

An abstract model, so that each outbox keeps its own table and indexes; the engine reads
and writes only these fields."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    """Where a row is in its delivery: written and waiting (`pending`, also between
    retries), in a worker's hands (`sending`), done (`sent`), or given up (`failed`, until
    a person retries it)."""

    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Deliverable(models.Model):
    """The delivery state of one outbox row (`notifications.engine` is its only writer)."""

    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Set when a worker claims the row (status "sending") and when a retry is planned.
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Set while a task for the row waits in the broker (written, retried or relayed; taken
    # by a worker: empty). The relay sends another only once a queued task is presumed
    # lost (`engine.Outbox.relay`).
    queued_at = models.DateTimeField(_("in the queue since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
