"""What one attempt of an outbox's sender comes to (`Outcome`, made by `delivered`,
`temporary`, `permanent` or `refused`) and how long a temporary failure waits before the
next attempt (`backoff`): the vocabulary the delivery engine (`notifications.engine`)
shares with its senders, the e-mails' (`notifications.delivery`) and the webhooks'
(`webhooks.sender`)."""

import random
from typing import Any, NamedTuple

from django.conf import settings

from .deliverable import DeliveryStatus as Status


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failed attempt: exponential, full jitter."""
    ceiling = settings.NOTIFY_RETRY_BACKOFF * 2 ** min(max(attempt, 1) - 1, 32)
    return random.uniform(0, min(settings.NOTIFY_RETRY_BACKOFF_MAX, ceiling))  # noqa: S311


class Outcome(NamedTuple):
    """What one attempt of a sender came to: `status` SENT, PENDING (a temporary failure,
    tried again) or FAILED (permanent); `refused`: not to be sent at all (logged as such,
    not as an error); `fields`: more of the row's own fields to record (a response code)."""

    status: str
    error: str = ""
    refused: bool = False
    fields: dict[str, Any] | None = None


def delivered(**fields) -> Outcome:
    return Outcome(Status.SENT, fields=fields)


def temporary(error: str, **fields) -> Outcome:
    return Outcome(Status.PENDING, error, fields=fields)


def permanent(error: str, **fields) -> Outcome:
    return Outcome(Status.FAILED, error, fields=fields)


def refused(reason: str) -> Outcome:
    return Outcome(Status.FAILED, reason, refused=True)
