"""The outbox: the notifications a referral event causes, written in the event's own
transaction and handed to delivery only after it commits.

Listens to `referrals.signals`; referrals never imports this module."""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from referrals.signals import guidance_note_added, is_replaying_history, referral_event

from .models import EmailOptOut, Kind, Notification
from .recipients import caseworkers_for, counsellors_for, other_side
from .rendering import render_email_footer, render_message

logger = logging.getLogger(__name__)

# Messages that ask their recipient to do something next rather than announce what someone
# did: they reach the one who acted too (the caseworker who agreed is prompted to call; the
# counsellor who ended agrees with the OCMW who continues the guidance).
PROMPTS = {Kind.CALL_COUNSELLOR, Kind.CONTINUED_GUIDANCE}


def messages_for_event(event) -> list[tuple[str, list]]:
    """(kind, recipients) for one history line, as in the 'who hears what' table."""
    referral, actor = event.referral, event.actor
    by_vdab = actor is not None and actor.organisation_id and actor.organisation.is_vdab
    return {
        "apply": lambda: (
            [(Kind.CANDIDACY_REGISTERED, caseworkers_for(referral))] if by_vdab else []
        ),
        "agree": lambda: [
            (Kind.WARM_HANDOVER, counsellors_for(referral)),
            (Kind.CALL_COUNSELLOR, [actor] if actor else []),
        ],
        "decline": lambda: [(Kind.DECLINED, counsellors_for(referral))],
        "withdraw": lambda: [(Kind.WITHDRAWN, other_side(referral, actor))],
        "plan_intake": lambda: [(Kind.INTAKE_PLANNED, caseworkers_for(referral))],
        "admit": lambda: [(Kind.ADMITTED, caseworkers_for(referral))],
        "reject": lambda: [(Kind.NOT_ADMITTED, caseworkers_for(referral))],
        "start": lambda: [(Kind.STARTED, caseworkers_for(referral))],
        "end": lambda: [
            (Kind.ENDED, caseworkers_for(referral)),
            (Kind.CONTINUED_GUIDANCE, counsellors_for(referral)),
        ],
    }.get(event.transition, list)()


@receiver(referral_event, dispatch_uid="notifications.outbox.on_referral_event")
def on_referral_event(sender, event, **kwargs) -> None:
    messages = messages_for_event(event)
    # The caseworker prompted to call is told whom the handover went to.
    context = {
        "event": event,
        "actor": event.actor,
        "counsellors": dict(messages).get(Kind.WARM_HANDOVER, []),
    }
    written = []
    for kind, recipients in messages:
        written += _write_rows(
            kind=kind,
            recipients=recipients,
            referral=event.referral,
            source=f"event:{event.pk}",
            context=context,
            exclude=None if kind in PROMPTS else event.actor,
            at=event.at,
        )
    _enqueue_on_commit(written)


@receiver(guidance_note_added, dispatch_uid="notifications.outbox.on_guidance_note")
def on_guidance_note(sender, note, **kwargs) -> None:
    write(
        kind=Kind.GUIDANCE_NOTE,
        recipients=other_side(note.referral, note.author),
        referral=note.referral,
        source=f"note:{note.pk}",
        context={"note": note, "actor": note.author},
        exclude=note.author,
    )


def write(
    *,
    kind: str,
    recipients: Iterable,
    referral,
    source: str,
    context: dict,
    exclude=None,
) -> list[Notification]:
    """Write the in-app message and, unless switched off, the e-mail for each recipient.

    Call inside the transaction of what caused it; the e-mails are enqueued on commit.
    `source` makes the idempotency key: writing the same thing twice adds nothing."""
    written = _write_rows(
        kind=kind,
        recipients=recipients,
        referral=referral,
        source=source,
        context=context,
        exclude=exclude,
    )
    _enqueue_on_commit(written)
    return written


def _write_rows(
    *,
    kind: str,
    recipients: Iterable,
    referral,
    source: str,
    context: dict,
    exclude=None,
    at=None,
) -> list[Notification]:
    """The rows of `write`, without enqueueing: one step enqueues all its e-mails at once.
    `at` dates them when the step happened (a back-dated import shows its real date)."""
    recipients = [r for r in recipients if r is not None and r != exclude]
    # Replayed history (demo data, imports) is kept in the app but e-mailed to nobody.
    with_email = not is_replaying_history()
    opted_out = set(
        EmailOptOut.objects.filter(user__in=recipients, kind=kind).values_list("user_id", flat=True)
    )
    written = []
    now = at or timezone.now()
    for recipient in recipients:
        subject, body, body_html = render_message(kind, recipient, referral, context)
        channels = [Notification.Channel.IN_APP]
        if with_email and recipient.email and recipient.pk not in opted_out:
            channels.append(Notification.Channel.EMAIL)
            email_body = f"{body}\n\n{render_email_footer(recipient, referral)}"
        for channel in channels:
            in_app = channel == Notification.Channel.IN_APP
            notification, created = Notification.objects.get_or_create(
                idempotency_key=f"{source}:{kind}:{recipient.pk}:{channel}",
                defaults={
                    "recipient": recipient,
                    "channel": channel,
                    "kind": kind,
                    "referral": referral,
                    "subject": subject,
                    "body": body if in_app else email_body,
                    "body_html": "" if in_app else body_html,
                    "status": Notification.Status.SENT if in_app else Notification.Status.PENDING,
                    "sent_at": now if in_app else None,
                    "created_at": now,
                },
            )
            if created:
                written.append(notification)
    return written


def _enqueue_on_commit(notifications: list[Notification]) -> None:
    emails = [n.pk for n in notifications if n.channel == Notification.Channel.EMAIL]
    if emails:
        transaction.on_commit(lambda: enqueue(emails))


def enqueue(notification_ids: list[int]) -> None:
    """Hand e-mails to the worker. If the broker is down the rows stay pending and the
    periodic relay sends them later: nothing is lost, only delayed.

    This runs after commit, often in the web request that committed: each id is published
    once, without publish retries, and the first broker error ends it (the broker is down
    for the rest as well), so a request waits for one connection attempt, not for Celery's
    retries once per e-mail. `retry_policy={"max_retries": 0}` rather than `retry=False`:
    without a policy kombu retries the connection by itself, for up to
    broker_connection_timeout (some 6 s against a stopped Redis)."""
    from kombu.exceptions import OperationalError

    from .tasks import deliver

    notification_ids = list(notification_ids)
    for position, notification_id in enumerate(notification_ids):
        try:
            deliver.apply_async((notification_id,), retry_policy={"max_retries": 0})
        except OperationalError as exc:  # Celery's wrapping of every broker connection error
            logger.warning(
                "Could not enqueue notification %s and %d more (%s); they stay pending, the "
                "relay will send them",
                notification_id,
                len(notification_ids) - position - 1,
                exc,
            )
            return
        except Exception:  # in-process (no broker): the delivery itself failed, recorded
            logger.exception(
                "Could not enqueue notification %s; the relay will retry it", notification_id
            )
