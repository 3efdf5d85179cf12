"""Every action on a referral is one function here; nothing else changes a state.

Each is keyword-only and atomic: it checks the step, runs the model's transition, saves
the changed fields, appends a history line and announces the event."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from stdnum.be import ssn

from . import imports
from .models import (
    Client,
    EntryCondition,
    GuidanceNote,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    State,
    Training,
)
from .models.clients import validate_insz
from .models.rules import is_either_side
from .signals import guidance_note_added, referral_event


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


def transition_refusals(referral: Referral, user, name: str) -> list[str]:
    """Why `user` may not take step `name` now; empty when they may."""
    method = getattr(referral, name)
    meta = method._django_fsm
    if not meta.has_transition(referral.state):
        return [
            _("This step is not possible while the referral is “%(state)s”.")
            % {"state": referral.get_state_display()}
        ]
    if not meta.has_transition_perm(referral, referral.state, user):
        return [_("You may not take this step for this referral.")]
    transition = meta.get_transition(referral.state)
    return [str(check.message) for check in transition.conditions if not check(referral)]


def available_transitions(referral: Referral, user) -> list[str]:
    """The steps this user may take now, in the order of the flow."""
    return [t.name for t in referral.get_available_user_state_transitions(user)]


def blocked_transitions(referral: Referral, user) -> dict[str, list[str]]:
    """Steps this user could take in this state but for an unmet guard, with reasons."""
    blocked = {}
    for t in referral.get_all_state_transitions():
        if t.source != referral.state or not t.has_perm(referral, user):
            continue
        reasons = transition_refusals(referral, user, t.name)
        if reasons:
            blocked[t.name] = reasons
    return blocked


def _snapshot(referral: Referral) -> dict[str, Any]:
    return {f.attname: getattr(referral, f.attname) for f in Referral._meta.concrete_fields}


def _transition(
    referral: Referral,
    *,
    user,
    name: str,
    at: datetime.datetime | None = None,
    extra_data: dict | None = None,
    **kwargs,
) -> ReferralEvent:
    refusals = transition_refusals(referral, user, name)
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
        reason=kwargs.get("reason", ""),
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
    if not is_either_side(Referral(client=client, training=training), user):
        raise TransitionRefused([_("You may not register a referral for this client.")])
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
    if apply:
        referral_apply(referral=referral, user=user, at=at)
    return referral


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
) -> Referral:
    """VDAB registers a candidacy: the client is found in (or added to) their OCMW by national
    number, and the referral waits for the caseworker's formal agreement."""
    if not (user.is_counsellor or user.is_administrator):
        raise TransitionRefused([_("Only VDAB registers a candidacy this way.")])
    insz = ssn.compact(insz)
    validate_insz(insz)
    client, created = Client.objects.get_or_create(
        ocmw=ocmw, insz=insz, defaults={"first_name": first_name, "last_name": last_name}
    )
    if not created and not client.has_name(first_name, last_name):
        # Linking on the number alone would show a stranger's file to whoever typed it.
        raise ValidationError(
            _("The name does not match this national number. Check both with the client."),
            code="name_mismatch",
        )
    return referral_create(
        user=user, client=client, training=training, apply=True, at=at, external_id=external_id
    )


# --- one function per step ---------------------------------------------------------------


@transaction.atomic
def referral_apply(
    *, referral: Referral, user, at: datetime.datetime | None = None
) -> ReferralEvent:
    applied_on = timezone.localdate(at) if at else timezone.localdate()
    return _transition(referral, user=user, name="apply", at=at, applied_on=applied_on)


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
    refusals = transition_refusals(referral, user, "agree")
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

# Guidance notes are kept from the admission until the end of the training.
GUIDANCE_NOTE_STATES = (State.ADMITTED, State.IN_TRAINING, State.ENDED)


