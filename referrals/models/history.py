"""The append-only history of a referral."""

from collections.abc import Iterable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import State
from ..textlimits import REASON, max_length_check
from .choices import ChoiceLabels


class HistoryQuerySet(models.QuerySet):
    """Refuses bulk changes: history is only ever appended."""

    def update(self, **kwargs):
        raise ValueError("History lines are append-only.")

    def delete(self):
        raise ValueError("History lines are append-only.")

    def scrub(self, fields: Iterable[str]) -> int:
        """Drop `fields` (the referral's free texts) from these lines' data, and their
        reason: the one change history allows, when the retention pseudonymises the client
        (`services.retention`). How many lines changed."""
        fields = set(fields)
        scrubbed = []
        for event in self.only("pk", "data", "reason"):
            data = {name: value for name, value in event.data.items() if name not in fields}
            if data != event.data or event.reason:
                event.data, event.reason = data, ""
                scrubbed.append(event)
        # Django's own QuerySet: this one refuses the update bulk_update makes.
        models.QuerySet(self.model).bulk_update(scrubbed, ["data", "reason"], batch_size=500)
        return len(scrubbed)


class ReferralEvent(ChoiceLabels, models.Model):
    """One append-only line of a referral's history: a transition or an import."""

    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,  # a referral with history is never deleted
        related_name="events",
        verbose_name=_("referral"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    transition = models.CharField(_("step"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    reason = models.TextField(_("reason"), max_length=REASON, blank=True)
    data = models.JSONField(
        _("data of the step"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("history line")
        verbose_name_plural = _("history")
        ordering = ["at", "pk"]
        constraints = [max_length_check("referral_event", "reason", REASON)]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("History lines are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("History lines are append-only.")
