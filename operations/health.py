"""What /health/ checks: the database and Redis answer (503 if not), and the outboxes keep up
(degraded if not, still 200).

A load balancer takes an instance that answers 503 out of service. A database or Redis this
instance cannot reach is its own trouble, and another instance may do better. An outbox
falling behind is not: every instance would say so at once, and taking them all out would
stop the site for what only the worker and beat can catch up on (or a partner's receiver
that is down). So the outboxes' age makes the answer `degraded` with 200, for the monitor
that reads the body, and the metrics carry it for alerting (docs/operations.md)."""

import logging
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from notifications import backlog
from notifications.delivery import EMAILS
from webhooks.sender import WEBHOOKS

logger = logging.getLogger(__name__)

OK, DEGRADED, UNHEALTHY = "ok", "degraded", "unhealthy"
# Seconds a probe waits for Redis: a load balancer's own timeout is a few seconds.
REDIS_TIMEOUT = 2


@dataclass
class Check:
    status: str
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"status": self.status, **self.details}


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health: the database does not answer: %s", exc)
        return Check(UNHEALTHY, {"error": type(exc).__name__})
    return Check(OK)


def broker() -> Check:
    """Redis, Celery's broker and the throttle's cache; without REDIS_URL (the embedded
    default: tasks in-process, the cache in memory) there is none to reach."""
    if not settings.REDIS_URL:
        return Check(OK, {"configured": False})
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        logger.warning("Health: Redis does not answer: %s", exc)
        return Check(UNHEALTHY, {"error": type(exc).__name__})
    finally:
        client.close()
    return Check(OK)


def outbox(box, max_age: int) -> Check:
    """The age of the oldest row not delivered yet, against `max_age` seconds."""
    try:
        age = backlog.age_seconds(backlog.oldest_unsent(box))
    except DatabaseError as exc:
        return Check(UNHEALTHY, {"error": type(exc).__name__})
    details = {"oldest_pending_age_seconds": round(age), "max_age_seconds": max_age}
    return Check(DEGRADED if age > max_age else OK, details)


def run() -> tuple[str, dict[str, dict]]:
    """Every check: the overall status and each check's."""
    checks = {"database": database(), "redis": broker()}
    if checks["database"].status == OK:
        checks["email_outbox"] = outbox(EMAILS, settings.HEALTH_OUTBOX_MAX_AGE)
        checks["webhook_outbox"] = outbox(WEBHOOKS, settings.HEALTH_WEBHOOK_MAX_AGE)
    statuses = {check.status for check in checks.values()}
    overall = UNHEALTHY if UNHEALTHY in statuses else DEGRADED if DEGRADED in statuses else OK
    return overall, {name: check.as_dict() for name, check in checks.items()}
