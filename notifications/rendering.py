"""Messages rendered in the recipient's language: the in-app message from one template per
kind, the e-mail from one template for all kinds.

`templates/notifications/<kind>.txt` holds the in-app message's subject on its first line
and its text after a blank line; it may show whatever its reader may see of the client
(`referrals.presenters`: `facts`, `client_name`), and is not told who the reader is, so
that everyone who sees the same reads one rendering. An e-mail leaves the app, over networks
and into mailboxes we do not control, so it only says what happened and where to read it:
`email_content` is the one place that decides what it carries."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from referrals.presenters import client_name, message_client_facts

from .models import Kind


def render_message(
    kind: str, recipient, referral, context: dict, rendered: dict | None = None
) -> tuple[str, str]:
    """(subject, text) of the in-app message of `kind` for `recipient`: in their language,
    from what they may see of the client and from nothing else of them, so that readers who
    see the same read the same text. `rendered` keeps the texts by referral and by what
    their readers see, for a caller that writes messages of one `context` to many: a
    region's hundred counsellors are mostly one rendering."""
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        seen = {
            # Only what this recipient may see of the client, and never the OCMW's own
            # file (`message_client_facts`).
            "facts": message_client_facts(referral, recipient) if referral else [],
            "client_name": client_name(referral, recipient) if referral else "",
        }
        # What makes one reader's text another's, of the same referral (the same values).
        key = (
            kind,
            getattr(referral, "pk", None),
            language,
            seen["client_name"],
            *((str(label), str(value)) for label, value in seen["facts"]),
        )
        if rendered is not None and key in rendered:
            return rendered[key]
        text = render_to_string(
            f"notifications/{kind}.txt", {"referral": referral, **seen, **context}
        ).strip()
        subject, _blank, body = text.partition("\n\n")
    message = one_line(subject), body.strip()
    if rendered is not None:
        rendered[key] = message
    return message


def email_content(kind: str, referral) -> dict:
    """All an e-mail may carry, whatever its kind: what happened (the kind's label), the
    referral's number and training, and the links. Nothing of the client (no name, INSZ,
    birth date, contact details or address), no reason, note or screening text, nor the
    staff's phone numbers: the reader logs in to see what they may. Not even the OCMW's
    name, which would give away where the client lives. The e-mail's templates get this
    and nothing else, so that they cannot show more."""
    return {
        "what": Kind(kind).label,
        "number": referral.pk if referral else None,
        "training": referral.training.title if referral else "",
        "link": site_url(referral.get_absolute_url() if referral else "/"),
        "preferences_link": site_url(reverse("notifications:preferences")),
    }


def render_email(kind: str, language: str, referral) -> tuple[str, str, str]:
    """(subject, text, html) of the e-mail of `kind`: `email_content`, in `language` (a
    recipient's; empty: the default). Nothing of its reader: the same for everyone who
    reads that language (`outbox.write_messages` renders it once for them)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        content = email_content(kind, referral)
        if content["number"] is None:
            subject = _("OKOT: %(what)s") % content
        else:
            subject = _("OKOT: %(what)s – referral #%(number)s (%(training)s)") % content
        content["subject"] = subject = one_line(subject)
        text = render_to_string("notifications/email.txt", content).strip()
        html = render_to_string("notifications/email.html", content)
    return subject, text, html


def render_digest(recipient, messages, day) -> tuple[str, str, str]:
    """(subject, text, html) of `recipient`'s daily digest of `messages` (in-app rows, with
    their referral's training): of each, only what its own e-mail would carry
    (`email_content`), in the recipient's language, and a link to the inbox."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        count = len(messages)
        subject = ngettext(
            "OKOT: %(count)d message of %(date)s", "OKOT: %(count)d messages of %(date)s", count
        ) % {"count": count, "date": formats.date_format(day, "DATE_FORMAT")}
        content = {
            "subject": one_line(subject),
            "count": count,
            "items": [email_content(message.kind, message.referral) for message in messages],
            "inbox_link": site_url(reverse("notifications:inbox")),
            "preferences_link": site_url(reverse("notifications:preferences")),
        }
        text = render_to_string("notifications/digest.txt", content).strip()
        html = render_to_string("notifications/digest.html", content)
    return content["subject"], text, html


def one_line(subject: str) -> str:
    """A subject on one line (a line break in a name or title would end an e-mail header)
    and no longer than the column."""
    return " ".join(subject.split())[:300]


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
