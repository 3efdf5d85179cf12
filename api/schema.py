"""What the OpenAPI schema says beyond the views: the webhook calls partner systems receive
(OpenAPI 3.1's `webhooks`), with their payload and how they are signed."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema

from webhooks.payloads import EventSerializer
from webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, VERSION

SIGNATURE = f"""
Sent as a JSON POST to the URL an administrator registered for your organisation, for the
event kinds it chose, about the referrals your organisation may see.

Headers:

- `{TIMESTAMP_HEADER}`: the unix time of this attempt;
- `{SIGNATURE_HEADER}`: `{VERSION}=` and the hex HMAC-SHA256 of `<timestamp>.<body>` (the raw
  body bytes), keyed with your subscription's secret;
- `{EVENT_ID_HEADER}`: the event's id, the same on every attempt.

Check the signature with a constant-time comparison and refuse a timestamp older than five
minutes; answer 2xx once you have stored the event (by its id: a retry may bring it again).
Any other answer, or none within WEBHOOK_TIMEOUT seconds, is retried with backoff; 4xx other
than 408, 425 and 429 is taken as a refusal and not retried. See docs/webhooks.md for a
verification recipe.
"""

referral_event = OpenApiWebhook(
    name="referralEvent",
    decorator=extend_schema(
        summary=_("Something happened to a referral your organisation sees"),
        description=SIGNATURE,
        request=EventSerializer,
        responses={
            200: OpenApiResponse(description="Received (any 2xx)."),
            410: OpenApiResponse(description="A refusal: not retried (any 4xx but 408, 425, 429)."),
            503: OpenApiResponse(description="Not now: retried later (5xx, 408, 425, 429)."),
        },
    ),
)
