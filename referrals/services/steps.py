"""Creating a referral and taking its steps: the transition machinery and one function per
step."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from ..models import EntryCondition, Referral, ReferralEvent
from ..models.statements import link
from ..signals import referral_event
from .concurrency import changes_since, unknown_change
from .interruption_history import check_end_date, close_at_end
from .locks import client_locked, lock_referral


class TransitionRefused(Exception):
    """The step cannot be taken now; `messages` say why, in the user's language."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages


class ConcurrentChange(TransitionRefused):
    """The referral moved on since `user` loaded it in `seen_state`. `messages` say who
    moved it, when and how (the user themselves in another tab or window, or someone
    else), read from its history (one query) when first asked for: after a save refused by
    django-fsm the step's transaction takes no query until it is rolled back."""

    def __init__(
        self,
        referral: Referral | None = None,
        *,
        seen_state: str = "",
        user=None,
        step: str | None = None,
    ):
        # Not TransitionRefused's: it would set the messages this class reads later.
        Exception.__init__(self, "The referral changed since it was loaded.")
        self._since = (referral, seen_state, user, step)
        self._messages: list[str] | None = None

    @property
    def messages(self) -> list[str]:
        if self._messages is None:
            referral, seen_state, user, step = self._since
            self._messages = (
                [unknown_change()]
                if referral is None
                else changes_since(referral, seen_state=seen_state, user=user, step=step)
            )
        return self._messages


def _snapshot(referral: Referral) -> dict[str, Any]:
    return {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}


def _transition(
    referral: Referral,
    *,
    user,
    name: str,
    at: datetime.datetime | None = None,
    extra_data: dict | None = None,
    permission=None,
    **kwargs,
) -> ReferralEvent:
    """Take step `name` as `user`; `permission` is who may, where a service answers that
    in place of the transition's own `permission=` (`access.may_apply_by_candidacy`)."""
    refusals = referral.step_refusals(user, name, permission=permission)
    if refusals:
        raise TransitionRefused(refusals)
    before = _snapshot(referral)
    getattr(referral, name)(**kwargs)
    referral.state_changed_at = at or timezone.now()
    after = _snapshot(referral)
    changed = [field for field, value in after.items() if before[field] != value]
    try:
        referral.save(update_fields=[*changed, "updated_at"])
    except ConcurrentTransition as exc:
        raise ConcurrentChange(referral, seen_state=before["state"], user=user, step=name) from exc
    _responsible_as_user(referral, user)
    data = {
        field: after[field]
        for field in changed
        # Who took the step, and when, the line says itself.
        if field
        not in {
            "state",
            "state_changed_at",
            "caseworker_id",
            "counsellor_id",
            "handover_recorded_by_id",
            "handover_recorded_at",
        }
    }
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=referral.state_changed_at,
        transition=name,
        from_state=before["state"],
        to_state=referral.state,
        # As the step kept it (stripped and within its limit), not as it was typed.
        reason=kwargs.get("reason", "").strip(),
        data={**data, **(extra_data or {})},
    )
    referral_event.send(sender=Referral, event=event)
    return event


def _responsible_as_user(referral: Referral, user) -> None:
    """Who took the step and is responsible for the referral on their side is the user
    object at hand, whose permissions the step read already: the messages that ask who may
    see what of it read them from there, not again from a second copy of the same person
    (the referral page's `select_related`)."""
    pk = getattr(user, "pk", None)
    for side in ("caseworker", "counsellor"):
        if pk is not None and getattr(referral, f"{side}_id") == pk:
            setattr(referral, side, user)


# --- one function per step ---------------------------------------------------------------


@transaction.atomic
def referral_apply(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    applied_on: datetime.date | None = None,
) -> ReferralEvent:
    """`applied_on`: the day the client applied, when it was before it is recorded here
    (the formal agreement cannot come before it); default the day of `at`, or today."""
    return _transition(
        referral, user=user, name="apply", at=at, applied_on=applied_on or _applied_on(at)
    )


