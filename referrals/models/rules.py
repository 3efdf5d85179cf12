"""The rules of the steps that the database holds too, whatever writes a row (the steps, the
import, the admin, a script): dates in order, an early stop's reason, consent not before
birth, no GPMI or handover in the future. The steps and the import refuse such a row first,
field by field, in the user's language; these are the last line, and a model form that
validates the model (admin) shows their message.

A day kept as a moment (the intake, the handover) is compared by its day in Brussels
(`__date` converts in the current time zone, TIME_ZONE when the migration is written).
"Not in the future" is "not after the row was written": a CHECK cannot read the clock."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..enums import EndResult


def not_before(later: str, earlier: str, *, name: str, message) -> models.CheckConstraint:
    """`later` is not before `earlier` when both are known (lookups such as
    `intake_at__date` compare a moment's day)."""
    later_field, earlier_field = later.split("__")[0], earlier.split("__")[0]
    return models.CheckConstraint(
        condition=Q(**{f"{later_field}__isnull": True})
        | Q(**{f"{earlier_field}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=name,
        violation_error_message=message,
    )


def referral_rules() -> list[models.CheckConstraint]:
    return [
        # candidacy ≤ agreement ≤ intake ≤ start ≤ end (the import has no intake at times)
        not_before(
            "agreed_on",
            "applied_on",
            name="referral_agreed_not_before_applied",
            message=_("The formal agreement cannot be before the candidacy."),
        ),
        not_before(
            "intake_at__date",
            "agreed_on",
            name="referral_intake_not_before_agreed",
            message=_("The intake cannot be before the formal agreement."),
        ),
        not_before(
            "start_date",
            "agreed_on",
            name="referral_start_not_before_agreed",
            message=_("The start cannot be before the formal agreement."),
        ),
        not_before(
            "probable_start_date",
            "intake_at__date",
            name="referral_probable_start_not_before_intake",
            message=_("The start cannot be before the intake."),
        ),
        not_before(
            "start_date",
            "intake_at__date",
            name="referral_start_not_before_intake",
            message=_("The start cannot be before the intake."),
        ),
        not_before(
            "end_date",
            "start_date",
            name="referral_end_not_before_start",
            message=_("The end cannot be before the start."),
        ),
        not_before(
            "handover_at__date",
            "agreed_on",
            name="referral_handover_not_before_agreed",
            message=_("The handover cannot be before the formal agreement."),
        ),
        # An end has a date and a result; a stop reason goes with an early stop only (an
        # early stop of the past may have none: the figures count it as unknown).
        models.CheckConstraint(
            condition=Q(end_date__isnull=True, end_result="")
            | (Q(end_date__isnull=False) & ~Q(end_result="")),
            name="referral_end_date_with_result",
            violation_error_message=_("An end has both a date and a result."),
        ),
        models.CheckConstraint(
            condition=Q(stop_reason="") | Q(end_result=EndResult.STOPPED_EARLY),
            name="referral_stop_reason_only_with_early_stop",
            violation_error_message=_("A stop reason goes only with a training stopped early."),
        ),
    ]


def client_rules() -> list[models.CheckConstraint]:
    return [
        not_before(
            "consent_date",
            "birth_date",
            name="client_consent_not_before_birth",
            message=_("The consent cannot be before the client's birth."),
        ),
        # `updated_at` is the moment the row was written (auto_now).
        not_before(
            "updated_at__date",
            "gpmi_date",
            name="client_gpmi_not_in_future",
            message=_("The GPMI date lies in the future."),
        ),
    ]


def temporary_work_experience_rules() -> list[models.CheckConstraint]:
    return [
        not_before(
            "end_date",
            "start_date",
            name="temporaryworkexperience_end_not_before_start",
            message=_("The end date is before the start date."),
        )
    ]
