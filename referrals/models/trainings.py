from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Province

from ..enums import OkotType
from ..textlimits import NOTE, max_length_check
from .querysets import TrainingQuerySet


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
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"))
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=NOTE, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["title", "location"]
        constraints = [max_length_check("training", "description", NOTE)]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_okot_type_display()}, {self.location})"


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
        """The active conditions the caseworker checks for a training of this type."""
        return [c for c in cls.objects.filter(active=True) if c.applies_to(okot_type)]

    def applies_to(self, okot_type: str) -> bool:
        codes = {code.strip() for code in self.okot_types.split(",") if code.strip()}
        return not codes or okot_type in codes
