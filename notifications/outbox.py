"""The outbox: the notifications a referral event (or a withdrawn consent) causes, written as
rows in the event's own transaction (one per recipient and channel).

Writing is all this module does: whoever writes hands the e-mails to delivery after commit
(`tasks.enqueue_on_commit`), and the relay sends whatever that missed."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.backends import read_permissions
from referrals import access
from referrals.enums import (
    DOCUMENT_ADDED,
    FINAL_STATES,
    HANDOVER_RECORDED,
    INTERRUPTION_CORRECTED,
    INTERRUPTION_ENDED,
    INTERRUPTION_RECORDED,
    RESPONSIBLE_CHANGED,
    RESPONSIBLE_SIDES,
    SCHOOL_YEAR_RECORDED,
    VDAB_REGISTRATION,
    DocumentKind,
    SchoolYearResult,
)
from referrals.models import Interruption
from referrals.models.followup import school_year_label
from referrals.presenters import candidacy_of
from referrals.signals import is_replaying_history

from . import inserting
from .models import AT_ONCE, Kind, Notification, email_choices
from .recipients import caseworkers_for, counsellors_for, other_side
from .rendering import render_email, render_message

# Messages that ask their recipient to do something next rather than announce what someone
# did: they reach the one who acted too (the caseworker who agreed is prompted to call; the
# counsellor who ended agrees with the OCMW who continues the guidance).
PROMPTS = {Kind.CALL_COUNSELLOR, Kind.CONTINUED_GUIDANCE}


def messages_for_event(event) -> list[tuple[str, list]]:
    """(kind, recipients) for one history line, as in the 'who hears what' table."""
    referral, actor = event.referral, event.actor
    return {
        "apply": lambda: (
            [(Kind.CANDIDACY_REGISTERED, caseworkers_for(referral))]
            if access.asks_ocmw_to_agree(referral)
            else []
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
        VDAB_REGISTRATION: lambda: [(Kind.VDAB_REGISTERED, caseworkers_for(referral))],
        # A correction too: the caseworker was told the result it replaces.
        SCHOOL_YEAR_RECORDED: lambda: [(Kind.SCHOOL_YEAR_RECORDED, caseworkers_for(referral))],
        "end": lambda: [
            (Kind.ENDED, caseworkers_for(referral)),
            (Kind.CONTINUED_GUIDANCE, counsellors_for(referral)),
        ],
        # The counsellors, and the one it was with when they use the app.
        HANDOVER_RECORDED: lambda: [
            (Kind.HANDOVER_RECORDED, [*counsellors_for(referral), *_with_counsellor(referral)])
        ],
        INTERRUPTION_RECORDED: lambda: [(Kind.INTERRUPTION, other_side(referral, actor))],
        # One still running when the training ended ends with it: the end's message says so.
        INTERRUPTION_ENDED: lambda: (
            [] if event.data.get("at_end") else [(Kind.INTERRUPTION, other_side(referral, actor))]
        ),
        INTERRUPTION_CORRECTED: lambda: [(Kind.INTERRUPTION, other_side(referral, actor))],
        DOCUMENT_ADDED: lambda: [(Kind.DOCUMENT_ADDED, other_side(referral, actor))],
        # Who was made responsible, unless they took it over themselves.
        RESPONSIBLE_CHANGED: lambda: [(Kind.MADE_RESPONSIBLE, _made_responsible(event))],
    }.get(event.transition, list)()


def _made_responsible(event) -> list:
    person = get_user_model().objects.filter(pk=event.data.get("person_id"), is_active=True).first()
    return [person] if person else []


def _with_counsellor(referral) -> list:
    counsellor = referral.handover_counsellor
    return [counsellor] if counsellor and counsellor.is_counsellor else []


def interruption_context(event) -> dict:
    """What a message about an interruption shows: the interruption as it is now, and
    whether the line recorded it, ended it (the trainee resumed) or corrected it."""
    return {
        "interruption": Interruption.objects.get(pk=event.data["interruption_id"]),
        "resumed": event.transition == INTERRUPTION_ENDED,
        "corrected": event.transition == INTERRUPTION_CORRECTED,
    }


def school_year_context(event) -> dict:
    """What a message about a school year shows: which year, its result and, for a
    correction, the result it replaces (labels, rendered in the reader's language)."""
    before = event.data.get("before")
    return {
        "school_year": school_year_label(event.data["year"]),
        "school_year_result": SchoolYearResult(event.data["result"]).label,
        "school_year_before": SchoolYearResult(before).label if before else "",
    }


def write_for_event(event) -> list[Notification]:
    """The messages of one history line, as in the 'who hears what' table."""
    messages = messages_for_event(event)
    recipients_of = dict(messages)
    context = {
        "event": event,
        "actor": event.actor,
        # The caseworker prompted to call is told whom the handover went to.
        "counsellors": recipients_of.get(Kind.WARM_HANDOVER, []),
        # The name VDAB typed, for the caseworker to check against the client file.
        "candidacy": (
            candidacy_of(event.referral) if Kind.CANDIDACY_REGISTERED in recipients_of else None
        ),
        **(interruption_context(event) if Kind.INTERRUPTION in recipients_of else {}),
        **(school_year_context(event) if Kind.SCHOOL_YEAR_RECORDED in recipients_of else {}),
        "responsible_side": (
            RESPONSIBLE_SIDES[event.data["side"]] if event.transition == RESPONSIBLE_CHANGED else ""
        ),
        # Which kind of document was added (its name may hold the client's: not in messages).
        "document_kind": (
            DocumentKind(event.data["kind"]).label if event.transition == DOCUMENT_ADDED else ""
        ),
    }
    return write_messages(
        [
            (kind, recipients, None if kind in PROMPTS else event.actor)
            for kind, recipients in messages
        ],
        referral=event.referral,
        source=f"event:{event.pk}",
        context=context,
        at=event.at,
    )


def write_for_note(note) -> list[Notification]:
    """A guidance note, to the other side of its author."""
    return write(
        kind=Kind.GUIDANCE_NOTE,
        recipients=other_side(note.referral, note.author),
        referral=note.referral,
        source=f"note:{note.pk}",
        context={"note": note, "actor": note.author},
        exclude=note.author,
    )


# Messages that show the client's details (`facts`), as their reader may see them when
# they are written.
WITH_CLIENT_FACTS = (Kind.WARM_HANDOVER,)


def rewrite_for_note(note) -> int:
    """Write a corrected note's in-app messages again with its text as it is now (its
    e-mails carry no text). How many were written again."""
    rows = list(
        Notification.objects.filter(
            channel=Notification.Channel.IN_APP, idempotency_key__startswith=f"note:{note.pk}:"
        ).select_related("recipient__organisation", "referral__client__ocmw", "referral__training")
    )
    return _rendered_again(rows, {"note": note, "actor": note.author})


def rewrite_client_facts(client) -> int:
    """Write the in-app messages that show `client`'s details again, with what each reader
    may see of them now: after a withdrawal of consent, VDAB's inbox keeps only the name.
    How many were written again."""
    rows = list(
        Notification.objects.filter(
            channel=Notification.Channel.IN_APP,
            kind__in=WITH_CLIENT_FACTS,
            referral__client=client,
        ).select_related(
            "recipient__organisation",
            "referral__client__ocmw",
            "referral__training",
            # Who agreed: the warm handover's message names them.
            "referral__caseworker",
        )
    )
    return _rendered_again(rows, {})


def _rendered_again(rows: list[Notification], context: dict) -> int:
    """Render in-app `rows` again for their readers (their permissions read at once, one
    rendering for all who see the same) with `context`, and save them; how many."""
    read_permissions([row.recipient for row in rows])
    texts = {}
    for row in rows:
        row.subject, row.body = render_message(
            row.kind, row.recipient, row.referral, context, texts
        )
    Notification.objects.bulk_update(rows, ["subject", "body"])
    return len(rows)


def write_for_consent_withdrawal(consent) -> list[Notification]:
    """A client withdrew the consent to share data with VDAB: the messages that showed their
    details are written again without what VDAB may no longer see, and the counsellors of
    each of the client's open referrals that VDAB sees (`counsellors_for`: once agreed) are
    told, one message per referral."""
    rewrite_client_facts(consent.client)
    referrals = (
        consent.client.referrals.exclude(state__in=FINAL_STATES)
        .filter(agreed_on__isnull=False)
        .select_related("client__ocmw", "training__contact_counsellor__organisation")
        .order_by("pk")
    )
    written = []
    for referral in referrals:
        written += write(
            kind=Kind.CONSENT_WITHDRAWN,
            recipients=counsellors_for(referral),
            referral=referral,
            source=f"consent:{consent.pk}:referral:{referral.pk}",
            context={"consent": consent, "actor": consent.withdrawn_by},
            exclude=consent.withdrawn_by,
            at=consent.withdrawal_recorded_at,
        )
    return written


def write(
    *,
    kind: str,
    recipients: Iterable,
    referral,
    source: str,
    context: dict,
    exclude=None,
    at=None,
) -> list[Notification]:
    """Write the in-app message and, unless switched off, the e-mail for each recipient;
    the rows written. A reader of the daily digest gets no e-mail of its own: the in-app
    message waits for the digest (`digest`), unless its kind must come `AT_ONCE`. The
    e-mail only says what happened and links to the app (`rendering.email_content`);
    `context` is for the in-app message.

    Call inside the transaction of what caused it. `source` makes the idempotency key:
    writing the same thing twice adds nothing. `at` dates the rows when the step happened
    (a back-dated step shows its real date)."""
    return write_messages(
        [(kind, recipients, exclude)], referral=referral, source=source, context=context, at=at
    )


def message_key(source: str, kind: str, recipient_pk: int, channel: str) -> str:
    """A row's idempotency key: "<source>:<kind>:<recipient>:<channel>"."""
    return f"{source}:{kind}:{recipient_pk}:{channel}"


def source_of(key: str) -> str:
    """The source of the row whose idempotency key is `key` (`message_key`): what is left
    before its last three parts, none of which holds a colon (a kind's code, a key, a
    channel), whatever the source holds."""
    return key.rsplit(":", 3)[0]


def write_messages(
    messages: Iterable[tuple[str, Iterable, object]],
    *,
    referral,
    source: str,
    context: dict,
    at=None,
) -> list[Notification]:
    """`write` for several kinds of message of one source at once, each (kind, recipients,
    who not to tell): the messages of one history line. Three queries at most whatever the
    number of kinds and recipients: the permissions of those not asked yet what they may
    see (`read_permissions`), what they chose for their e-mail (`email_choices`), and one
    insert that leaves out what was written before (`inserting.insert_new`: no lookup
    first, no savepoint). Each text is rendered once for all who read the same."""
    wanted = [
        (kind, [r for r in recipients if r is not None and r != exclude])
        for kind, recipients, exclude in messages
    ]
    wanted = [(kind, recipients) for kind, recipients in wanted if recipients]
    if not wanted:
        return []
    # Each message asks its reader what they may see: the permissions of all, at once.
    read_permissions([r for _kind, rs in wanted for r in rs])
    # Replayed history (demo data, imports) is kept in the app but e-mailed to nobody.
    with_email = not is_replaying_history()
    mailed_to = {r.pk for _kind, rs in wanted for r in rs if r.email} if with_email else set()
    # Who switched which kind off, and who reads the kinds that may wait (not `AT_ONCE`) in
    # the daily digest rather than in an e-mail of their own.
    opted_out, in_digest = (
        email_choices(mailed_to, [kind for kind, _rs in wanted]) if mailed_to else (set(), set())
    )
    digest_kinds = {kind for kind, _rs in wanted if kind not in AT_ONCE}
    now = at or timezone.now()
    rows = {}
    emails = {}  # an e-mail is the same for every recipient of a language: rendered once
    texts = {}  # an in-app message, for every recipient who sees the same (`render_message`)
    for kind, recipients in wanted:
        for recipient in recipients:
            mailed = recipient.pk in mailed_to and (recipient.pk, kind) not in opted_out
            for_digest = mailed and kind in digest_kinds and recipient.pk in in_digest
            channels = [Notification.Channel.IN_APP]
            if mailed and not for_digest:
                channels.append(Notification.Channel.EMAIL)
            for channel in channels:
                key = message_key(source, kind, recipient.pk, channel)
                if key not in rows:
                    rows[key] = _row(
                        key,
                        kind,
                        recipient,
                        channel,
                        referral,
                        context,
                        now,
                        for_digest,
                        emails=emails,
                        texts=texts,
                    )
    return inserting.insert_new(Notification, list(rows.values()), unique=["idempotency_key"])


def _row(
    key, kind, recipient, channel, referral, context, now, for_digest, *, emails, texts
) -> Notification:
    # In the recipient's language; the in-app message shows what its reader may see (kept
    # in `texts` by what that is), the e-mail only what happened and where to read it, the
    # same for all who read a language (kept in `emails` by kind and language).
    in_app = channel == Notification.Channel.IN_APP
    if in_app:
        subject, body = render_message(kind, recipient, referral, context, texts)
        body_html = ""
    else:
        if (kind, recipient.language) not in emails:
            emails[kind, recipient.language] = render_email(kind, recipient.language, referral)
        subject, body, body_html = emails[kind, recipient.language]
    return Notification(
        idempotency_key=key,
        recipient=recipient,
        channel=channel,
        kind=kind,
        referral=referral,
        subject=subject,
        body=body,
        body_html=body_html,
        status=Notification.Status.SENT if in_app else Notification.Status.PENDING,
        sent_at=now if in_app else None,
        # The caller hands the e-mail to the worker on commit (enqueue_on_commit).
        queued_at=None if in_app else timezone.now(),
        created_at=now,
        in_digest=bool(in_app and for_digest),
    )
