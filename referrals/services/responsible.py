"""Who is responsible for a referral on each side, and a colleague taking over."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..enums import RESPONSIBLE_CHANGED
from ..models import Referral, ReferralEvent
from ..signals import referral_event
from .steps import TransitionRefused

# The two sides: the referral's field, and who may be responsible there.
SIDES = {
    "caseworker": lambda referral, person: access.is_caseworker_of(referral.client, person),
    "counsellor": lambda referral, person: (
        access.is_counsellor_for(referral.training, person) and access.is_agreed(referral)
    ),
}


def may_change_responsible(referral: Referral, user, side: str) -> bool:
    """An administrator, or a colleague on that side who may act on the referral."""
    return user.is_administrator or SIDES[side](referral, user)


@transaction.atomic
def referral_set_responsible(
    *,
    referral: Referral,
    user,
    side: str,
    person,
    at: datetime.datetime | None = None,
) -> ReferralEvent | None:
    """Make `person` the responsible `side` ("caseworker" or "counsellor") of the referral;
    a history line keeps who did it. The same person again changes nothing (None)."""
    if side not in SIDES or not may_change_responsible(referral, user, side):
        raise TransitionRefused([_("You may not change who is responsible here.")])
    if not person.is_active or not SIDES[side](referral, person):
        raise ValidationError(
            {
                "person": _("%(person)s cannot be responsible for this referral.")
                % {"person": person}
            }
        )
    locked = Referral.objects.select_for_update().only("pk", side).get(pk=referral.pk)
    if getattr(locked, f"{side}_id") == person.pk:
        return None
    setattr(referral, side, person)
    referral.save(update_fields=[side, "updated_at"])
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at or timezone.now(),
        transition=RESPONSIBLE_CHANGED,
        from_state="",
        to_state=referral.state,
        data={
            "side": side,
            "person": person.get_full_name() or person.get_username(),
            "person_id": person.pk,
        },
    )
    referral_event.send(sender=Referral, event=event)
    return event
