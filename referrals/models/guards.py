"""What must hold before a step (the transitions' `conditions=`): side-effect free checks of
a referral, each with the message that tells the user why the step waits.

Who may take a step is not here but in `referrals.access` (the transitions' `permission=`)."""

from django.utils.translation import gettext_lazy as _


def guard(message):
    def decorate(check):
        check.message = message
        return check

    return decorate


@guard(_("The client has not consented to share data with VDAB."))
def client_consented(referral) -> bool:
    return referral.client.has_consent


@guard(
    _("The client is in an active temporary work experience; an OKOT cannot be combined with it.")
)
def no_active_temporary_work_experience(referral) -> bool:
    return not referral.client.has_active_temporary_work_experience()
