"""What a trajectory obtained at its end, and the rules that hold for it.

The diploma is its own fact, not the end result: a multi-year programme is passed year by
year (`SchoolYear`) and some end with a certificate of part of it. The rules, in one place
for the `end` step, the import and the database:

- what was obtained is recorded with every end result, and only with one;
- a diploma only with a passed end; a passed end obtains the diploma or a certificate of
  part (whoever passed got at least that); any other end a certificate of part or nothing;
- the day it was obtained goes with a diploma or a certificate, never with nothing; it is
  not before the start and not in the future (it may come after the end date: a diploma is
  often awarded after the deliberation);
- left empty, a passed end obtained the diploma on the end date and any other end nothing,
  as the figures counted before this was recorded apart (migration 0011), and as a file
  without the new columns still means."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..enums import CERTIFICATES, EndResult, Obtained


def default_obtained(
    result: str, end_date: datetime.date | None
) -> tuple[str, datetime.date | None]:
    """What an end obtained when nobody said: the diploma on the end date when passed,
    nothing otherwise."""
    if result == EndResult.PASSED:
        return Obtained.DIPLOMA, end_date
    return Obtained.NONE, None


def obtained_errors(
    *,
    result: str,
    obtained: str,
    obtained_on: datetime.date | None,
    start_date: datetime.date | None,
) -> dict[str, str]:
    """Why `obtained` on `obtained_on` does not fit an end with `result`, by field; empty
    when it does."""
    errors = {}
    if obtained == Obtained.DIPLOMA and result != EndResult.PASSED:
        errors["obtained"] = _("A diploma is only obtained by passing the training.")
    elif result == EndResult.PASSED and obtained not in CERTIFICATES:
        errors["obtained"] = _(
            "A passed training obtains the diploma or a certificate of part of it."
        )
    if obtained in CERTIFICATES:
        if obtained_on is None:
            errors["obtained_on"] = _("Give the day it was obtained.")
        elif obtained_on > timezone.localdate():
            errors["obtained_on"] = _("This date lies in the future.")
        elif start_date and obtained_on < start_date:
            errors["obtained_on"] = _("It cannot be obtained before the start.")
    elif obtained_on is not None:
        errors["obtained_on"] = _("Leave the date empty when nothing was obtained.")
    return errors


def checked_obtained(
    *,
    result: str,
    end_date: datetime.date,
    obtained: str,
    obtained_on: datetime.date | None,
    start_date: datetime.date | None,
) -> tuple[str, datetime.date | None]:
    """What the `end` step records as obtained: the default when nobody said, else what
    was said, refused (ValidationError on the fields) when it does not fit."""
    if not obtained:
        return default_obtained(result, end_date)
    errors = obtained_errors(
        result=result, obtained=obtained, obtained_on=obtained_on, start_date=start_date
    )
    if errors:
        raise ValidationError(errors)
    return obtained, obtained_on


def obtained_constraints() -> list[models.CheckConstraint]:
    """The rules as the database keeps them, so that an import or a bulk write cannot get
    around the `end` step (the future is the step's and the import's to refuse)."""
    certificate = Q(obtained__in=list(CERTIFICATES))
    return [
        models.CheckConstraint(
            condition=Q(end_result="", obtained="") | (~Q(end_result="") & ~Q(obtained="")),
            name="referral_obtained_with_end_result",
            violation_error_message=gettext_lazy(
                "An end says what was obtained; only an end does."
            ),
        ),
        models.CheckConstraint(
            condition=(certificate & Q(obtained_on__isnull=False))
            | (~certificate & Q(obtained_on__isnull=True)),
            name="referral_obtained_on_with_certificate",
            violation_error_message=gettext_lazy(
                "A diploma or certificate has the day it was obtained; nothing has no day."
            ),
        ),
        models.CheckConstraint(
            condition=~Q(obtained=Obtained.DIPLOMA) | Q(end_result=EndResult.PASSED),
            name="referral_diploma_only_when_passed",
            violation_error_message=gettext_lazy(
                "A diploma is only obtained by passing the training."
            ),
        ),
        models.CheckConstraint(
            condition=~Q(end_result=EndResult.PASSED) | certificate,
            name="referral_passed_obtains_certificate",
            violation_error_message=gettext_lazy(
                "Passing the training obtains a diploma or a certificate of part."
            ),
        ),
        models.CheckConstraint(
            condition=Q(obtained_on__isnull=True)
            | Q(start_date__isnull=True)
            | Q(obtained_on__gte=F("start_date")),
            name="referral_obtained_not_before_start",
            violation_error_message=gettext_lazy("It cannot be obtained before the start."),
        ),
    ]
