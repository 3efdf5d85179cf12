import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access
from ..enums import (
    CANDIDACY_LOOKUPS,
    CANDIDACY_REGISTERS,
    CandidacyOutcome,
    CandidacyStatus,
    State,
)
from ..textlimits import one_line
from .clients import InszField


class CandidacyQuerySet(models.QuerySet):
    def lookups_by(self, user, *, since: datetime.datetime) -> "CandidacyQuerySet":
        """The candidacies `user` registered since then that looked up an OCMW's clients."""
        return self.filter(registered_by=user, registered_at__gte=since).filter(
            outcome__in=CANDIDACY_LOOKUPS
        )

    def registering(self) -> "CandidacyQuerySet":
        """The candidacies that registered their referral (not those linked to one open
        already)."""
        return self.filter(outcome__in=CANDIDACY_REGISTERS)

    def of_registrant(self, user) -> "CandidacyQuerySet":
        """What `user` registered through the candidacy form, as they see it on its page:
        every lookup (the refusals by the limit were answered as such, not registered)."""
        return self.filter(registered_by=user, outcome__in=CANDIDACY_LOOKUPS)


class Candidacy(models.Model):
    """A candidacy as VDAB typed it, one row per attempt (`referral_register_candidacy`).

    It is the trace an administrator reads of who looked up which national number at
    which OCMW, and, until the OCMW's formal agreement, all that VDAB sees of it: what the
    counsellor typed, never the OCMW's file, and a `status` that is the same whatever the
    OCMW knew until the OCMW's caseworker answers it."""

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    ocmw = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OCMW"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    training = models.ForeignKey(
        "referrals.Training", verbose_name=_("training"), on_delete=models.PROTECT
    )
    insz = InszField(_("INSZ (national register or BIS number)"))
    first_name = models.CharField(_("first name"), max_length=100, validators=[one_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[one_line])
    outcome = models.CharField(_("outcome"), max_length=20, choices=CandidacyOutcome.choices)
    # The referral it registered or, when one was open already, that one: several
    # candidacies may point at one referral.
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacies",
    )

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidacy by VDAB")
        verbose_name_plural = _("candidacies by VDAB")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["registered_by", "registered_at"]),
            # The admin's search by the first digits of a national number (its name: a
            # trigram index, migration 0043).
            models.Index(
                fields=["insz"], name="candidacy_insz_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} → {self.training.title}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def name_differs(self) -> bool:
        return self.outcome == CandidacyOutcome.NAME_DIFFERS

    @property
    def status(self) -> str:
        """What the registrant may know of it (`CandidacyStatus`): waiting until the OCMW
        agrees, declines or withdraws the referral, whether or not the OCMW knew the
        number, or had a referral open already."""
        referral = self.referral
        if referral is None:
            return CandidacyStatus.WAITING
        if access.is_agreed(referral):
            return CandidacyStatus.AGREED
        if referral.state == State.DECLINED:
            return CandidacyStatus.DECLINED
        if referral.state == State.WITHDRAWN:
            return CandidacyStatus.WITHDRAWN
        return CandidacyStatus.WAITING
