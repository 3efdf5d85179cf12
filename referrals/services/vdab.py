"""VDAB's part of the client file: the registration as job seeker and the VDAB client number,
recorded by VDAB from a referral it acts on (the rest of the client file is the OCMW's)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..changes import record_change, snapshot
from ..enums import VDAB_REGISTRATION, VDAB_REGISTRATION_STATES
from ..models import Client, Referral, ReferralEvent
from ..signals import referral_event
from .steps import TransitionRefused

# The fields VDAB writes.
VDAB_FIELDS = ["registered_job_seeker", "vdab_client_number"]


@transaction.atomic
def referral_record_vdab_registration(
    *,
    referral: Referral,
    user,
    registered_job_seeker: bool,
    vdab_client_number: str,
    at: datetime.datetime | None = None,
    request=None,
) -> ReferralEvent | None:
    """Record in the client file whether the client is registered with VDAB as a job seeker,
    and their VDAB client number (a valid one, `forms`; "" for none), as VDAB's counsellor
    of the referral; the same again changes nothing (None).

    Like a client edit, it leaves the audit trail's CHANGE row of the client (the number
    before and after); and a history line on the referral, which tells the client's
    caseworker in the app (`signals.referral_event`). The line keeps whether the number
    changed, not the number: the client file holds it, and the retention empties it there.

    Not a uniqueness check of the number: one person may be a client of two OCMWs, and a
    refusal would tell VDAB which of its job seekers an OCMW knows."""
    if not access.may_record_vdab_registration(referral, user):
        raise TransitionRefused([_("You may not record the registration with VDAB here.")])
    if referral.state not in VDAB_REGISTRATION_STATES:
        raise TransitionRefused(
            [
                _(
                    "The registration with VDAB is recorded after the formal agreement, while "
                    "the referral is open; this one is “%(state)s”."
                )
                % {"state": referral.get_state_display()}
            ]
        )
    client = Client.objects.select_for_update().get(pk=referral.client_id)
    if client.is_pseudonymised or not client.has_consent:
        raise TransitionRefused(
            [
                _(
                    "The client has not consented to share data with VDAB (or withdrew the "
                    "consent): the OCMW's file takes nothing from VDAB now."
                )
            ]
        )
    before = snapshot(client)
    client.registered_job_seeker = registered_job_seeker
    client.vdab_client_number = vdab_client_number
    after = snapshot(client)
    changed = [name for name in VDAB_FIELDS if before[name] != after[name]]
    if not changed:
        return None
    client.save(update_fields=[*changed, "updated_at"])
    record_change(client, before, after, user=user, request=request)
    number_changed = before["vdab_client_number"] != after["vdab_client_number"]
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at or timezone.now(),
        transition=VDAB_REGISTRATION,
        from_state="",
        to_state=referral.state,
        data={
            "registered_job_seeker": registered_job_seeker,
            "vdab_client_number": _number_change(before, after) if number_changed else "",
        },
    )
    referral.client = client  # what the messages read
    referral_event.send(sender=Referral, event=event)
    return event


# What the history line keeps of a changed number: that it changed, and how.
NUMBER_ADDED, NUMBER_CHANGED, NUMBER_REMOVED = "added", "changed", "removed"


def _number_change(before: dict, after: dict) -> str:
    if not before["vdab_client_number"]:
        return NUMBER_ADDED
    return NUMBER_REMOVED if not after["vdab_client_number"] else NUMBER_CHANGED
