"""How far behind an outbox is, for the health endpoint and the metrics (`operations`): read
with queries an index answers, however many rows the outbox has kept.

The e-mails' index (channel, status, created_at) and the webhook deliveries' (status,
created_at) both start with what these queries fix, so that each one reads only the rows of
one status, and the oldest of them from the end of a range: never the millions of rows that
were sent. "Not delivered yet" is `pending` (written, or waiting for a retry) and `sending`
(in a worker's hands); `failed` rows wait for a person (the admin's Retry)."""

import datetime
from statistics import median, quantiles

from django.db.models import Count, Min
from django.utils import timezone

from .deliverable import DeliveryStatus as Status
from .engine import Outbox

UNSENT = (Status.PENDING, Status.SENDING)
COUNTED = (*UNSENT, Status.FAILED)
# At most this many recent deliveries make the latency figures: a burst (the morning's
# reminders, the evening's digests) is read newest first and cut there.
LATENCY_SAMPLE = 10_000


def oldest_unsent(outbox: Outbox) -> datetime.datetime | None:
    """When the oldest row not delivered yet was written, or None.

    One MIN per status rather than one over both: PostgreSQL reads a MIN from the end of the
    index range of one status, but would read and sort every row of `status IN (...)`."""
    oldest = [
        outbox.rows().filter(status=status).aggregate(oldest=Min("created_at"))["oldest"]
        for status in UNSENT
    ]
    return min((when for when in oldest if when), default=None)


def age_seconds(when: datetime.datetime | None, now: datetime.datetime | None = None) -> float:
    """Seconds since `when`; 0 for nothing waiting."""
    if when is None:
        return 0.0
    return max(0.0, ((now or timezone.now()) - when).total_seconds())


def counts(outbox: Outbox) -> dict[str, int]:
    """The rows now pending, sending and failed (0 for a status with none)."""
    found = dict(
        outbox.rows()
        .filter(status__in=COUNTED)
        .order_by()
        .values_list("status")
        .annotate(rows=Count("*"))
    )
    return {status: found.get(status, 0) for status in COUNTED}


def recent_latencies(outbox: Outbox, window: datetime.timedelta) -> list[float]:
    """Seconds from written to delivered of the rows written in the last `window` that are
    delivered already (newest first, at most LATENCY_SAMPLE); those still waiting show in
    `oldest_unsent` instead."""
    since = timezone.now() - window
    rows = (
        outbox.rows()
        .filter(status=Status.SENT, created_at__gte=since, sent_at__isnull=False)
        .order_by("-created_at")
        .values_list("created_at", "sent_at")[:LATENCY_SAMPLE]
    )
    return [max(0.0, (sent - created).total_seconds()) for created, sent in rows]


def summary(latencies: list[float]) -> dict[str, float]:
    """Median, 95th percentile and maximum of `latencies` (all 0 for none)."""
    if not latencies:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    p95 = quantiles(latencies, n=20, method="inclusive")[-1] if len(latencies) > 1 else latencies[0]
    return {"p50": median(latencies), "p95": p95, "max": max(latencies)}
