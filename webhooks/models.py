"""Webhooks: an organisation's own system hears of the referral events it may see, as signed
JSON POSTs (docs/webhooks.md). `Subscription` is what an administrator registers; `Delivery`
is the outbox row of one event for one subscription, sent by the delivery engine that the
e-mails use too (`notifications.engine`)."""

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.deliverable import Deliverable, DeliveryStatus
from referrals.models.choices import ChoiceLabels

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


def address_refusal(url: str) -> str:
    """Why events may not go to where `url`'s host resolves now, or "": never to this
    machine, a link-local address (a cloud's metadata service) or a reserved one, and to a
    private network only one an operator named (WEBHOOKS_PRIVATE_NETWORKS: an OCMW's own
    system behind a VPN); so that a subscription cannot make the worker probe the networks
    it sits in. WEBHOOKS_ALLOW_HTTP (development, tests) allows a receiver on this machine.
    A name that does not resolve is left to the call, which fails and is retried."""
    if settings.WEBHOOKS_ALLOW_HTTP:
        return ""
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ""
    allowed = [ipaddress.ip_network(net.strip()) for net in settings.WEBHOOKS_PRIVATE_NETWORKS]
    for entry in found:
        address = ipaddress.ip_address(entry[4][0].split("%")[0])
        if address.is_global or any(address in network for network in allowed):
            continue
        return f"The address {parts.hostname} resolves to {address}, which is not public."
    return ""


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
        # The address alone: a delivery names its subscription wherever it is listed (the
        # admin, a client's file), which must not cost a query for the organisation each.
        return self.url

    def wants(self, kind: str) -> bool:
        return kind in (self.kinds or [])

    def rotate_secret(self) -> None:
        """A new secret; the receiver needs it before the next event verifies."""
        self.secret = new_secret()
        self.save(update_fields=["secret", "updated_at"])


class Delivery(ChoiceLabels, Deliverable):
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
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The admin's search by an event id (`webhook_delivery_once` leads with the
            # subscription).
            models.Index(fields=["event_id"], name="webhook_delivery_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.subscription}"
