"""Every action on a referral is one function here; nothing else changes a state.

Each is keyword-only and atomic: it checks the step, runs the model's transition, saves
the changed fields, appends a history line and announces the event."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from stdnum.be import ssn

from . import access
from .enums import GUIDANCE_NOTE_STATES, CandidacyOutcome
from .models import (
    Candidacy,
    Client,
    EntryCondition,
    GuidanceNote,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    Training,
)
from .models.clients import validate_insz
from .signals import guidance_note_added, referral_event
from .textlimits import within_limit


class TransitionRefused(Exception):
    """The step cannot be taken now; `messages` say why, in the user's language."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = messages


class ConcurrentChange(TransitionRefused):
    def __init__(self):
        super().__init__(
            [
                _(
                    "Someone else changed this referral just now. "
                    "Look at its new state and try again if still needed."
                )
            ]
        )


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
        raise ConcurrentChange() from exc
    data = {
        field: after[field]
        for field in changed
        if field not in {"state", "state_changed_at", "caseworker_id"}
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


# --- creating --------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    user,
    client: Client,
    training: Training,
    apply: bool = False,
    at: datetime.datetime | None = None,
    external_id: str = "",
) -> Referral:
    """Register a referral (state `informed`), optionally applying straight away.

    Every step function takes `at`, when the step happened (default: now); only imports
    and demo data pass it, so that history carries the real dates."""
    if not access.may_register_referral(client, training, user):
        raise TransitionRefused([_("You may not register a referral for this client.")])
    referral = _register(
        user=user, client=client, training=training, at=at, external_id=external_id
    )
    if apply:
        referral_apply(referral=referral, user=user, at=at)
    return referral


def _register(
    *, user, client: Client, training: Training, at: datetime.datetime | None, external_id: str
) -> Referral:
    """The new referral and its first history line, for whoever the caller allowed."""
    within_limit(Referral, "external_id", external_id)
    if Referral.objects.open().filter(client=client, training=training).exists():
        raise ValidationError(
            _("This client already has an open referral for this training."),
            code="duplicate_open_referral",
        )
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                client=client,
                training=training,
                created_by=user,
                created_at=at or timezone.now(),
                state_changed_at=at or timezone.now(),
                external_id=external_id,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This client already has an open referral for this training."),
            code="duplicate_open_referral",
        ) from exc
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=referral.created_at,
        transition="create",
        from_state="",
        to_state=referral.state,
        data={"training_id": training.pk},
    )
    referral_event.send(sender=Referral, event=event)
    return referral


def candidacy_limit_reached(user, *, now: datetime.datetime | None = None) -> bool:
    """Whether `user` looked up as many national numbers as allowed in the window
    (OKOT_CANDIDACY_LIMIT per OKOT_CANDIDACY_WINDOW_HOURS)."""
    since = (now or timezone.now()) - datetime.timedelta(hours=settings.OKOT_CANDIDACY_WINDOW_HOURS)
    lookups = Candidacy.objects.lookups_by(user, since=since)
    return lookups.count() >= settings.OKOT_CANDIDACY_LIMIT


