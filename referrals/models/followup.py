"""What both sides record during and after the training (notes, school years, outflow
check-ups), and when a check-up is due."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import AtWork, CheckupMonths, GuidanceTopic, NoteVisibility, SchoolYearResult
from ..textlimits import NOTE, max_length_check
from .visibility import referral_visibility


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (an outflow
    check-up is due `months` after the end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class GuidanceNoteQuerySet(models.QuerySet):
    def visible_to(self, user) -> "GuidanceNoteQuerySet":
        """Of the referrals `user` sees (`Referral.objects.visible_to`), the shared notes
        and the internal notes of the user's own organisation (all of them for an
        administrator)."""
        condition = referral_visibility(user, "referral__")
        if condition is None:
            return self.all()
        notes = self.filter(condition)
        if user.organisation_id is None:
            return notes.filter(visibility=NoteVisibility.SHARED)
        internal_of_mine = Q(organisation_id=user.organisation_id)
        return notes.filter(Q(visibility=NoteVisibility.SHARED) | internal_of_mine)


class GuidanceNote(models.Model):
    """A note from the formal agreement on (attendance, progress, risk): shared with the
    other side, or internal to the author's organisation. Its author may correct it for a
    short time (`settings.OKOT_NOTE_EDIT_MINUTES`)."""

    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("referral"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_on = models.DateField(_("date"), default=timezone.localdate)
    topic = models.CharField(_("topic"), max_length=20, choices=GuidanceTopic.choices)
    note = models.TextField(_("note"), max_length=NOTE)
    visibility = models.CharField(
        _("who reads it"),
        max_length=10,
        choices=NoteVisibility.choices,
        default=NoteVisibility.SHARED,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    # The author's organisation when it was written: an internal note stays with it, also
    # when its author later moves.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = GuidanceNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("guidance note")
        verbose_name_plural = _("guidance notes")
        ordering = ["-written_on", "-pk"]
        constraints = [max_length_check("guidance_note", "note", NOTE)]

    def __str__(self) -> str:
        return f"{self.written_on}: {self.get_topic_display()}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == NoteVisibility.INTERNAL

    def editable_until(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(minutes=settings.OKOT_NOTE_EDIT_MINUTES)

    def may_be_edited_by(self, user, now: datetime.datetime | None = None) -> bool:
        """Its author, for a short time after writing it."""
        return self.author_id == user.pk and (now or timezone.now()) < self.editable_until()


class RecordedCheckups(models.Model):
    """`Referral.checkups_recorded`: its outcome check-ups recorded, a bit each
    (`checkup_bit`), set when one is recorded and cleared when one is deleted, by the
    check-up's own signals (`check_saved`, `check_deleted`), never by a save of the
    referral (`save`), so that Mijn werk tells the check-ups due from an index of the
    referrals (`work.outflow_due`). It only spares asking the check-ups: one not marked is
    still looked for there. A database default too, for code that does not know it yet."""

    checkups_recorded = models.PositiveSmallIntegerField(
        _("check-ups recorded"), default=0, db_default=0, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not (self._state.adding or args or kwargs.get("force_insert")) and (
            kwargs.get("update_fields") is None
        ):
            # Every column it holds but the check-ups' mark, which their own signals write: a
            # referral read before a check-up was deleted (a page of Django admin) would
            # otherwise mark it recorded again.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name != "checkups_recorded"
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)


def checkup_bit(months: int) -> int:
    """The bit of `Referral.checkups_recorded` that marks the check-up after `months`
    recorded: 1, 2, 4 and 8 for 3, 6, 9 and 12 months (migration 0037 wrote them)."""
    return 1 << CheckupMonths.values.index(months)


def check_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A check-up recorded: its bit set on its referral (`Referral.checkups_recorded`), in
    the transaction that records it. A correction (saved again) changes nothing there."""
    if created and not raw:
        _referrals(instance).update(
            checkups_recorded=F("checkups_recorded").bitor(checkup_bit(instance.months))
        )


def check_deleted(sender, instance, **kwargs) -> None:
    """A check-up deleted (Django admin): its bit cleared, so that it can be due again."""
    every = sum(checkup_bit(months) for months in CheckupMonths.values)
    _referrals(instance).update(
        checkups_recorded=F("checkups_recorded").bitand(every ^ checkup_bit(instance.months))
    )


def _referrals(check):
    return check._meta.get_field("referral").related_model.objects.filter(pk=check.referral_id)


class OutcomeCheck(models.Model):
    """Whether a former trainee is at work 3, 6, 9 or 12 months after a positive end."""

    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="outcomes",
        verbose_name=_("referral"),
    )
    months = models.PositiveSmallIntegerField(_("after"), choices=CheckupMonths.choices)
    at_work = models.CharField(_("at work"), max_length=10, choices=AtWork.choices)
    checked_on = models.DateField(_("checked on"), default=timezone.localdate)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outcome check-up")
        verbose_name_plural = _("outcome check-ups")
        ordering = ["months"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "months"], name="outcome_one_per_checkup")
        ]

    def __str__(self) -> str:
        return f"{self.get_months_display()}: {self.get_at_work_display()}"


# The school years a trajectory can have run in: from the first OKOT to a good while on.
FIRST_SCHOOL_YEAR, LAST_SCHOOL_YEAR = 2000, 2100


def school_year_of(day: datetime.date) -> int:
    """The school year `day` falls in, by its first calendar year: 1 September to 31 August."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}\u2013{year + 1}"


class SchoolYear(models.Model):
    """How one school year of a trajectory went, as the counsellor recorded it: a
    multi-year programme is passed year by year."""

    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="school_years",
        verbose_name=_("referral"),
    )
    year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("Its first calendar year: 2025 for 2025–2026.")
    )
    result = models.CharField(_("result"), max_length=10, choices=SchoolYearResult.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "year"], name="school_year_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_SCHOOL_YEAR, year__lte=LAST_SCHOOL_YEAR),
                name="school_year_plausible",
                violation_error_message=_("Give a school year between 2000 and 2100."),
            ),
            models.CheckConstraint(
                condition=models.Q(result__in=SchoolYearResult.values),
                name="school_year_result_known",
                violation_error_message=_("Choose how the school year went."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_result_display()}"

    @property
    def label(self) -> str:
        return school_year_label(self.year)
