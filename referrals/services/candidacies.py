"""VDAB's candidacy: the trace of every attempt, the limit per user, and the referral it
registers or is linked to."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.be import ssn

from .. import access
from ..enums import CandidacyOutcome
from ..models import (
    Candidacy,
    Client,
    Referral,
    Training,
)
from ..models.clients import validate_insz
from ..textlimits import within_limit
from .creation import _register
from .steps import TransitionRefused, _applied_on, _transition


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