@transaction.atomic
def referral_register_candidacy(
    *,
    user,
    ocmw,
    insz: str,
    first_name: str,
    last_name: str,
    training: Training,
    at: datetime.datetime | None = None,
    external_id: str = "",
) -> Candidacy:
    """VDAB registers a candidacy for a client of an OCMW, found by national number, and the
    OCMW's caseworker is asked for the formal agreement.

    Whoever registers learns nothing of the OCMW's clients: every attempt is kept as a
    `Candidacy` (the trace), and its outcome, whether the number was known, whether the
    name matched, whether a referral was open already, is for the OCMW's side and the
    administrator alone. A name that differs from the client file goes to the caseworker
    with the candidacy, to resolve before agreeing. The only outcome that the registrant
    hears is `LIMITED`: too many attempts in a short time; afterwards they read the
    candidacy's `status`, which waits for the OCMW's answer whatever the outcome."""
    if not access.may_register_candidacy(user):
        raise TransitionRefused([_("Only VDAB registers a candidacy this way.")])
    insz = ssn.compact(insz)
    validate_insz(insz)
    within_limit(Client, "first_name", first_name)
    within_limit(Client, "last_name", last_name)
    candidacy = Candidacy(
        registered_by=user,
        registered_at=at or timezone.now(),
        ocmw=ocmw,
        training=training,
        insz=insz,
        first_name=first_name,
        last_name=last_name,
    )
    if candidacy_limit_reached(user):
        candidacy.outcome = CandidacyOutcome.LIMITED
        candidacy.save()
        return candidacy
    client, created = Client.objects.get_or_create(
        ocmw=ocmw, insz=insz, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        candidacy.outcome = CandidacyOutcome.NEW_CLIENT
    elif client.has_name(first_name, last_name):
        candidacy.outcome = CandidacyOutcome.KNOWN_CLIENT
    else:
        candidacy.outcome = CandidacyOutcome.NAME_DIFFERS
    try:
        with transaction.atomic():
            candidacy.referral = _register(
                user=user, client=client, training=training, at=at, external_id=external_id
            )
    except ValidationError as exc:
        if exc.code != "duplicate_open_referral":
            raise
        # Linked to the referral open already, which the OCMW answers: the registrant sees
        # the same as for any other candidacy (waiting) until it does.
        candidacy.outcome = CandidacyOutcome.ALREADY_OPEN
        candidacy.referral = (
            Referral.objects.open().filter(client=client, training=training).first()
        )
        candidacy.save()
        return candidacy
    # Saved before applying, so that the caseworker's message knows the candidacy.
    candidacy.save()
    _transition(
        candidacy.referral,
        user=user,
        name="apply",
        at=at,
        permission=access.may_apply_by_candidacy,
        applied_on=_applied_on(at),
    )
    return candidacy


# --- one function per step ---------------------------------------------------------------


@transaction.atomic
def referral_apply(
    *, referral: Referral, user, at: datetime.datetime | None = None
) -> ReferralEvent:
    return _transition(referral, user=user, name="apply", at=at, applied_on=_applied_on(at))


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
    handover_call_at: datetime.datetime | None = None,
) -> ReferralEvent:
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
        extra_data={"checked_conditions": sorted(c.pk for c in checked_conditions)},
        by=user,
        agreed_on=agreed_on,
        caseworker_phone=caseworker_phone,
        handover_notes=handover_notes,
        handover_call_at=handover_call_at,
    )
    referral.checked_conditions.set(checked_conditions)
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
        referral, user=user, name="plan_intake", at=at, intake_at=intake_at, place=place
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
) -> ReferralEvent:
    return _transition(
        referral,
        user=user,
        name="end",
        at=at,
        end_date=end_date,
        result=result,
        stop_reason=stop_reason,
    )


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


# --- during and after the training --------------------------------------------------------


@transaction.atomic
def guidance_note_add(
    *, referral: Referral, user, topic: str, note: str, written_on: datetime.date
) -> GuidanceNote:
    if referral.state not in GUIDANCE_NOTE_STATES:
        raise TransitionRefused(
            [_("Guidance notes are kept from the admission until the end of the training.")]
        )
    if not access.may_add_guidance_note(referral, user):
        raise TransitionRefused([_("You may not add notes to this referral.")])
    within_limit(GuidanceNote, "note", note)
    guidance_note = GuidanceNote.objects.create(
        referral=referral, author=user, topic=topic, note=note, written_on=written_on
    )
    guidance_note_added.send(sender=GuidanceNote, note=guidance_note)
    return guidance_note


@transaction.atomic
def outcome_check_record(
    *, referral: Referral, user, months: int, at_work: str, checked_on: datetime.date
) -> OutcomeCheck:
    """Record (or correct) whether the former trainee is at work `months` after the end."""
    if not referral.has_positive_end or referral.end_date is None:
        raise TransitionRefused(
            [_("Outflow to work is only followed after a positive end of the training.")]
        )
    if not access.may_record_outcome(referral, user):
        raise TransitionRefused([_("You may not record outcomes for this referral.")])
    due = referral.outcome_due_date(months)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("This date lies in the future.")})
    if checked_on < due:
        raise ValidationError(
            {
                "checked_on": _("This check-up is only due on %(date)s.")
                % {"date": formats.date_format(due, "SHORT_DATE_FORMAT")}
            }
        )
    check, _created = OutcomeCheck.objects.update_or_create(
        referral=referral,
        months=months,
        defaults={"at_work": at_work, "checked_on": checked_on, "checked_by": user},
    )
    return check
