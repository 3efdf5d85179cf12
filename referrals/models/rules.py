"""The rules of the referral workflow that are not a state: who may take a step (the
transitions' `permission=`) and what must hold before it (their `conditions=`)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .referral import Referral

# --- Who may act (the transitions' `permission=`) ----------------------------------------


def is_clients_caseworker(referral: "Referral", user) -> bool:
    return user.is_administrator or (
        user.is_caseworker and referral.client.ocmw_id == user.organisation_id
    )


def is_responsible_counsellor(referral: "Referral", user) -> bool:
    if user.is_administrator:
        return True
    training = referral.training
    return user.is_counsellor and (
        training.contact_counsellor_id == user.pk or training.province == user.organisation.province
    )


def is_either_side(referral: "Referral", user) -> bool:
    return is_clients_caseworker(referral, user) or is_responsible_counsellor(referral, user)


# --- Guards (the transitions' `conditions=`): side-effect free, each with its message --


def guard(message):
    def decorate(check):
        check.message = message
        return check

    return decorate


@guard(_("The client has not consented to share data with VDAB."))
def client_consented(referral: "Referral") -> bool:
    return referral.client.has_consent


@guard(
    _("The client is in an active temporary work experience; an OKOT cannot be combined with it.")
)
def no_active_temporary_work_experience(referral: "Referral") -> bool:
    return not referral.client.has_active_temporary_work_experience()
