"""The way a referral goes, as its page shows it at the top: the flow's stages with where the
referral stands, what comes next and who has to act."""

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import State

# The stages of the flow when all goes well, and the state that reaches each.
STAGES = [
    (State.INFORMED, gettext_lazy("Informed")),
    (State.CANDIDATE, gettext_lazy("Candidate")),
    (State.AGREED, gettext_lazy("Formal agreement")),
    (State.INTAKE_PLANNED, gettext_lazy("Intake")),
    (State.ADMITTED, gettext_lazy("Admitted")),
    (State.IN_TRAINING, gettext_lazy("In training")),
    (State.ENDED, gettext_lazy("Training ended")),
    (State.CLOSED, gettext_lazy("Closed")),
]
# A state off the way: the stage where the referral stopped.
STOPPED_AT = {State.DECLINED: State.CANDIDATE, State.NOT_ADMITTED: State.INTAKE_PLANNED}
# What comes next in each open state: the step, whose it is, and what it is in words.
NEXT = {
    State.INFORMED: ("apply", "caseworker", gettext_lazy("registering the candidacy")),
    State.CANDIDATE: ("agree", "caseworker", gettext_lazy("the formal agreement (or not)")),
    State.AGREED: ("plan_intake", "counsellor", gettext_lazy("planning the intake")),
    State.INTAKE_PLANNED: ("admit", "counsellor", gettext_lazy("the screening (admit or not)")),
    State.ADMITTED: ("start", "counsellor", gettext_lazy("recording the start of the training")),
    State.IN_TRAINING: ("end", "counsellor", gettext_lazy("recording the end of the training")),
    State.ENDED: ("close", "either", gettext_lazy("closing the referral")),
    State.NOT_ADMITTED: ("close", "either", gettext_lazy("closing the referral")),
}


@dataclass(frozen=True)
class Stage:
    label: str
    status: str  # "done", "current", "stopped" or "to come"

    @property
    def status_text(self) -> str:
        return {
            "done": _("done"),
            "current": _("now"),
            "stopped": _("stopped here"),
            "to come": _("to come"),
        }[self.status]


def _left_from(timeline: list[dict], step: str) -> str | None:
    """The state the referral left by its last `step` (a transition's history line)."""
    lines = [item["event"] for item in timeline if item["event"].transition == step]
    return lines[-1].from_state if lines else None


def stepper(referral, user, available: list[str], timeline: list[dict]) -> dict:
    """`stages` and `next`, a sentence; `available` the steps `user` may take now."""
    state = referral.state
    codes = [code for code, _label in STAGES]
    if state == State.WITHDRAWN:  # stopped where it was withdrawn
        stopped = _left_from(timeline, "withdraw") or State.INFORMED
    elif state == State.CLOSED and _left_from(timeline, "close") == State.NOT_ADMITTED:
        stopped = STOPPED_AT[State.NOT_ADMITTED]  # closed after the screening said no
    else:
        stopped = STOPPED_AT.get(state)
    position = codes.index(stopped or state) if (stopped or state) in codes else 0
    stages = []
    for index, (_code, label) in enumerate(STAGES):
        if index < position:
            status = "done"
        elif index == position:
            status = "stopped" if stopped else ("done" if state == State.CLOSED else "current")
        else:
            status = "to come"
        stages.append(Stage(str(label), status))
    return {"stages": stages, "next": _next(referral, user, available)}


def _next(referral, user, available: list[str]) -> str:
    if referral.state == State.WITHDRAWN:
        return _("The referral was withdrawn: nothing comes next.")
    if referral.state in (State.DECLINED, State.CLOSED):
        return _("The referral is over: nothing comes next.")
    name, side, step = NEXT[referral.state]
    who = _whose(referral, user, available, side, name)
    if referral.state == State.INTAKE_PLANNED and referral.intake_at:
        day = timezone.localdate(referral.intake_at)
        if day > timezone.localdate():
            return _("Next: %(step)s after the intake on %(day)s, by %(who)s.") % {
                "step": step,
                "day": formats.date_format(day, "SHORT_DATE_FORMAT"),
                "who": who,
            }
    return _("Next: %(step)s, by %(who)s.") % {"step": step, "who": who}


def _whose(referral, user, available: list[str], side: str, name: str) -> str:
    if name in available:
        return _("you")
    if side == "caseworker":
        person = referral.caseworker
        fallback = _("a caseworker of %(ocmw)s") % {"ocmw": referral.client.ocmw}
    elif side == "counsellor":
        person = referral.counsellor or referral.training.contact_counsellor
        fallback = _("a VDAB counsellor of the training's region")
    else:
        return _("the OCMW or VDAB")
    if person is None:
        return fallback
    if person.pk == user.pk:  # theirs, though a rule holds the step back for now
        return _("you")
    return _name(person)


def _name(person) -> str:
    full = person.get_full_name() or person.get_username()
    if not person.organisation_id:
        return full
    return _("%(name)s (%(organisation)s)") % {"name": full, "organisation": person.organisation}
