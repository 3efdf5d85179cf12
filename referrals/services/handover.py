"""The warm handover recorded after the formal agreement (or corrected)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from .. import access
from ..enums import HANDOVER_RECORDED, HANDOVER_STATES
from ..models import Referral, ReferralEvent
from ..models.handover import HANDOVER_FIELDS
from ..signals import referral_event
from .steps import ConcurrentChange, TransitionRefused

# What the history line keeps: the handover itself, not who recorded it when (the line's
# actor and time say that).
HISTORY_FIELDS = [
    "handover_how",
    "handover_at",
    "handover_counsellor_id",
    "handover_counsellor_name",
]


@transaction.atomic
def referral_record_handover(
    *,
    referral: Referral,
    user,
    handover_how: str,
    handover_at: datetime.datetime,
    handover_counsellor=None,
    handover_counsellor_name: str = "",
    at: datetime.datetime | None = None,
) -> ReferralEvent | None:
    """Record that the warm handover took place: how, when, with whom. A second record
    corrects the first (the history keeps both lines). The same again changes nothing
    (None). `at` is when it was recorded (default: now; only demo data passes it).
    The counsellors hear of it (`notifications.outbox`)."""
    if referral.state not in HANDOVER_STATES:
        raise TransitionRefused(
            [
                _(
                    "The warm handover is recorded from the formal agreement until the "
                    "training has started."
                )
            ]
        )
    if not access.may_record_handover(referral, user):
        raise TransitionRefused([_("You may not record the warm handover of this referral.")])
    before = {name: getattr(referral, name) for name in HISTORY_FIELDS}
    referral.set_handover(
        how=handover_how,
        at=handover_at,
        counsellor=handover_counsellor,
        counsellor_name=handover_counsellor_name,
        by=user,
        recorded_at=at or timezone.now(),
    )
    after = {name: getattr(referral, name) for name in HISTORY_FIELDS}
    if after == before:
        referral.refresh_from_db(fields=HANDOVER_FIELDS)
        return None
    try:
        referral.save(update_fields=[*HANDOVER_FIELDS, "updated_at"])
    except ConcurrentTransition as exc:
        # The state it was loaded in is still in memory: recording leaves the state be.
        raise ConcurrentChange(referral, seen_state=referral.state, user=user) from exc
    data = {**after, "handover_with": referral.handover_with}
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=referral.handover_recorded_at,
        transition=HANDOVER_RECORDED,
        from_state="",
        to_state=referral.state,
        data=data,
    )
    referral_event.send(sender=Referral, event=event)
    return event
