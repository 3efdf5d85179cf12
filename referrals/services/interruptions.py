"""Interruptions of a training: recorded, ended when the trainee resumes, and corrected, by
either side (`access.may_record_interruption`), without ending the trajectory.

Each leaves a line in the referral's history (the other side hears of it through the
outbox) and moves the referral's expected end on by the days interrupted, so that the
end's reminder and overdue flag wait for them; while one runs, they pause altogether
(`querysets.overdue_condition`, `notifications.reminders`)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..changes import record_change, snapshot
from ..enums import (
    INTERRUPTION_CORRECTED,
    INTERRUPTION_CORRECTION_STATES,
    INTERRUPTION_ENDED,
    INTERRUPTION_RECORDED,
    INTERRUPTION_STATES,
    State,
)
from ..models import Interruption, Referral
from ..textlimits import within_limit
from .concurrency import InterruptionChanged
from .interruption_history import day, history
from .steps import TransitionRefused


@transaction.atomic
def interruption_record(
    *,
    referral: Referral,
    user,
    reason: str,
    from_date: datetime.date,
    to_date: datetime.date | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Interruption:
    """Record that the training is interrupted from `from_date` (until `to_date`, its last
    day, when it is over already)."""
    referral = _locked(referral)
    _may_act(referral, user, INTERRUPTION_STATES)
    note = within_limit(Interruption, "note", note.strip())
    _check_dates(referral, from_date, to_date)
    interruption = _saved(
        Interruption(
            referral=referral,
            reason=reason,
            from_date=from_date,
            to_date=to_date,
            note=note,
            recorded_by=user,
            recorded_at=at or timezone.now(),
        )
    )
    history(referral, interruption, INTERRUPTION_RECORDED, user=user, at=at, note=note)
    return interruption


@transaction.atomic
def interruption_end(
    *,
    interruption: Interruption,
    user,
    to_date: datetime.date,
    at: datetime.datetime | None = None,
) -> Interruption:
    """The trainee resumed: `to_date` was the interruption's last day."""
    referral = _locked(interruption.referral)
    _may_act(referral, user, INTERRUPTION_STATES)
    interruption = Interruption.objects.select_for_update().get(pk=interruption.pk)
    if not interruption.is_running:
        raise TransitionRefused([_("This interruption has already ended.")])
    _check_dates(referral, interruption.from_date, to_date, exclude=interruption)
    before = snapshot(interruption)
    interruption.to_date = to_date
    interruption.save(update_fields=["to_date"])
    history(referral, interruption, INTERRUPTION_ENDED, user=user, at=at, before=before)
    return interruption


@transaction.atomic
def interruption_correct(
    *,
    interruption: Interruption,
    user,
    reason: str,
    from_date: datetime.date,
    to_date: datetime.date | None,
    note: str = "",
    at: datetime.datetime | None = None,
    request=None,
    seen: str | None = None,
) -> Interruption:
    """Correct an interruption's reason, dates or note, during the training or after its
    end until the referral is closed. The history line and the audit trail keep what it
    replaces; the same answer again changes nothing (a form sent twice too). `seen`: its
    `version` when the form was opened; changed since (ended by the other side, corrected
    in another tab) and the form's values differ from it, nothing is saved
    (InterruptionChanged, a ValidationError), rather than those values put over that change
    unseen."""
    referral = _locked(interruption.referral)
    _may_act(referral, user, INTERRUPTION_CORRECTION_STATES)
    interruption = Interruption.objects.select_for_update().get(pk=interruption.pk)
    note = within_limit(Interruption, "note", note.strip())
    before = snapshot(interruption)
    changed = {
        name: value
        for name, value in {
            "reason": reason,
            "from_date": from_date,
            "to_date": to_date,
            "note": note,
        }.items()
        if getattr(interruption, name) != value
    }
    if not changed:
        return interruption
    if seen is not None and seen != interruption.version:
        raise InterruptionChanged(interruption, user=user)
    _check_dates(referral, from_date, to_date, exclude=interruption)
    for name, value in changed.items():
        setattr(interruption, name, value)
    _saved(interruption, update_fields=list(changed))
    history(
        referral,
        interruption,
        INTERRUPTION_CORRECTED,
        user=user,
        at=at,
        before=before,
        note=note if "note" in changed else "",
    )
    record_change(interruption, before, snapshot(interruption), user=user, request=request)
    return interruption


# --- the rules -------------------------------------------------------------------------------


def _locked(referral: Referral) -> Referral:
    """The referral, locked until the transaction ends: two interruptions recorded at once
    are checked against each other in turn. Only its row: a training is many referrals'."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("training", "client")
        .get(pk=referral.pk)
    )


def _may_act(referral: Referral, user, states) -> None:
    if referral.state not in states:
        if states == INTERRUPTION_STATES:
            message = _("An interruption is recorded while the training runs.")
        else:
            message = _(
                "Interruptions are corrected during the training and after its end, until the "
                "referral is closed."
            )
        raise TransitionRefused([message])
    if not access.may_record_interruption(referral, user):
        raise TransitionRefused([_("You may not record interruptions for this referral.")])


def _check_dates(
    referral: Referral,
    from_date: datetime.date,
    to_date: datetime.date | None,
    *,
    exclude: Interruption | None = None,
) -> None:
    """The dates lie within the training, in order, not in the future, and share no day
    with another interruption of the referral."""
    today = timezone.localdate()
    errors = {}
    if from_date > today:
        errors["from_date"] = _("This date lies in the future.")
    elif referral.start_date and from_date < referral.start_date:
        errors["from_date"] = _(
            "An interruption cannot begin before the start of the training (%(date)s)."
        ) % {"date": day(referral.start_date)}
    if to_date is not None and to_date > today:
        errors["to_date"] = _("This date lies in the future.")
    elif to_date is not None and to_date < from_date:
        errors["to_date"] = _("The last day cannot be before the first.")
    if referral.state == State.ENDED and referral.end_date:
        if to_date is None:
            errors["to_date"] = _("The training has ended: give the interruption's last day.")
        elif to_date > referral.end_date:
            errors["to_date"] = _(
                "The last day cannot be after the end of the training (%(date)s)."
            ) % {"date": day(referral.end_date)}
    if errors:
        raise ValidationError(errors)
    others = referral.interruptions.all()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.overlapping(from_date, to_date).order_by("from_date").first()
    if other is not None:
        raise ValidationError(
            _("This interruption overlaps with the one from %(from)s %(until)s.")
            % {
                "from": day(other.from_date),
                "until": (
                    _("until %(date)s") % {"date": day(other.to_date)}
                    if other.to_date
                    else _("that is still going on")
                ),
            }
        )


def _saved(interruption: Interruption, **kwargs) -> Interruption:
    """Save, and refuse a second running interruption that slipped past the checks."""
    try:
        with transaction.atomic():
            interruption.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError(
            _("The training is already interrupted; end that interruption first.")
        ) from exc
    return interruption
