import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models, router, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Province

from ..enums import OkotType, TrainingMode
from ..textlimits import NOTE, max_length_check
from .querysets import TrainingQuerySet
from .statements import objects_where

# Full-time day education, up to 40 hours a week (docs/DOMAIN.md); the messages say the
# numbers in words of their own.
MAX_HOURS_PER_WEEK = 40
# VDAB publishes its list of shortage occupations every year; a year outside these is a typo.
SHORTAGE_LIST_YEARS = (2000, 2100)


def okot_type_label(code: str) -> str:
    """The type's label in the active language, a code no longer offered as itself. Each
    language's labels are translated once per process, rather than twice per training, as
    a lazy label is each time it is used (a list of 500 trainings: 9 ms of labels)."""
    return _okot_type_labels(translation.get_language()).get(code, code)


@functools.cache
def _okot_type_labels(language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {kind.value: str(kind.label) for kind in OkotType}


@receiver(setting_changed, dispatch_uid="referrals.trainings.okot_type_labels")
def _translations_changed(*, setting, **kwargs) -> None:
    """Translated again after a change of the settings that Django translates again after
    (a test's `override_settings`)."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _okot_type_labels.cache_clear()


class Training(models.Model):
    """An OKOT programme from VDAB's training guide (opleidingengids)."""

    title = models.CharField(_("title"), max_length=200)
    okot_type = models.CharField(_("OKOT type"), max_length=5, choices=OkotType.choices)
    institution = models.CharField(_("school or institution"), max_length=200)
    location = models.CharField(_("location"), max_length=100)
    province = models.CharField(
        _("VDAB region"), max_length=20, choices=Province.choices, db_index=True
    )
    contact_counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings",
        limit_choices_to={"organisation__kind": "vdab"},
    )
    mode = models.CharField(
        _("mode"), max_length=10, choices=TrainingMode.choices, default=TrainingMode.SCHOOL
    )
    shortage_occupation = models.CharField(
        _("shortage occupation"),
        max_length=200,
        blank=True,
        help_text=_("The shortage occupation (knelpuntberoep) the training leads to."),
    )
    shortage_list_year = models.PositiveSmallIntegerField(
        _("year of the shortage list"),
        null=True,
        blank=True,
        help_text=_("The year of VDAB's list of shortage occupations that names it."),
    )
    # Text, not a choice list: secondary education now has study domains, higher education
    # and HBO5 still have study areas (studiegebieden); no one list covers every OKOT type.
    field_of_study = models.CharField(
        _("field of study"), max_length=100, blank=True, db_index=True
    )
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"))
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"),
        null=True,
        blank=True,
        help_text=_("Full-time day education: at most 40 hours a week."),
    )
    description = models.TextField(_("description"), max_length=NOTE, blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "An active training is offered until its last start moment has passed "
            "(or always, when it has no start moments)."
        ),
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["title", "location"]
        constraints = [
            max_length_check("training", "description", NOTE),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True)
                | Q(hours_per_week__gte=1, hours_per_week__lte=MAX_HOURS_PER_WEEK),
                name="training_hours_per_week_at_most_40",
                violation_error_message=_("Give between 1 and 40 hours a week."),
            ),
            models.CheckConstraint(
                condition=Q(shortage_list_year__isnull=True)
                | Q(
                    shortage_list_year__gte=SHORTAGE_LIST_YEARS[0],
                    shortage_list_year__lte=SHORTAGE_LIST_YEARS[1],
                ),
                name="training_shortage_list_year_plausible",
                violation_error_message=_("Give a year between 2000 and 2100."),
            ),
            models.CheckConstraint(
                condition=Q(shortage_list_year__isnull=True) | ~Q(shortage_occupation=""),
                name="training_shortage_list_year_with_occupation",
                violation_error_message=_(
                    "A year of the shortage list needs the shortage occupation it names."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.choice_label(self.title, self.okot_type, self.location)

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            super().save(*args, **kwargs)
            if update_fields is None or "province" in update_fields:
                # Its referrals keep the region this row now has (Referral.region).
                self.referrals.exclude(region=self.province).update(region=self.province)

    # A choice of training lists all 500 trainings of Flanders: it reads these columns and
    # labels each row as __str__ does, rather than making 500 models
    # (`referrals.formfields.RowChoices`: 1 ms against 10).
    choice_columns = ("title", "okot_type", "location")

    @staticmethod
    def choice_label(title: str, okot_type: str, location: str) -> str:
        return f"{title} ({okot_type_label(okot_type)}, {location})"


class StartMoment(models.Model):
    """A date on which a training starts, where, and how many places it has then.

    A training is offered until its last start moment (`TrainingQuerySet.offered`)."""

    training = models.ForeignKey(
        Training,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="start_moments",
    )
    starts_on = models.DateField(_("starts on"))
    location = models.CharField(
        _("location"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty when it is the training's own location."),
    )
    places_available = models.PositiveSmallIntegerField(
        _("places available"), null=True, blank=True, help_text=_("Leave empty when unknown.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("start moment")
        verbose_name_plural = _("start moments")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "starts_on", "location"],
                name="startmoment_one_per_training_day_and_place",
                violation_error_message=_(
                    "This training already has a start moment on this day at this place."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training.title}: {self.starts_on:%Y-%m-%d}"

    @property
    def place(self) -> str:
        return self.location or self.training.location


class InfoSession(models.Model):
    """An information session about a training: when, and where or online."""

    training = models.ForeignKey(
        Training,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="info_sessions",
    )
    starts_at = models.DateTimeField(_("date and time"))
    online = models.BooleanField(_("online"), default=False)
    location = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("The address; empty when online.")
    )
    registration_url = models.URLField(_("registration link"), blank=True)

    class Meta:
        verbose_name = _("info session")
        verbose_name_plural = _("info sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(location=""),
                name="infosession_online_or_at_a_place",
                violation_error_message=_("Give the place of the info session, or tick online."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training.title}: {self.starts_at:%Y-%m-%d %H:%M}"


class EntryCondition(models.Model):
    """One line of the entry-conditions checklist the caseworker ticks at `agree`.

    Kept as data because VDAB changes the conditions; an empty `okot_types` means
    the condition applies to every type."""

    text = models.CharField(_("condition"), max_length=300)
    okot_types = models.CharField(
        _("applies to OKOT types"),
        max_length=60,
        blank=True,
        help_text=_("Comma-separated type codes (7BSO, PBA, SENSE, TKO, HBO); empty is all."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("entry condition")
        verbose_name_plural = _("entry conditions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @classmethod
    def applicable_to(cls, okot_type: str) -> list["EntryCondition"]:
        """The active conditions the caseworker checks for a training of this type, in
        their order: read at every formal agreement, by a fixed statement (`statements`)."""
        alias = router.db_for_read(cls)
        active = objects_where(cls, alias, ("active",), tuple(cls._meta.ordering), [True])
        return [c for c in active if c.applies_to(okot_type)]

    def applies_to(self, okot_type: str) -> bool:
        codes = {code.strip() for code in self.okot_types.split(",") if code.strip()}
        return not codes or okot_type in codes
