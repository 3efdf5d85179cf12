import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Province

from .. import access
from ..enums import (
    FINAL_STATES,
    ContinuedBy,
    EndResult,
    Obtained,
    State,
    StopReason,
)
from ..textlimits import NOTE, REASON, SCREENING, max_length_check, within_limit
from .choices import ChoiceLabels
from .followup import RecordedCheckups
from .guards import client_consented, intake_day_has_come, no_active_temporary_work_experience
from .handover import HandoverFields, handover_constraints
from .indexes import referral_indexes
from .interruptions import expected_end
from .obtained import checked_obtained, obtained_constraints
from .querysets import ReferralQuerySet
from .reading import ReferralReading
from .rules import referral_rules
from .step_checks import check_step_data


class Referral(
    ConcurrentTransitionMixin,
    ChoiceLabels,
    HandoverFields,
    RecordedCheckups,
    ReferralReading,
    models.Model,
):
    """One client towards one OKOT training, from information to the end result."""

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

    # --- the transitions: bodies only set this row's fields ---------------------------

    @transition(
        field=state, source=State.INFORMED, target=State.CANDIDATE, permission=access.may_apply
    )
    def apply(self, *, applied_on: datetime.date) -> None:
        check_step_data(self, "apply", applied_on=applied_on)
        self.applied_on = applied_on

    @transition(
        field=state,
        source=State.CANDIDATE,
        target=State.AGREED,
        conditions=[client_consented, no_active_temporary_work_experience],
        permission=access.may_agree,
    )
    def agree(
        self,
        *,
        by,
        agreed_on: datetime.date,
        caseworker_phone: str,
        handover_notes: str = "",
        handover: dict | None = None,
    ) -> None:
        check_step_data(self, "agree", agreed_on=agreed_on)
        self.entry_conditions_checked_on = agreed_on
        self.agreed_on = agreed_on
        if by.is_caseworker:  # an administrator agreeing is responsible for nothing
            self.caseworker = by
        self.caseworker_phone = _fitting(caseworker_phone, "caseworker_phone")
        self.caseworker_email = by.email
        self.handover_notes = _fitting(handover_notes, "handover_notes")
        if handover:  # the handover took place already (`HandoverFields.set_handover`)
            self.set_handover(by=by, **handover)

    @transition(
        field=state,
        source=State.CANDIDATE,
        target=State.DECLINED,
        permission=access.may_decline,
    )
    def decline(self, *, reason: str) -> None:
        self.decline_reason = _fitting(_required_reason(reason), "decline_reason", key="reason")

    @transition(
        field=state,
        source=State.AGREED,
        target=State.INTAKE_PLANNED,
        permission=access.may_plan_intake,
    )
    def plan_intake(self, *, by, intake_at: datetime.datetime, place: str) -> None:
        check_step_data(self, "plan_intake", intake_at=intake_at)
        self.intake_at = intake_at
        self.intake_place = _fitting(place, "intake_place", key="place")
        if by.is_counsellor:  # an administrator planning it is responsible for nothing
            self.counsellor = by

    def _set_screening(self, screening: dict[str, str]) -> None:
        for key in ("motivation", "preconditions", "path_fit", "learning_ability"):
            field = f"screening_{key}"
            setattr(self, field, _fitting(screening.get(key, ""), field, key=key))

    @transition(
        field=state,
        source=State.INTAKE_PLANNED,
        target=State.ADMITTED,
        conditions=[intake_day_has_come],
        permission=access.may_admit,
    )
    def admit(
        self,
        *,
        screening: dict[str, str],
        probable_start_date: datetime.date,
        probable_location: str,
    ) -> None:
        check_step_data(self, "admit", probable_start_date=probable_start_date)
        self._set_screening(screening)
        self.probable_start_date = probable_start_date
        self.probable_location = _fitting(probable_location, "probable_location")

    @transition(
        field=state,
        source=State.INTAKE_PLANNED,
        target=State.NOT_ADMITTED,
        conditions=[intake_day_has_come],
        permission=access.may_reject,
    )
    def reject(self, *, screening: dict[str, str], reason: str) -> None:
        self._set_screening(screening)
        self.reject_reason = _fitting(_required_reason(reason), "reject_reason", key="reason")

    @transition(
        field=state,
        source=State.ADMITTED,
        target=State.IN_TRAINING,
        permission=access.may_start,
    )
    def start(self, *, start_date: datetime.date) -> None:
        check_step_data(self, "start", start_date=start_date)
        self.start_date = start_date
        self.expected_end_date = expected_end(start_date, self.training.duration_months)

    @transition(
        field=state,
        source=State.IN_TRAINING,
        target=State.ENDED,
        permission=access.may_end,
    )
    def end(
        self,
        *,
        end_date: datetime.date,
        result: str,
        stop_reason: str = "",
        obtained: str = "",
        obtained_on: datetime.date | None = None,
    ) -> None:
        """`obtained` left empty: the diploma on the end date when passed, else nothing."""
        check_step_data(
            self,
            "end",
            end_date=end_date,
            result=result,
            stop_reason=stop_reason,
            obtained=obtained,
            obtained_on=obtained_on,
        )
        self.obtained, self.obtained_on = checked_obtained(
            result=result,
            end_date=end_date,
            obtained=obtained,
            obtained_on=obtained_on,
            start_date=self.start_date,
        )
        self.end_date = end_date
        self.end_result = result
        self.stop_reason = stop_reason

    @transition(
        field=state,
        source=[State.ENDED, State.NOT_ADMITTED],
        target=State.CLOSED,
        permission=access.may_close,
    )
    def close(self, *, continued_by: str) -> None:
        self.continued_by = continued_by

    @transition(
        field=state,
        source=[
            State.INFORMED,
            State.CANDIDATE,
            State.AGREED,
            State.INTAKE_PLANNED,
            State.ADMITTED,
        ],
        target=State.WITHDRAWN,
        permission=access.may_withdraw,
    )
    def withdraw(self, *, reason: str) -> None:
        self.withdraw_reason = _fitting(_required_reason(reason), "withdraw_reason", key="reason")


def _fitting(value: str, field: str, *, key: str | None = None) -> str:
    """The text for `field`, refused (on the form field `key`) when it is too long for it."""
    return within_limit(Referral, field, value, key=key)


def _required_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    return reason.strip()
