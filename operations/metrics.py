"""What /metrics exposes: django-prometheus's request metrics of every gunicorn worker, the
outboxes' backlog, read from the database when Prometheus scrapes, and the figures' read
replica, if there is one (docs/operations.md).

The outbox figures are the database's, not a process's counters: the e-mails and webhook
calls are sent by Celery workers, in other processes and containers than the one scraped,
and every web worker reads the same rows, so that whichever answers the scrape says the
same. A few indexed queries per scrape (`notifications.backlog`), none per request.

Gunicorn's workers are processes of their own, each counting its own requests: with
PROMETHEUS_MULTIPROC_DIR set (config/gunicorn.conf.py sets it) each writes its counts to a
file there and the scrape adds up every worker's (prometheus_client's multiprocess mode)."""

import datetime
import hmac
import logging
import os

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from notifications import backlog
from notifications.delivery import EMAILS
from referrals.reports import replica
from webhooks.sender import WEBHOOKS

logger = logging.getLogger(__name__)

OUTBOXES = {"email": EMAILS, "webhook": WEBHOOKS}
# The deliveries whose latency is reported: those written in the last quarter of an hour.
LATENCY_WINDOW = datetime.timedelta(minutes=15)


class OutboxCollector:
    """The outboxes' backlog and recent delivery latency, queried at each scrape."""

    def collect(self):
        up = GaugeMetricFamily(
            "okot_outbox_up", "1 when the outboxes could be read at this scrape, 0 when not"
        )
        rows = GaugeMetricFamily(
            "okot_outbox_rows",
            "Outbox rows now pending (also between retries), sending, or failed (waiting "
            "for a person's Retry)",
            labels=["outbox", "status"],
        )
        oldest = GaugeMetricFamily(
            "okot_outbox_oldest_unsent_age_seconds",
            "Age of the oldest row not delivered yet (pending or sending); 0 when none",
            labels=["outbox"],
        )
        latency = GaugeMetricFamily(
            "okot_outbox_delivery_latency_seconds",
            "From written to delivered, over the rows written in the last 15 minutes and "
            "delivered: median (p50), 95th percentile (p95) and maximum (max)",
            labels=["outbox", "stat"],
        )
        delivered = GaugeMetricFamily(
            "okot_outbox_recently_delivered",
            "Rows written in the last 15 minutes and delivered (what the latency is over)",
            labels=["outbox"],
        )
        try:
            for name, box in OUTBOXES.items():
                for status, count in backlog.counts(box).items():
                    rows.add_metric([name, status], count)
                oldest.add_metric([name], backlog.age_seconds(backlog.oldest_unsent(box)))
                latencies = backlog.recent_latencies(box, LATENCY_WINDOW)
                for stat, seconds in backlog.summary(latencies).items():
                    latency.add_metric([name, stat], seconds)
                delivered.add_metric([name], len(latencies))
        except DatabaseError as exc:
            logger.warning("Metrics: the outboxes could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (up, rows, oldest, latency, delivered)


class ReplicaCollector:
    """The read replica the figures are counted on (DATABASE_REPLICA_URL): whether it
    answers, and how far behind the primary it is. Not in /health/: the site works without
    it (the figures are then counted on the primary), and a replica slow to answer must not
    hold a load balancer's probe."""

    def collect(self):
        up = GaugeMetricFamily(
            "okot_figures_replica_up",
            "1 when the figures' read replica answered at this scrape, 0 when not (the "
            "figures are then counted on the primary)",
        )
        lag = GaugeMetricFamily(
            "okot_figures_replica_behind_bytes",
            "Bytes of the primary's log the figures' read replica has not replayed yet",
        )
        try:
            behind = replica.behind(settings.OKOT_FIGURES_DATABASE)
        except DatabaseError as exc:
            logger.warning("Metrics: the figures' replica does not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if behind is not None:  # a standby that has replayed nothing since it started
            lag.add_metric([], behind)
            yield lag


def registry() -> CollectorRegistry:
    """What a scrape reads: every gunicorn worker's request metrics (or this process's, when
    there is only one, as under runserver), the outboxes, and the figures' read replica if
    there is one."""
    scraped = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped.register(REGISTRY)  # a registry is a collector too
    scraped.register(OutboxCollector())
    if settings.OKOT_FIGURES_DATABASE != DEFAULT_DB_ALIAS:
        scraped.register(ReplicaCollector())
    return scraped


def exposition() -> bytes:
    return generate_latest(registry())


def authorised(header: str) -> bool:
    """The request's Authorization header names METRICS_TOKEN as its bearer token; never
    when no token is set."""
    token = settings.METRICS_TOKEN
    scheme, _, given = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
