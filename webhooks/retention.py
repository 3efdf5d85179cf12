"""How long webhook deliveries are kept: a sent one WEBHOOK_DELIVERY_RETENTION_DAYS after its
event, then the monthly retention deletes it (`referrals.services.retention.apply_retention`).
A failed one stays until a person's Retry delivers it (the admin lists them for that, and
nothing else tells of one); a pending or sending one is still on its way.

A sent delivery is a copy of what the receiver has. Kept for ever, they grew with every step
for every subscriber: an event goes to the client's OCMW and, once agreed, to its VDAB region."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Delivery

# Rows deleted a transaction: the first run on a year of deliveries of all of Flanders meets
# some 800,000, which in one transaction would keep VACUUM from every row changed meanwhile
# (`audit.trail`'s reasoning, with its batch). Each batch is a range of the index on (status,
# created_at), oldest first.
BATCH = 10_000


def forget_old_deliveries(
    now: datetime.datetime | None = None, *, dry_run: bool = False, batch_size: int = BATCH
) -> dict[str, int]:
    """Delete the deliveries sent and written before WEBHOOK_DELIVERY_RETENTION_DAYS ago,
    oldest first, `batch_size` a transaction; how many went, or with `dry_run` would go, by
    model label (as `audit.trail.purge_expired` says it)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    old = Delivery.objects.filter(status=Delivery.Status.SENT, created_at__lt=cutoff)
    if dry_run:
        return {Delivery._meta.label: old.count()}
    deleted = 0
    while True:
        with transaction.atomic():
            gone, _by_model = old.filter(
                pk__in=old.order_by("created_at").values("pk")[:batch_size]
            ).delete()
        deleted += gone
        if gone < batch_size:
            return {Delivery._meta.label: deleted}
