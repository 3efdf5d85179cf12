"""The steps of a referral as django-fsm transitions (`Referral` takes them on): which state
each goes from and to, who may take it (`access`), what must hold first (`guards`), and
the fields of this row each sets. Nothing else: a step's service (`services.steps`) checks
the rest, saves the row, writes its history line and tells whoever hears of it.

The transitions name their field as "state": django-fsm binds them to `Referral.state`
when the model is ready."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from .. import access
from ..enums import State
from ..textlimits import within_limit
from .guards import client_consented, intake_day_has_come, no_active_temporary_work_experience
from .interruptions import expected_end
from .obtained import checked_obtained
from .step_checks import check_step_data


class ReferralTransitions:
    """The writing half of `Referral`: one method per step, each setting only this row's
    fields (`ReferralReading` is the reading half)."""

    @transition(
        field="state", source=State.INFORMED, target=State.CANDIDATE, permission=access.may_apply
    )
    def apply(self, *, applied_on: datetime.date) -> None:
        check_step_data(self, "apply", applied_on=applied_on)
        self.applied_on = applied_on

    @transition(
        field="state",
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
        self.caseworker_phone = self._fitting(caseworker_phone, "caseworker_phone")
        self.caseworker_email = by.email
        self.handover_notes = self._fitting(handover_notes, "handover_notes")
        if handover:  # the handover took place already (`HandoverFields.set_handover`)
            self.set_handover(by=by, **handover)

    @transition(
        field="state",
        source=State.CANDIDATE,
        target=State.DECLINED,
        permission=access.may_decline,
    )
    def decline(self, *, reason: str) -> None:
        self.decline_reason = self._reason(reason, "decline_reason")

    @transition(
        field="state",
        source=State.AGREED,
        target=State.INTAKE_PLANNED,
        permission=access.may_plan_intake,
    )
    def plan_intake(self, *, by, intake_at: datetime.datetime, place: str) -> None:
        check_step_data(self, "plan_intake", intake_at=intake_at)
        self.intake_at = intake_at
        self.intake_place = self._fitting(place, "intake_place", key="place")
        if by.is_counsellor:  # an administrator planning it is responsible for nothing
            self.counsellor = by

    def _fitting(self, value: str, field: str, *, key: str | None = None) -> str:
        """The text for `field`, refused (on the form field `key`) when it is too long."""
        return within_limit(type(self), field, value, key=key)

    def _reason(self, reason: str, field: str) -> str:
        """The reason a step needs, stripped; refused on the form field "reason" when it is
        blank or too long for `field`."""
        if not reason or not reason.strip():
            raise ValidationError({"reason": _("Give a reason.")})
        return self._fitting(reason.strip(), field, key="reason")

    def _set_screening(self, screening: dict[str, str]) -> None:
        for key in ("motivation", "preconditions", "path_fit", "learning_ability"):
            field = f"screening_{key}"
            setattr(self, field, self._fitting(screening.get(key, ""), field, key=key))

    @transition(
        field="state",
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
        self.probable_location = self._fitting(probable_location, "probable_location")

    @transition(
        field="state",
        source=State.INTAKE_PLANNED,
        target=State.NOT_ADMITTED,
        conditions=[intake_day_has_come],
        permission=access.may_reject,
    )
    def reject(self, *, screening: dict[str, str], reason: str) -> None:
        self._set_screening(screening)
        self.reject_reason = self._reason(reason, "reject_reason")

    @transition(
        field="state",
        source=State.ADMITTED,
        target=State.IN_TRAINING,
        permission=access.may_start,
    )
    def start(self, *, start_date: datetime.date) -> None:
        check_step_data(self, "start", start_date=start_date)
        self.start_date = start_date
        self.expected_end_date = expected_end(start_date, self.training.duration_months)

    @transition(
        field="state",
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
        field="state",
        source=[State.ENDED, State.NOT_ADMITTED],
        target=State.CLOSED,
        permission=access.may_close,
    )
    def close(self, *, continued_by: str) -> None:
        self.continued_by = continued_by

    @transition(
        field="state",
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
        self.withdraw_reason = self._reason(reason, "withdraw_reason")
