from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from accounts.models import Province

from ..enums import FINAL_STATES, ContinuedBy, EndResult, Obtained, State, StopReason
from ..textlimits import NOTE, REASON, SCREENING, max_length_check
from .choices import ChoiceLabels
from .followup import RecordedCheckups
from .handover import HandoverFields, handover_constraints
from .indexes import referral_indexes
from .obtained import obtained_constraints
from .querysets import ReferralQuerySet
from .reading import ReferralReading
from .rules import referral_rules
from .transitions import ReferralTransitions


class Referral(
    ConcurrentTransitionMixin,
    ChoiceLabels,
    HandoverFields,
    RecordedCheckups,
    ReferralReading,
    ReferralTransitions,
    models.Model,
):
    """One client towards one OKOT training, from information to the end result: its
    fields here, its steps in `ReferralTransitions`, what it says of itself in
    `ReferralReading`."""

    client = models.ForeignKey(
        "referrals.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # The client's OCMW, kept here too (set on save, moved along by `Client.save`), so
    # that an OCMW's lists, counts and scope read this table alone, through its indexes.
    ocmw = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OCMW"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        # The OCMW's indexes (`indexes.py`) start with it: no index of its own to keep up
        # to date.
        db_index=False,
    )
    training = models.ForeignKey(
        "referrals.Training",
        verbose_name=_("training"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # The training's VDAB region, kept here too as `ocmw` is (moved along by
    # `Training.save`): VDAB's scope and counts read this table alone.
    region = models.CharField(
        _("VDAB region"), max_length=20, choices=Province.choices, editable=False
    )
    state = FSMField(_("state"), default=State.INFORMED, choices=State.choices, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)

    # apply
    applied_on = models.DateField(_("candidacy date"), null=True, blank=True)

    # agree / decline
    entry_conditions_checked_on = models.DateField(
        _("entry conditions checked on"), null=True, blank=True
    )
    checked_conditions = models.ManyToManyField(
        "referrals.EntryCondition", verbose_name=_("checked entry conditions"), blank=True
    )
    agreed_on = models.DateField(_("formal agreement date"), null=True, blank=True)
    # The people responsible on each side: the caseworker who agreed, the counsellor who
    # planned the intake; a colleague of the same organisation can take over
    # (`services.referral_set_responsible`).
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible caseworker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # `referral_caseworker_state` starts with it: no index of its own to keep up to date.
        db_index=False,
    )
    caseworker_phone = models.CharField(_("caseworker phone"), max_length=30, blank=True)
    caseworker_email = models.EmailField(_("caseworker e-mail"), blank=True)
    handover_notes = models.TextField(
        _("warm handover notes"),
        max_length=NOTE,
        blank=True,
        help_text=_("What matters for the client's path to work."),
    )
    # The warm handover itself (how, when, with whom): `HandoverFields`.
    decline_reason = models.TextField(_("reason for declining"), max_length=REASON, blank=True)

    # plan_intake
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # `referral_counsellor_state_end` starts with it: no index of its own either.
        db_index=False,
    )
    intake_at = models.DateTimeField(_("intake date and time"), null=True, blank=True)
    intake_place = models.CharField(_("intake place"), max_length=200, blank=True)

    # admit / reject: the screening
    screening_motivation = models.TextField(_("motivation"), max_length=SCREENING, blank=True)
    screening_preconditions = models.TextField(
        _("preconditions (financial, mobility, childcare)"), max_length=SCREENING, blank=True
    )
    screening_path_fit = models.TextField(
        _("fit with the path to work"), max_length=SCREENING, blank=True
    )
    screening_learning_ability = models.TextField(
        _("learning ability"), max_length=SCREENING, blank=True
    )
    reject_reason = models.TextField(_("reason for not admitting"), max_length=REASON, blank=True)
    probable_start_date = models.DateField(_("probable start date"), null=True, blank=True)
    probable_location = models.CharField(_("probable start location"), max_length=200, blank=True)

    # start / end / close / withdraw
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # The start plus the training's duration, moved on by every day interrupted
    # (`services.interruptions`): past it, the end is overdue (`overdue_condition`).
    expected_end_date = models.DateField(_("expected end"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_result = models.CharField(
        _("end result"), max_length=20, choices=EndResult.choices, blank=True
    )
    stop_reason = models.CharField(
        _("stop reason"), max_length=30, choices=StopReason.choices, blank=True
    )
    obtained = models.CharField(_("obtained"), max_length=10, choices=Obtained.choices, blank=True)
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)
    continued_by = models.CharField(
        _("guidance to work continued by"),
        max_length=10,
        choices=ContinuedBy.choices,
        blank=True,
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), max_length=REASON, blank=True)
    # Pinned by the retention when the client's birth date goes: the figures' age band.
    age_at_start = models.PositiveSmallIntegerField(
        _("age at the start"), null=True, blank=True, editable=False
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-state_changed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "training"],
                condition=~Q(state__in=list(FINAL_STATES)),
                name="referral_one_open_per_client_and_training",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="referral_unique_external_id",
            ),
            *(
                max_length_check("referral", field, limit)
                for field, limit in [
                    ("handover_notes", NOTE),
                    ("decline_reason", REASON),
                    ("screening_motivation", SCREENING),
                    ("screening_preconditions", SCREENING),
                    ("screening_path_fit", SCREENING),
                    ("screening_learning_ability", SCREENING),
                    ("reject_reason", REASON),
                    ("withdraw_reason", REASON),
                ]
            ),
            *handover_constraints("referral"),
            *obtained_constraints(),
            *referral_rules(),
        ]
        indexes = referral_indexes()

    def __str__(self) -> str:
        return f"{self.client} → {self.training.title}"

    def save(self, *args, **kwargs) -> None:
        if self.ocmw_id is None and self.client_id is not None:
            self.ocmw_id = self.client.ocmw_id
        if not self.region and self.training_id is not None:
            self.region = self.training.province
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("referrals:referral_detail", args=[self.pk])

    @property
    def state_fields(self) -> tuple:
        """The fields whose value `ConcurrentTransitionMixin` keeps as loaded, to save a
        step only onto the state it was taken from: `state`. The mixin looks for them
        among all fifty fields each time a referral is made, which took a third of making
        one (a list page makes fifty)."""
        return (self._meta.get_field("state"),)
