"""A client's consent to share data with VDAB, kept as a history: each consent given, on
which date, by whom recorded, for which scope and on which signed document, and when it was
withdrawn and by whom.

`Client.consent_vdab` and `Client.consent_date` repeat the open consent of the OKOT scope,
so that the guards, the presenters and the lists read it without a query. They are a
denormalisation with one writer: `referrals.services.consents` changes them in the same
transaction as the history row, and nothing else does."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ..enums import ConsentScope


class ConsentQuerySet(models.QuerySet):
    def open(self) -> "ConsentQuerySet":
        """Consents that hold: given and not withdrawn."""
        return self.filter(withdrawn_on__isnull=True)

    def withdrawn(self) -> "ConsentQuerySet":
        return self.filter(withdrawn_on__isnull=False)


class Consent(models.Model):
    """One consent of a client, from the day it was given until the day it was withdrawn."""

    client = models.ForeignKey(
        "referrals.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    scope = models.CharField(
        _("scope"), max_length=20, choices=ConsentScope.choices, default=ConsentScope.OKOT
    )
    given_on = models.DateField(_("consent given on"))
    document_reference = models.CharField(
        _("reference to the signed document"),
        max_length=100,
        blank=True,
        help_text=_("For instance its number in the OCMW's document system."),
    )
    # Empty for the consents taken over from before this history was kept (migration 0009).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_recorded_at = models.DateTimeField(
        _("withdrawal recorded at"), null=True, blank=True
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("A consent cannot be withdrawn before it was given."),
            ),
            # A withdrawal is recorded whole: its date, who recorded it and when.
            models.CheckConstraint(
                condition=Q(
                    withdrawn_on__isnull=True,
                    withdrawn_by__isnull=True,
                    withdrawal_recorded_at__isnull=True,
                )
                | Q(
                    withdrawn_on__isnull=False,
                    withdrawn_by__isnull=False,
                    withdrawal_recorded_at__isnull=False,
                ),
                name="consent_withdrawal_complete",
                violation_error_message=_(
                    "A withdrawal is recorded with its date, by whom and when."
                ),
            ),
            models.UniqueConstraint(
                fields=["client", "scope"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_open_per_scope",
            ),
        ]

    def __str__(self) -> str:
        given = formats.date_format(self.given_on, "SHORT_DATE_FORMAT")
        if self.withdrawn_on is None:
            return _("%(client)s: consent of %(date)s") % {"client": self.client, "date": given}
        return _("%(client)s: consent of %(date)s, withdrawn on %(withdrawn)s") % {
            "client": self.client,
            "date": given,
            "withdrawn": formats.date_format(self.withdrawn_on, "SHORT_DATE_FORMAT"),
        }

    @property
    def is_open(self) -> bool:
        return self.withdrawn_on is None


def check_consent_day(
    day: datetime.date,
    *,
    birth_date: datetime.date | None,
    field: str,
    given_on: datetime.date | None = None,
) -> None:
    """Refuse a day of consent (or, with `given_on`, of its withdrawal) that cannot be: in
    the future, before the client was born, or a withdrawal before the consent it ends. The
    forms ask it for their messages, the services so that no other caller gets past it."""
    if day > timezone.localdate():
        raise ValidationError({field: _("This date lies in the future.")})
    if birth_date and day < birth_date:
        raise ValidationError(
            {
                field: _("This date lies before the client's birth date (%(date)s).")
                % {"date": formats.date_format(birth_date, "SHORT_DATE_FORMAT")}
            }
        )
    if given_on and day < given_on:
        raise ValidationError(
            {
                field: _("The consent was given on %(date)s: it cannot be withdrawn before that.")
                % {"date": formats.date_format(given_on, "SHORT_DATE_FORMAT")}
            }
        )
