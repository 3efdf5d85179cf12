"""The steps a user can take on a referral: label, form and service, by transition name.

Views and admin both dispatch through this table, so every step goes through its
service function and writes history."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import services, step_forms


@dataclass(frozen=True)
class Step:
    name: str
    label: Promise
    form: type[step_forms.StepForm]
    service: Callable
    style: str = "primary"

    def run(self, *, referral, user, form: step_forms.StepForm):
        """Take the step with a valid form; refuse when the referral moved on since the
        user loaded the page."""
        seen_state = form.cleaned_data.get("state")
        if seen_state != referral.state:
            raise services.ConcurrentChange(
                referral, seen_state=seen_state, user=user, step=self.name
            )
        return self.service(referral=referral, user=user, **form.service_kwargs())


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step("apply", _("Register candidacy"), step_forms.ApplyForm, services.referral_apply),
        Step("agree", _("Formally agree"), step_forms.AgreeForm, services.referral_agree),
        Step("decline", _("Decline"), step_forms.DeclineForm, services.referral_decline, "danger"),
        Step(
            "plan_intake",
            _("Plan intake"),
            step_forms.PlanIntakeForm,
            services.referral_plan_intake,
        ),
        Step("admit", _("Admit"), step_forms.AdmitForm, services.referral_admit),
        Step(
            "reject", _("Do not admit"), step_forms.RejectForm, services.referral_reject, "danger"
        ),
        Step("start", _("Training started"), step_forms.StartForm, services.referral_start),
        Step("end", _("Training ended"), step_forms.EndForm, services.referral_end),
        Step("close", _("Close"), step_forms.CloseForm, services.referral_close),
        Step(
            "withdraw",
            _("Withdraw"),
            step_forms.WithdrawForm,
            services.referral_withdraw,
            "outline-danger",
        ),
    ]
}


def steps_for(referral, user) -> tuple[list[Step], list[tuple[Step, list[str]]]]:
    """The steps `user` may take on `referral` now, in the order of the flow, and those an
    unmet condition blocks, with the reasons (the admin's change page and the API)."""
    available = [STEPS[name] for name in referral.available_steps(user) if name in STEPS]
    blocked = [
        (STEPS[name], reasons)
        for name, reasons in referral.blocked_steps(user).items()
        if name in STEPS
    ]
    return available, blocked
