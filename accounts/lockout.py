"""The login lockout (django-axes), wrapped in one place: whose address a request comes
from, unlocking a user, and how long axes' own records are kept."""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from . import events


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind OKOT_PROXY_COUNT proxies that each
    append the address they were called from to X-Forwarded-For, the entry that many places
    from the right (the ones left of it the client could have written itself)."""
    count = settings.OKOT_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def unlock(username: str, *, request=None, via: str = "") -> int:
    """Forget the failed logins for `username` (from any address); how many were forgotten.
    Announced (`events.login_unlocked`) when there were any: `request` says who did it."""
    # One transaction: the unlock and its row in the audit trail go together, or neither.
    with transaction.atomic():
        failures = AccessAttempt.objects.filter(username=username).aggregate(
            failures=Sum("failures_since_start")
        )["failures"]
        forgotten = reset(username=username)
        if forgotten:
            _announce(request, username, failures, via=via)
    return forgotten


def announce_unlocked(request, attempt: AccessAttempt, *, via: str) -> None:
    """Announce that `attempt` (a user name's failures from one address) is being
    deleted, which lifts its lockout."""
    _announce(
        request,
        attempt.username,
        attempt.failures_since_start,
        via=via,
        address=attempt.ip_address,
    )


def _announce(request, username: str, failures, *, via: str, **address) -> None:
    events.login_unlocked.send(
        sender=AccessAttempt,
        request=request,
        username=username,
        failures=failures,
        via=via,
        **address,
    )


# What axes keeps, each dated by its attempt_time.
AXES_RECORDS = (AccessLog, AccessAttempt, AccessFailureLog)


def forget_old_records(now=None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete axes' records older than OKOT_LOGIN_RECORDS_RETENTION_DAYS (never a lockout
    still running, whatever the setting); how many went, or would go, by model label."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.OKOT_LOGIN_RECORDS_RETENTION_DAYS)
    if settings.AXES_COOLOFF_TIME:
        cutoff = min(cutoff, now - settings.AXES_COOLOFF_TIME)
    counts = {}
    for model in AXES_RECORDS:
        if model is AccessAttempt and not settings.AXES_COOLOFF_TIME:
            continue  # without a cool-off, a lockout lasts until someone lifts it
        old = model.objects.filter(attempt_time__lt=cutoff)
        counts[model._meta.label] = (
            old.count() if dry_run else old.delete()[1].get(model._meta.label, 0)
        )
    return counts
