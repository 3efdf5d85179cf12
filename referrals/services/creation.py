"""Creating a referral: registered (state `informed`) with its first history line, and
optionally applied for at once. Its steps are `steps`."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..models import Client, Referral, ReferralEvent, Training
from ..signals import referral_event
from ..textlimits import within_limit
from .locks import lock_client
from .steps import TransitionRefused, referral_apply


@transaction.atomic
def referral_create(
    *,
    user,
    client: Client,
    training: Training,
    apply: bool = False,
    at: datetime.datetime | None = None,
    applied_on: datetime.date | None = None,
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
        referral_apply(referral=referral, user=user, at=at, applied_on=applied_on)
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
            # The client's row locked and its OCMW read under the lock: a move to another
            # OCMW (Client.save) waits for this referral, or this referral sees it.
            lock_client(client.pk)
            client.refresh_from_db(fields=["ocmw"])
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