def _applied_on(at: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(at) if at else timezone.localdate()


@transaction.atomic
def referral_agree(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    agreed_on: datetime.date,
    checked_conditions: list[EntryCondition],
    caseworker_phone: str,
    handover_notes: str = "",
    handover_how: str = "",
    handover_at: datetime.datetime | None = None,
    handover_counsellor=None,
    handover_counsellor_name: str = "",
) -> ReferralEvent:
    """Formally agree; the warm handover with it when it took place already (`handover_at`
    given; otherwise it is recorded later, `referral_record_handover`)."""
    with client_locked(referral):
        refusals = referral.step_refusals(user, "agree")
        if refusals:
            raise TransitionRefused(refusals)
        required = {c.pk: c for c in EntryCondition.applicable_to(referral.training.okot_type)}
        checked_conditions = [c for c in checked_conditions if c.pk in required]
        missing = [required[pk] for pk in required.keys() - {c.pk for c in checked_conditions}]
        if missing:
            raise ValidationError(
                {
                    "checked_conditions": _("Check every entry condition first: %(list)s")
                    % {"list": "; ".join(str(c) for c in missing)}
                }
            )
        event = _transition(
            referral,
            user=user,
            name="agree",
            at=at,
            extra_data={
                "checked_conditions": sorted(c.pk for c in checked_conditions),
                **(
                    {"handover_with": str(handover_counsellor or handover_counsellor_name)}
                    if handover_at
                    else {}
                ),
            },
            by=user,
            agreed_on=agreed_on,
            caseworker_phone=caseworker_phone,
            handover_notes=handover_notes,
            handover=(
                {
                    "how": handover_how,
                    "at": handover_at,
                    "counsellor": handover_counsellor,
                    "counsellor_name": handover_counsellor_name,
                    "recorded_at": at or timezone.now(),
                }
                if handover_at
                else None
            ),
        )
    # Only this step records them, once (a referral is a candidate only before it):
    # adding them sets them, without reading them first, in one fixed statement.
    link(Referral._meta.get_field("checked_conditions"), referral, checked_conditions)
    return event


@transaction.atomic
def referral_decline(
    *, referral: Referral, user, at: datetime.datetime | None = None, reason: str
) -> ReferralEvent:
    return _transition(referral, user=user, name="decline", at=at, reason=reason)


@transaction.atomic
def referral_plan_intake(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    intake_at: datetime.datetime,
    place: str,
) -> ReferralEvent:
    return _transition(
        referral,
        user=user,
        name="plan_intake",
        at=at,
        by=user,
        intake_at=intake_at,
        place=place,
    )


@transaction.atomic
def referral_admit(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    screening: dict[str, str],
    probable_start_date: datetime.date,
    probable_location: str,
) -> ReferralEvent:
    return _transition(
        referral,
        user=user,
        name="admit",
        at=at,
        screening=screening,
        probable_start_date=probable_start_date,
        probable_location=probable_location,
    )


@transaction.atomic
def referral_reject(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    screening: dict[str, str],
    reason: str,
) -> ReferralEvent:
    return _transition(
        referral, user=user, name="reject", at=at, reason=reason, screening=screening
    )


@transaction.atomic
def referral_start(
    *, referral: Referral, user, at: datetime.datetime | None = None, start_date: datetime.date
) -> ReferralEvent:
    with client_locked(referral):
        return _transition(referral, user=user, name="start", at=at, start_date=start_date)


@transaction.atomic
def referral_end(
    *,
    referral: Referral,
    user,
    at: datetime.datetime | None = None,
    end_date: datetime.date,
    result: str,
    stop_reason: str = "",
    obtained: str = "",
    obtained_on: datetime.date | None = None,
) -> ReferralEvent:
    """End the training with its result and what it obtained (`models.obtained`: left
    empty, the diploma on the end date when passed, nothing otherwise); an interruption
    still running ends with it, on the end date."""
    refusals = referral.step_refusals(user, "end")
    if refusals:  # before the dates: who may not end it learns nothing of them
        raise TransitionRefused(refusals)
    # The referral locked, then its interruptions, in the order the interruption services
    # lock them: none is recorded or corrected meanwhile, and the running one ends with it.
    lock_referral(referral.pk)
    running = check_end_date(referral, end_date)
    event = _transition(
        referral,
        user=user,
        name="end",
        at=at,
        end_date=end_date,
        result=result,
        stop_reason=stop_reason,
        obtained=obtained,
        obtained_on=obtained_on,
    )
    close_at_end(referral, running, user=user, at=at)
    return event


@transaction.atomic
def referral_close(
    *, referral: Referral, user, at: datetime.datetime | None = None, continued_by: str
) -> ReferralEvent:
    return _transition(referral, user=user, name="close", at=at, continued_by=continued_by)


@transaction.atomic
def referral_withdraw(
    *, referral: Referral, user, at: datetime.datetime | None = None, reason: str
) -> ReferralEvent:
    return _transition(referral, user=user, name="withdraw", at=at, reason=reason)
