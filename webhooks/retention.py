"""How long webhook deliveries are kept: WEBHOOK_DELIVERY_RETENTION_DAYS after their event,
once done with (sent, or failed and not retried since); pending and sending ones always stay.
The monthly retention deletes the rest (`referrals.services.retention.apply_retention`).

What a delivery holds is a copy: the receiver has what was sent, and reads anything it missed
through the API. Kept for ever, they would grow with every step for every subscriber, some
two rows an event where an OCMW and its VDAB region both subscribe."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Delivery

DONE = (Delivery.Status.SENT, Delivery.Status.FAILED)
# Rows deleted a transaction: a month of all of Flanders is some hundreds of thousands, which
# in one transaction would keep VACUUM from every row changed meanwhile (`audit.trail`'s
# reasoning, with its batch).
BATCH = 10_000


def forget_old_deliveries(
    now: datetime.datetime | None = None, *, dry_run: bool = False, batch_size: int = BATCH
) -> dict[str, int]:
    """Delete the deliveries done with and written before WEBHOOK_DELIVERY_RETENTION_DAYS
    ago, oldest first, `batch_size` a transaction; how many went, or with `dry_run` would
    go, by model label (as `audit.trail.purge_expired` says it)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    if dry_run:
        old = Delivery.objects.filter(status__in=DONE, created_at__lt=cutoff)
        return {Delivery._meta.label: old.count()}
    return {Delivery._meta.label: sum(_delete(status, cutoff, batch_size) for status in DONE)}


def _delete(status: str, cutoff: datetime.datetime, batch_size: int) -> int:
    """Delete the deliveries of one `status` written before `cutoff`, oldest first: each
    batch a range of the index on (status, created_at), where both statuses at once sorted
    every row past the term, for each batch (a first run on years of deliveries: some
    hundreds of batches)."""
    old = Delivery.objects.filter(status=status, created_at__lt=cutoff)
    deleted = 0
    while True:
        with transaction.atomic():
            # The conditions again on the rows themselves: a person's Retry that made one
            # pending since the batch was chosen keeps it.
            gone, _by_model = old.filter(
                pk__in=old.order_by("created_at").values("pk")[:batch_size]
            ).delete()
        deleted += gone
        if gone < batch_size:
            return deleted
