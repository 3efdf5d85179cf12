"""Interruptions of a training (illness, maternity, a personal reason): the trajectory is
paused, not ended, and its expected end moves on by the days it was interrupted."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import InterruptionReason
from ..textlimits import REASON, max_length_check
from .followup import add_months


def expected_end(
    start_date: datetime.date, duration_months: int, interrupted_days: int = 0
) -> datetime.date:
    """When a training that started on `start_date` is expected to end: its duration later,
    and later still by the days it was interrupted."""
    return add_months(start_date, duration_months) + datetime.timedelta(days=interrupted_days)


class InterruptionQuerySet(models.QuerySet):
    def running(self) -> "InterruptionQuerySet":
        """The interruptions still going on: no last day yet."""
        return self.filter(to_date__isnull=True)

    def overlapping(
        self, from_date: datetime.date, to_date: datetime.date | None
    ) -> "InterruptionQuerySet":
        """The interruptions that share a day with `from_date` to `to_date` (both included;
        None: still going on)."""
        overlap = Q(to_date__isnull=True) | Q(to_date__gte=from_date)
        if to_date is not None:
            overlap &= Q(from_date__lte=to_date)
        return self.filter(overlap)


class Interruption(models.Model):
    """A time during the training in which the trainee did not follow it, without ending
    the trajectory: from `from_date` to `to_date`, its last day (empty while it lasts)."""

    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="interruptions",
        verbose_name=_("referral"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=InterruptionReason.choices)
    from_date = models.DateField(_("interrupted from"))
    to_date = models.DateField(
        _("interrupted until (last day)"),
        null=True,
        blank=True,
        help_text=_("Empty while the interruption lasts."),
    )
    note = models.TextField(_("note"), max_length=REASON, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InterruptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("interruption")
        verbose_name_plural = _("interruptions")
        ordering = ["-from_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=F("from_date")),
                name="interruption_to_not_before_from",
                violation_error_message=_("The last day cannot be before the first."),
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(to_date__isnull=True),
                name="interruption_one_running_per_referral",
            ),
            max_length_check("interruption", "note", REASON),
        ]

    def __str__(self) -> str:
        return f"{self.from_date}–{self.to_date or '…'}: {self.get_reason_display()}"

    @property
    def is_running(self) -> bool:
        return self.to_date is None

    @property
    def version(self) -> str:
        """What it is, in short: what a correction's form was opened on (the values stored
        and the values the form sends differ: it was changed since)."""
        values = [str(self.reason), str(self.from_date), str(self.to_date), self.note]
        return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]

    def days(self, today: datetime.date | None = None) -> int:
        """The days interrupted, both ends included; a running one up to `today`."""
        last = self.to_date or today or timezone.localdate()
        return max((last - self.from_date).days + 1, 0)
