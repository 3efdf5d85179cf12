"""Webhooks: an organisation's own system hears of the referral events it may see, as signed
JSON POSTs (docs/webhooks.md). `Subscription` is what an administrator registers; `Delivery`
is the outbox row of one event for one subscription, sent by the delivery engine that the
e-mails use too (`notifications.engine`)."""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.deliverable import Deliverable, DeliveryStatus

from .kinds import EventKind


def new_secret() -> str:
    """A signing secret: 256 random bits, as hex (what the receiver pastes in its config)."""
    return secrets.token_hex(32)


def url_refusal(url: str) -> str:
    """Why events may not be sent to `url`, or "": https only, unless WEBHOOKS_ALLOW_HTTP
    (local development and tests, with a receiver on this machine)."""
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and settings.WEBHOOKS_ALLOW_HTTP):
        return ""
    return "The address must start with https://."


def validate_url(url: str) -> None:
    if url_refusal(url):
        raise ValidationError(
            _("The address must start with https:// (events leave the app encrypted only)."),
            code="https_required",
        )


def validate_kinds(kinds) -> None:
    if not isinstance(kinds, list) or not set(kinds) <= set(EventKind.values):
        raise ValidationError(_("Choose among the kinds of event offered."), code="unknown_kind")


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> "SubscriptionQuerySet":
        return self.filter(active=True)


class Subscription(models.Model):
    """An organisation's receiver: where its events go, which kinds, and the secret with
    which they are signed."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(
        _("address (URL)"),
        max_length=500,
        validators=[validate_url],
        help_text=_("Where the events are posted, as JSON."),
    )
    # A list of `EventKind` codes: JSON rather than an array, which SQLite lacks.
    kinds = models.JSONField(_("events"), default=list, blank=True, validators=[validate_kinds])
    secret = models.CharField(
        _("signing secret"), max_length=64, default=new_secret, editable=False
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive subscription gets nothing, also not what is still waiting."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["organisation__name", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.url}"

    def wants(self, kind: str) -> bool:
        return kind in (self.kinds or [])

    def rotate_secret(self) -> None:
        """A new secret; the receiver needs it before the next event verifies."""
        self.secret = new_secret()
        self.save(update_fields=["secret", "updated_at"])


class Delivery(Deliverable):
    """One event for one subscription: written in the transaction of the step, with its
    payload as it was then, and sent by the delivery engine (`webhooks.sender`)."""

    # The engine's states; a `sent` call is one the receiver answered with 2xx.
    Status = DeliveryStatus

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    # The same on every attempt and for every subscription (X-OKOT-Event-Id): the receiver
    # recognises a second copy by it (docs/webhooks.md).
    event_id = models.UUIDField(_("event id"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What is sent, frozen when the event happened (`payloads`).
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    response_status = models.PositiveSmallIntegerField(
        _("last response status"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An event is written once per subscription, however often it is announced.
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.subscription}"