@transaction.atomic
def guidance_note_add(
    *, referral: Referral, user, topic: str, note: str, written_on: datetime.date
) -> GuidanceNote:
    if referral.state not in GUIDANCE_NOTE_STATES:
        raise TransitionRefused(
            [_("Guidance notes are kept from the admission until the end of the training.")]
        )
    if not is_either_side(referral, user):
        raise TransitionRefused([_("You may not add notes to this referral.")])
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
    if not is_either_side(referral, user):
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


# --- importing existing trajectories -------------------------------------------------------


@transaction.atomic
def referral_import(
    *, rows: list[imports.ImportRow], user=None, dry_run: bool = False
) -> imports.ImportResult:
    """Import existing trajectories from a file's rows, all or none.

    Every row is checked first (`imports.check_rows`, the database looked up in bulk); rows
    whose external id is already in the database are skipped. Each other row finds or adds
    its client and gets a referral in its state, one "import" history line and its outflow
    check-ups. Nobody is notified: the import replays history, it is no news. A dry run
    checks everything and writes nothing."""
    plan = imports.check_rows(rows)
    result = imports.ImportResult(
        already_imported=plan.already_imported, errors=plan.errors, dry_run=dry_run
    )
    if plan.errors:
        return result
    result.imported = len(plan.rows)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            result.clients_created = _write_import(plan.rows, user=user)
    except IntegrityError:
        # Someone added one of these referrals (or an open one) since the check.
        message = _("The referrals changed during the import; nothing was imported. Try again.")
        return imports.ImportResult(errors=[imports.RowError(None, message)], dry_run=dry_run)
    return result


def _write_import(rows: list[imports.CheckedRow], *, user) -> int:
    """Write the checked rows; return the number of clients added."""
    now = timezone.now()
    new_clients: dict[tuple[int, str], Client] = {}
    referrals = []
    for row in rows:
        client = row.client or new_clients.get(row.client_key)
        if client is None:
            client = Client(
                ocmw=row.ocmw,
                insz=row.data["insz"],
                first_name=row.data["first_name"],
                last_name=row.data["last_name"],
                gender=row.data["gender"],
            )
            client.save()  # derives birth date and gender from the INSZ
            new_clients[row.client_key] = client
        referrals.append(_imported_referral(row, client, user=user, now=now))
    Referral.objects.bulk_create(referrals, batch_size=500)
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral=referral,
                actor=user,
                at=now,
                transition="import",
                from_state="",
                to_state=referral.state,
                data=row.history,
            )
            for row, referral in zip(rows, referrals, strict=True)
        ],
        batch_size=500,
    )
    OutcomeCheck.objects.bulk_create(
        [
            OutcomeCheck(
                referral=referral,
                months=months,
                at_work=row.data[name],
                checked_on=referral.outcome_due_date(months),
                checked_by=user,
            )
            for row, referral in zip(rows, referrals, strict=True)
            for name, months in imports.WORK_COLUMNS.items()
            if row.data[name]
        ],
        batch_size=500,
    )
    return len(new_clients)


def _imported_referral(
    row: imports.CheckedRow, client: Client, *, user, now: datetime.datetime
) -> Referral:
    """The referral of a row, in its state: created on its first date, last changed on its
    last date (never later than now)."""
    data = row.data
    local = timezone.get_default_timezone()

    def at(day: datetime.date, time: datetime.time = datetime.time()) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, time), local)

    days = [data[name] for name in imports.DATE_COLUMNS if data[name]]
    return Referral(
        client=client,
        training=row.training,
        state=data["state"],
        external_id=data["external_id"],
        created_by=user,
        created_at=min(at(min(days)), now) if days else now,
        state_changed_at=min(at(max(days)), now) if days else now,
        agreed_on=data["agreed_on"],
        intake_at=at(data["intake_on"], datetime.time(9)) if data["intake_on"] else None,
        start_date=data["start_date"],
        end_date=data["end_date"],
        end_result=data["end_result"],
        stop_reason=data["stop_reason"],
    )
