"""Messages rendered in the recipient's language, from one template per kind.

`templates/notifications/<kind>.txt` holds the subject on its first line and the text
after a blank line; the HTML e-mail wraps that text in `notifications/email.html`."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from referrals import access
from referrals.presenters import client_name, referral_client_facts


def render_message(kind: str, recipient, referral, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of a message of `kind` for `recipient`."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        full_context = {
            "recipient": recipient,
            "referral": referral,
            # Only what this recipient may see of the client: a caseworker of the client's
            # OCMW the client's file, anyone else (VDAB, even when also an administrator)
            # what VDAB may, and before the formal agreement what its candidacy carried.
            "facts": (
                referral_client_facts(
                    referral,
                    recipient,
                    for_vdab=not access.is_caseworker_of(referral.client, recipient),
                )
                if referral
                else []
            ),
            "client_name": client_name(referral, recipient) if referral else "",
            **_links(referral),
            **context,
        }
        rendered = render_to_string(f"notifications/{kind}.txt", full_context).strip()
        subject, _blank, body = rendered.partition("\n\n")
        subject = " ".join(subject.split())[:300]
        body = body.strip()
        html = render_to_string(
            "notifications/email.html",
            {**full_context, "subject": subject, "body": body},
        )
    return subject, body, html


def render_email_footer(recipient, referral) -> str:
    """The plain-text e-mail's last lines: where to open it, and where to choose e-mails."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return render_to_string("notifications/email_footer.txt", _links(referral)).strip()


def _links(referral) -> dict:
    """Where a message leads: its referral (else the site), and the e-mail preferences."""
    return {
        "link": site_url(referral.get_absolute_url() if referral else "/"),
        "preferences_link": site_url(reverse("notifications:preferences")),
    }


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
