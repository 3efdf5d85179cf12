"""The reminders' calendar and what they wrote: Brussels time, a day by its date, a run of
days, and the reminders in the outbox read back by recipient, channel and check-up."""

import datetime
import zoneinfo

from notifications.models import Kind, Notification

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
D = datetime.date


def reminders_of(kind, referral=None) -> list[tuple[str, str]]:
    """(recipient username, channel) of the reminders of `kind` written so far."""
    rows = Notification.objects.filter(kind=kind).select_related("recipient")
    if referral is not None:
        rows = rows.filter(referral=referral)
    return sorted((n.recipient.username, n.channel) for n in rows)


def outcome_months_reminded(referral=None) -> list[int]:
    """The check-ups reminded, read from the in-app rows' keys
    ("reminder:outcome:<referral>:<months>:<kind>:<recipient>:<channel>")."""
    rows = Notification.objects.filter(kind=Kind.REMINDER_OUTCOME_DUE, channel="in_app")
    if referral is not None:
        rows = rows.filter(referral=referral)
    return sorted({int(n.idempotency_key.split(":")[3]) for n in rows})


def both_channels(*people) -> list[tuple[str, str]]:
    return sorted((p.username, channel) for p in people for channel in ("email", "in_app"))


def days(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range(count)]
