"""Sending one webhook call: the HTTP side of the delivery engine (`notifications.engine`),
which claims the row, holds its lock while this posts it, records the outcome, retries with
backoff and relays what a worker lost, exactly as for the e-mails.

One attempt is one signed JSON POST (`signing`) with a fresh timestamp, WEBHOOK_TIMEOUT
per socket operation, no redirect followed (a receiver that moved is an administrator's to
update, and a redirect must not carry a signed event elsewhere). The answer decides:

- 2xx: delivered (`sent`).
- 408, 425, 429, 5xx, no connection, a dropped one or a timeout: temporary, tried again
  with backoff until WEBHOOK_MAX_ATTEMPTS, then `failed`.
- any other answer (3xx, 4xx): permanent, `failed` at once, waiting for a person (the
  admin's Retry) who fixes the receiver or the subscription.

Checked again before each attempt: a subscription deactivated (or no longer asking for this
kind), an address no longer allowed (http), or an organisation that may no longer see the
referral gets nothing; the row ends `failed` with the reason."""

import http.client
import time
import urllib.error
import urllib.request

from django.conf import settings

from notifications import engine, outcomes
from referrals import access

from . import signing
from .models import Delivery, address_refusal, url_refusal

WEBHOOKS = engine.Outbox(
    model=Delivery,
    noun="Webhook delivery",
    name="webhook delivery",
    max_attempts_setting="WEBHOOK_MAX_ATTEMPTS",
)

# Answers worth another attempt besides 5xx: the receiver timed out reading us, is not
# ready yet, or asks us to slow down.
TEMPORARY_STATUSES = frozenset({408, 425, 429})
USER_AGENT = "OKOT-Webhooks/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx: a permanent failure


_opener = urllib.request.build_opener(_NoRedirects)


def send_one(delivery_id: int, *, retried: bool = False) -> tuple[str, float]:
    """Post one delivery (`engine.Outbox.attempt`): its status after this attempt, or
    "skipped", and the seconds to wait before the next attempt if it is left `pending`."""
    return WEBHOOKS.attempt(
        delivery_id,
        _send,
        retried=retried,
        related=["subscription__organisation", "referral"],
    )


def classify(status: int) -> outcomes.Outcome:
    """What an HTTP answer means for the delivery."""
    if 200 <= status < 300:
        return outcomes.delivered(response_status=status)
    error = f"HTTP {status}"
    if status in TEMPORARY_STATUSES or status >= 500:
        return outcomes.temporary(error, response_status=status)
    if 300 <= status < 400:
        error += " (a redirect, not followed: update the subscription's address)"
    return outcomes.permanent(error, response_status=status)


def _send(delivery: Delivery, _resource) -> outcomes.Outcome:
    refusal = _not_to_be_sent(delivery)
    if refusal:
        return outcomes.refused(refusal)
    subscription = delivery.subscription
    body = signing.encode(delivery.payload)
    headers = signing.headers(
        subscription.secret, int(time.time()), body, event_id=str(delivery.event_id)
    )
    request = urllib.request.Request(  # noqa: S310 - https (or http where allowed) only
        subscription.url,
        data=body,
        method="POST",
        headers={**headers, "User-Agent": USER_AGENT},
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return classify(response.status)
    except urllib.error.HTTPError as exc:  # an answer, not 2xx
        exc.close()
        return classify(exc.code)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        # No answer: refused, reset, DNS, TLS, a timeout (connecting or waiting for it).
        reason = getattr(exc, "reason", exc)
        return outcomes.temporary(f"{type(exc).__name__}: {reason}")


def _not_to_be_sent(delivery: Delivery) -> str:
    """Why this call must not go now, or "" if it may. Checked at each attempt: the row may
    have been written hours (a retry, the relay) or days (Retry) ago."""
    subscription = delivery.subscription
    if not subscription.active:
        return "Not sent: the subscription is inactive."
    if not subscription.wants(delivery.kind):
        return "Not sent: the subscription no longer asks for this kind of event."
    refusal = url_refusal(subscription.url) or address_refusal(subscription.url)
    if refusal:
        return f"Not sent: {refusal}"
    if not access.organisation_sees(delivery.referral, subscription.organisation):
        return "Not sent: the organisation may no longer see this referral."
    return ""
