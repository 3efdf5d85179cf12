"""What a referral says about itself, beside its fields and steps (`Referral` reads them):
who may take which step now and why not, where it stands, its milestones and its period
as a trajectory."""

import datetime
from typing import NamedTuple

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..enums import FINAL_STATES, POSITIVE_END_RESULTS, TRAJECTORY_STATES, State
from .followup import add_months

# The date that matters while a referral is in a state (shown in lists).
MILESTONE_FIELDS = {
    State.CANDIDATE: "applied_on",
    State.AGREED: "agreed_on",
    State.INTAKE_PLANNED: "intake_at",
    State.ADMITTED: "probable_start_date",
    State.IN_TRAINING: "start_date",
    State.ENDED: "end_date",
}


class Milestone(NamedTuple):
    """`ReferralReading.milestone`: a template reads `label` and `date` by name, at once,
    where `.0` and `.1` of a plain tuple went through a failed lookup each (a list page
    shows fifty)."""

    label: str | Promise  # the field's name, translated when shown
    date: datetime.date | datetime.datetime


# Why a step cannot be taken now (`ReferralReading.step_check`).
NOT_POSSIBLE = "not_possible"
FORBIDDEN = "forbidden"
BLOCKED = "blocked"


class ReferralReading:
    """The reading half of `Referral`: side-effect free, from the row and its transitions."""

    def step_refusals(self, user, name: str, *, permission=None) -> list[str]:
        """Why `user` may not take step `name` now; empty when they may. `permission`
        (a predicate of referral and user) replaces the transition's own, for a service
        that decides who may take the step itself."""
        return self.step_check(user, name, permission=permission)[1]

    def step_check(self, user, name: str, *, permission=None) -> tuple[str, list[str]]:
        """`step_refusals` with what kind of refusal it is: `not_possible` (the step does
        not leave this state), `forbidden` (not this user's step) or `blocked` (a condition
        is not met yet); ("", []) when they may."""
        from_here = (t for t in self.get_all_state_transitions() if t.source == self.state)
        transition = next((t for t in from_here if t.name == name), None)
        if transition is None:
            return NOT_POSSIBLE, [
                _("This step is not possible while the referral is “%(state)s”.")
                % {"state": self.get_state_display()}
            ]
        allowed = permission(self, user) if permission else transition.has_perm(self, user)
        if not allowed:
            return FORBIDDEN, [str(_("You may not take this step for this referral."))]
        unmet = self._unmet_guards(transition)
        return (BLOCKED if unmet else ""), unmet

    def available_steps(self, user) -> list[str]:
        """The steps this user may take now, in the order of the flow."""
        return [t.name for t in self.get_available_user_state_transitions(user)]

    def blocked_steps(self, user) -> dict[str, list[str]]:
        """Steps this user could take in this state but for an unmet guard, with reasons."""
        here = [t for t in self.get_all_state_transitions() if t.source == self.state]
        mine = [t for t in here if t.has_perm(self, user)]
        return {t.name: reasons for t in mine if (reasons := self._unmet_guards(t))}

    def _unmet_guards(self, transition) -> list[str]:
        return [str(check.explain(self)) for check in transition.conditions if not check(self)]

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES

    @property
    def milestone(self) -> Milestone | None:
        """The date that matters in the current state, with its label."""
        name = MILESTONE_FIELDS.get(self.state)
        value = getattr(self, name) if name else None
        if value is None:
            return None
        return Milestone(self._meta.get_field(name).verbose_name, value)

    @property
    def has_positive_end(self) -> bool:
        return self.end_result in POSITIVE_END_RESULTS

    def outcome_due_date(self, months: int) -> datetime.date | None:
        return add_months(self.end_date, months) if self.end_date else None

    def trajectory_period(
        self, today: datetime.date | None = None
    ) -> tuple[datetime.date, datetime.date | None] | None:
        """The days the client is in this OKOT trajectory while it is in progress
        (`TRAJECTORY_STATES`): from the formal agreement to the expected end of the training
        (its start, or probable start once admitted, plus the training's duration and the
        days interrupted; today at the earliest while it runs longer), open-ended before a
        start is known. None when no trajectory is in progress: before the agreement, and
        once the training ended or the referral stopped (what came after the end is not the
        trajectory's)."""
        if self.state not in TRAJECTORY_STATES or self.agreed_on is None:
            return None
        start = self.start_date or self.probable_start_date
        if start is None:
            return self.agreed_on, None
        # In training: the expected end, moved on by the days interrupted.
        end = self.expected_end_date or add_months(start, self.training.duration_months)
        if self.state == State.IN_TRAINING:
            end = max(end, today or timezone.localdate())
        return self.agreed_on, end

    def temporary_work_experience_conflict(self, experience) -> str:
        """Why `experience` (a temporary work experience of the client) cannot be recorded
        alongside this trajectory, and what the caseworker can do."""
        first, last = self.trajectory_period()
        values = {
            "experience": experience.period_text(),
            "training": self.training.title,
            "state": self.get_state_display(),
            "agreed_on": formats.date_format(first, "SHORT_DATE_FORMAT"),
            "end": last and formats.date_format(last, "SHORT_DATE_FORMAT"),
        }
        if last is None:
            period = _("from the formal agreement of %(agreed_on)s on") % values
        else:
            period = _("from the formal agreement of %(agreed_on)s to about %(end)s") % values
        if self.state == State.IN_TRAINING:
            remedy = _(
                "Ask the VDAB counsellor to record the end of the training first, or let the "
                "work experience start after it."
            )
        else:
            remedy = _(
                "Withdraw the referral first if the client takes up the work experience "
                "instead, or let the work experience start after the training."
            )
        return _(
            "The temporary work experience %(experience)s overlaps the OKOT trajectory "
            "“%(training)s” (%(state)s, %(period)s): an OKOT cannot run alongside a "
            "temporary work experience. %(remedy)s"
        ) % {**values, "period": period, "remedy": remedy}
