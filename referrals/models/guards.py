"""What must hold before a step (the transitions' `conditions=`): side-effect free checks of
a referral, each with the message that tells the user why the step waits.

Who may take a step is not here but in `referrals.access` (the transitions' `permission=`)."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
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


def _temporary_work_experience(referral):
    experience = referral.client.temporary_work_experience_from(timezone.localdate())
    if experience is None:
        return None
    return _(
        "The client has a temporary work experience %(experience)s; an OKOT cannot run "
        "alongside it. The formal agreement waits until it has ended (record its end date)."
    ) % {"experience": experience.period_text()}


@guard(
    _(
        "The client is in, or is to start, a temporary work experience; an OKOT cannot be "
        "combined with it."
    ),
    explain=_temporary_work_experience,
)
def no_active_temporary_work_experience(referral) -> bool:
    """None runs today or later: the agreement's own date, which may lie in the past, is
    checked by the step (`no_temporary_work_experience_from`)."""
    return referral.client.temporary_work_experience_from(timezone.localdate()) is None


def no_temporary_work_experience_from(referral, day, *, field: str, for_vdab: bool = False):
    """Refuse (on `field`) a step dated `day` while a temporary work experience of the
    client runs on that day or later: the formal agreement (its date may lie in the past)
    and the start of the training. `for_vdab`: the step is VDAB's, who does not see the
    client's temporary work experiences, so the message names none of it."""
    experience = referral.client.temporary_work_experience_from(day)
    if experience is None:
        return
    values = {"date": formats.date_format(day, "SHORT_DATE_FORMAT")}
    if for_vdab:
        message = (
            _(
                "The OCMW recorded a temporary work experience of the client that runs on "
                "%(date)s or later; an OKOT cannot run alongside it. Ask the client's OCMW "
                "caseworker."
            )
            % values
        )
    else:
        message = _(
            "The client has a temporary work experience %(experience)s, which runs on "
            "%(date)s or later; an OKOT cannot run alongside it."
        ) % {**values, "experience": experience.period_text()}
    raise ValidationError({field: message}, code="temporary_work_experience")


def _intake_to_come(referral):
    return _("Screening becomes possible from the intake on %(date)s.") % {
        "date": formats.date_format(timezone.localdate(referral.intake_at), "SHORT_DATE_FORMAT")
    }


@guard(_("The screening is recorded after the intake, which is still to come."), _intake_to_come)
def intake_day_has_come(referral) -> bool:
    """The intake's day (in Brussels) has come, or no intake moment is known (an import's):
    the screening records what the intake showed. `querysets.intake_day_has_come` is the
    same for a list."""
    return referral.intake_at is None or timezone.localdate(referral.intake_at) <= (
        timezone.localdate()
    )
