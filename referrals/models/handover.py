"""The warm handover as its own recorded fact on the referral: how it took place (a phone
call, or a three-way meeting with the client and the counsellor), when, with whom, and who
recorded it when.

It is given at the formal agreement or recorded afterwards (`services.handover`), while
the referral is agreed up to in training (`enums.HANDOVER_STATES`); a referral without one
some working days after the agreement is overdue (`querysets.overdue_reasons`).

With whom: the VDAB counsellor as a user of the app when they are one (a counsellor who
acts for the training), else their name as typed; the referrals from before this was kept
know neither (migration 0012 took their "handover call" time over as the when)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .. import access
from ..enums import HandoverHow

# The handover's fields, as a service saves them and a history line keeps them.
HANDOVER_FIELDS = [
    "handover_how",
    "handover_at",
    "handover_counsellor",
    "handover_counsellor_name",
    "handover_recorded_by",
    "handover_recorded_at",
]


class HandoverFields(models.Model):
    """The handover's columns on `Referral` (an abstract model: one row, one fact)."""

    handover_how = models.CharField(
        _("warm handover: how"), max_length=10, choices=HandoverHow.choices, blank=True
    )
    handover_at = models.DateTimeField(_("warm handover: when"), null=True, blank=True)
    handover_counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("warm handover: with counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handover_counsellor_name = models.CharField(
        _("warm handover: with (name)"),
        max_length=150,
        blank=True,
        help_text=_("The counsellor's name, when they are not a user of the app."),
    )
    handover_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("warm handover recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handover_recorded_at = models.DateTimeField(
        _("warm handover recorded at"), null=True, blank=True
    )

    class Meta:
        abstract = True

    def set_handover(
        self,
        *,
        how: str,
        at: datetime.datetime,
        counsellor=None,
        counsellor_name: str = "",
        by,
        recorded_at: datetime.datetime,
    ) -> None:
        """Record the handover on this row; refused when it cannot be true. The agreement
        date must be set first (the agreement step sets it just before)."""
        counsellor_name = (counsellor_name or "").strip()
        if how not in HandoverHow.values:
            raise ValidationError({"handover_how": _("Say how the handover took place.")})
        if self.agreed_on is None or timezone.localdate(at) < self.agreed_on:
            raise ValidationError(
                {
                    "handover_at": _(
                        "The handover cannot be before the formal agreement (%(date)s)."
                    )
                    % {"date": _day(self.agreed_on)}
                }
            )
        if at > recorded_at:
            raise ValidationError({"handover_at": _("This moment lies in the future.")})
        if counsellor is None and not counsellor_name:
            raise ValidationError(
                {"handover_counsellor": _("Say with whom: choose the counsellor or type a name.")}
            )
        if counsellor is not None and counsellor.pk == self.training.contact_counsellor_id:
            # The training's contact as the referral holds them: one copy of the person,
            # whose permissions the messages to the training's side read once.
            counsellor = self.training.contact_counsellor
        if counsellor is not None and not access.is_counsellor_for(self.training, counsellor):
            raise ValidationError(
                {"handover_counsellor": _("Choose a VDAB counsellor of this training.")}
            )
        limit = self._meta.get_field("handover_counsellor_name").max_length
        if len(counsellor_name) > limit:
            raise ValidationError(
                {"handover_counsellor_name": _("At most %(limit)s characters.") % {"limit": limit}}
            )
        self.handover_how = how
        self.handover_at = at
        self.handover_counsellor = counsellor
        # A user chosen is the counsellor; the name typed only stands in for one.
        self.handover_counsellor_name = "" if counsellor is not None else counsellor_name
        self.handover_recorded_by = by
        self.handover_recorded_at = recorded_at

    @property
    def handover_recorded(self) -> bool:
        return self.handover_at is not None

    @property
    def handover_with(self) -> str:
        """With whom, as people read it ("" when not known)."""
        if self.handover_counsellor_id:
            return str(self.handover_counsellor)
        return self.handover_counsellor_name


def handover_constraints(prefix: str) -> list[models.CheckConstraint]:
    """What the database holds of the handover, whatever writes it: recorded whole, only
    with an agreement, and "not in the future", that is not after it was recorded. Not
    before the agreement's day: `rules.referral_rules`."""
    return [
        # Recorded whole: how, when and when it was recorded (who stays when a user goes).
        models.CheckConstraint(
            condition=Q(
                handover_how="", handover_at__isnull=True, handover_recorded_at__isnull=True
            )
            | (
                ~Q(handover_how="")
                & Q(handover_at__isnull=False, handover_recorded_at__isnull=False)
            ),
            name=f"{prefix}_handover_whole",
            violation_error_message=_(
                "A warm handover is recorded with how, when and when it was recorded."
            ),
        ),
        models.CheckConstraint(
            condition=Q(handover_at__isnull=True) | Q(handover_at__lte=F("handover_recorded_at")),
            name=f"{prefix}_handover_not_after_recorded",
            violation_error_message=_("This moment lies in the future."),
        ),
        models.CheckConstraint(
            condition=Q(handover_at__isnull=True) | Q(agreed_on__isnull=False),
            name=f"{prefix}_handover_after_agreement",
            violation_error_message=_("A warm handover follows the formal agreement."),
        ),
    ]


def counsellors_of(training) -> models.QuerySet:
    """The VDAB counsellors a handover for `training` can be with: its contact and those of
    its region (`access.is_counsellor_for`)."""
    return (
        Role.COUNSELLOR.holders()
        .filter(Q(pk=training.contact_counsellor_id) | Q(organisation__province=training.province))
        .select_related("organisation")
        .order_by("last_name", "first_name", "pk")
    )


def _day(day: datetime.date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else "—"
