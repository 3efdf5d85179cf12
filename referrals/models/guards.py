"""What must hold before a step (the transitions' `conditions=`): side-effect free checks of
a referral, each with the message that tells the user why the step waits.

Who may take a step is not here but in `referrals.access` (the transitions' `permission=`)."""

from django.utils import formats
from django.utils.translation import gettext_lazy as _


def guard(message, explain=None):
    """Give a check its `message`; `explain(referral)`, when given, words it for the
    referral at hand (and falls back to `message`)."""

    def decorate(check):
        check.message = message
        check.explain = lambda referral: (explain and explain(referral)) or message
        return check

    return decorate


def _consent_withdrawn(referral):
    withdrawn_on = referral.client.consent_withdrawn_on()
    if withdrawn_on is None:
        return None
    return _(
        "The client withdrew the consent to share data with VDAB on %(date)s; record a new "
        "consent before the formal agreement."
    ) % {"date": formats.date_format(withdrawn_on, "SHORT_DATE_FORMAT")}


@guard(_("The client has not consented to share data with VDAB."), explain=_consent_withdrawn)
def client_consented(referral) -> bool:
    return referral.client.has_consent


@guard(
    _("The client is in an active temporary work experience; an OKOT cannot be combined with it.")
)
def no_active_temporary_work_experience(referral) -> bool:
    return not referral.client.has_active_temporary_work_experience()
