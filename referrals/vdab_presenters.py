"""What the pages show of VDAB's part of the client file (registered as job seeker, VDAB
client number): its form on the referral page, its history line, and on the client page
who recorded it last."""

from django.utils.translation import gettext_lazy as _

from . import access
from .enums import VDAB_REGISTRATION, VDAB_REGISTRATION_STATES
from .models import Client, Referral, ReferralEvent
from .vdab_forms import VdabRegistrationForm

# How a history line of VDAB's registration tells what became of the VDAB client number
# (`services.vdab`): the number itself is in the client file, not in the history.
NUMBER_CHANGES = {
    "added": _("recorded"),
    "changed": _("changed"),
    "removed": _("removed"),
}


def vdab_registration_details(data: dict) -> list[tuple[str, object]]:
    """The history line's data as (label, value)."""
    field = Client._meta.get_field("registered_job_seeker")
    details = [(field.verbose_name, _("yes") if data["registered_job_seeker"] else _("no"))]
    if data.get("vdab_client_number"):
        label = Client._meta.get_field("vdab_client_number").verbose_name
        details.append((label, NUMBER_CHANGES[data["vdab_client_number"]]))
    return details


def last_vdab_registration(client: Client) -> ReferralEvent | None:
    """The history line of VDAB's last record of the client's registration as job seeker,
    for the client page (who, when, on which referral); None when VDAB recorded none."""
    return (
        ReferralEvent.objects.filter(referral__client=client, transition=VDAB_REGISTRATION)
        .select_related("actor__organisation", "referral__training")
        .order_by("-at", "-pk")
        .first()
    )


def vdab_registration_form(referral: Referral, user, form=None):
    """The form on which VDAB records the client's registration, for whoever may record it
    here and now (`services.referral_record_vdab_registration` says why not otherwise); a
    bound form (its errors) whatever holds."""
    if form is not None:
        return form
    client = referral.client
    if (
        access.may_record_vdab_registration(referral, user)
        and referral.state in VDAB_REGISTRATION_STATES
        and client.has_consent
        and not client.is_pseudonymised
    ):
        return VdabRegistrationForm(client=client)
    return None
