"""In-app messages for the inbox tests: written straight to the table, newest first, read
back from a page or the database, and the inbox's own URLs and words."""

import datetime
import itertools
import re

from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Kind, Notification

IN_APP, EMAIL = Notification.Channel.IN_APP, Notification.Channel.EMAIL
INBOX = reverse("notifications:inbox")
PREFERENCES = reverse("notifications:preferences")
KEYS = itertools.count()


def notify(user, count=1, *, referral=None, read=False, channel=IN_APP, kind=Kind.STARTED):
    """`count` messages to `user`, the first the newest, one minute apart."""
    now = timezone.now()
    notifications = []
    for n in range(count):
        key = next(KEYS)
        notifications.append(
            Notification.objects.create(
                recipient=user,
                channel=channel,
                kind=kind,
                referral=referral,
                subject=f"Bericht {key}",
                body=f"Tekst van bericht {key}.",
                status=Notification.Status.SENT,
                created_at=now - datetime.timedelta(minutes=n),
                read_at=now if read else None,
                idempotency_key=f"test:{key}",
            )
        )
    return notifications


def shown(response) -> list[Notification]:
    return list(response.context["page"].object_list)


def in_ui_language(text: str) -> str:
    with translation.override("nl-be"):
        return translation.gettext(text)


def is_unread(notification) -> bool:
    return Notification.objects.get(pk=notification.pk).read_at is None


def opener(html: str, notification) -> str:
    """The form that opens `notification` in the inbox's HTML, from its tag to its end."""
    action = reverse("notifications:open", args=[notification.pk])
    match = re.search(rf'<form method="post" action="{action}"[^>]*>.*?</form>', html, re.S)
    assert match, f"no form opens {notification.subject}"
    return match.group(0)
