"""The daily digest: one e-mail a day, for a user who chose it, listing the in-app messages
that waited for it (`outbox.write` marks them `in_digest`), instead of an e-mail each.

The digest is an outbox row like any e-mail (`DAILY_DIGEST`), written in the transaction
that marks its messages as carried, then delivered and relayed as every e-mail is. Its key
names the reader and the day, so a rerun of the day writes nothing; what comes after the
day's digest waits for the next day's, and each message is carried once."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import DAILY_DIGEST, EmailOptOut, Notification
from .rendering import render_digest

IN_APP, EMAIL = Notification.Channel.IN_APP, Notification.Channel.EMAIL


def waiting() -> QuerySet:
    """The in-app messages waiting for a digest."""
    return Notification.objects.filter(channel=IN_APP, in_digest=True, digest__isnull=True)


def readers_waiting() -> list[int]:
    """The ids of the users with messages waiting for a digest, whatever they chose since
    (what waited was promised to them in a digest)."""
    readers = waiting().order_by("recipient_id").values_list("recipient_id", flat=True)
    return list(readers.distinct())


def digest_key(recipient, day: datetime.date) -> str:
    return f"digest:{day.isoformat()}:{recipient.pk}:email"


@transaction.atomic
def write_digest(recipient, day: datetime.date) -> list[Notification]:
    """Write `recipient`'s digest of `day` with the messages that wait for it; the row
    written (none if the day's digest was written already or nothing is left to send).

    Left out, and no longer waiting: a message its reader may no longer see (the inbox's
    rule) or whose kind they switched off since it was written."""
    key = digest_key(recipient, day)
    if Notification.objects.filter(idempotency_key=key).exists():
        return []  # the day's digest went; the rest waits for tomorrow's
    waiting_here = waiting().filter(recipient=recipient)
    switched_off = EmailOptOut.objects.filter(user=recipient).values("kind")
    items = list(
        waiting_here.select_for_update(of=("self",))
        .filter(pk__in=Notification.objects.inbox_of(recipient).values("pk"))
        .exclude(kind__in=switched_off)
        .select_related("referral__training")
        .order_by("created_at", "pk")
    )
    waiting_here.exclude(pk__in=[item.pk for item in items]).update(in_digest=False)
    if not items:
        return []
    subject, body, body_html = render_digest(recipient, items, day)
    digest = Notification(
        idempotency_key=key,
        recipient=recipient,
        channel=EMAIL,
        kind=DAILY_DIGEST,
        subject=subject,
        body=body,
        body_html=body_html,
        created_at=timezone.now(),
        queued_at=timezone.now(),  # the caller enqueues it on commit
    )
    try:
        with transaction.atomic():
            digest.save(force_insert=True)
    except IntegrityError:
        return []  # another run wrote it meanwhile
    Notification.objects.filter(pk__in=[item.pk for item in items]).update(digest=digest)
    return [digest]
