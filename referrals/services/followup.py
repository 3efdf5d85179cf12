"""During and after the training: guidance notes, school years and outflow check-ups."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import access
from ..changes import record_change, snapshot
from ..enums import (
    CHECKUP_CORRECTED,
    CHECKUP_RECORDED,
    SCHOOL_YEAR_RECORDED,
    SCHOOL_YEAR_STATES,
    SchoolYearResult,
)
from ..models import (
    OutcomeCheck,
    Referral,
    ReferralEvent,
    SchoolYear,
)
from ..models.followup import (
    FIRST_SCHOOL_YEAR,
    LAST_SCHOOL_YEAR,
    school_year_label,
    school_year_of,
)
from ..signals import referral_event
from .steps import TransitionRefused


def school_years_open(referral: Referral) -> range:
    """The school years that may be recorded for the referral: from the one it started in
    to the one it ended in (or today's, while in training), within those the database
    takes (an imported start of 1999 starts at 2000–2001); empty before the start."""
    if referral.state not in SCHOOL_YEAR_STATES or referral.start_date is None:
        return range(0)
    first = max(school_year_of(referral.start_date), FIRST_SCHOOL_YEAR)
    last = min(school_year_of(referral.end_date or timezone.localdate()), LAST_SCHOOL_YEAR)
    return range(first, last + 1)


@transaction.atomic
def school_year_record(
    *,
    referral: Referral,
    user,
    year: int,
    result: str,
    at: datetime.datetime | None = None,
    request=None,
) -> SchoolYear:
    """Record (or correct) how school year `year` of the trajectory went: VDAB's, during
    the training and after its end (a year's result often comes after the deliberation).

    Leaves a line in the referral's history (a correction keeps the result it replaces),
    a row in the audit trail, and tells the OCMW's caseworker, of a correction too (the
    line is announced as the steps' are); the same result again changes nothing. `at` is
    when (default: now; only demo data passes it)."""
    years = school_years_open(referral)
    if not years:
        raise TransitionRefused([_("School years are recorded once the training started.")])
    if not access.may_record_school_year(referral, user):
        raise TransitionRefused([_("You may not record school years for this referral.")])
    if result not in SchoolYearResult.values:
        raise ValidationError({"result": _("Choose one of the results.")})
    if year not in years:
        raise ValidationError(
            {
                "year": _("Give a school year of the training: %(first)s to %(last)s.")
                % {"first": school_year_label(years[0]), "last": school_year_label(years[-1])}
            }
        )
    at = at or timezone.now()
    school_year = (
        SchoolYear.objects.select_for_update().filter(referral=referral, year=year).first()
    )
    before = snapshot(school_year) if school_year else None
    if school_year is None:
        try:
            with transaction.atomic():
                school_year = SchoolYear.objects.create(
                    referral=referral, year=year, result=result, recorded_by=user, recorded_at=at
                )
        except IntegrityError:
            # Recorded by someone else meanwhile: this result corrects theirs. (Any other
            # refusal is no race: raised, never retried.)
            if not SchoolYear.objects.filter(referral=referral, year=year).exists():
                raise
            return school_year_record(
                referral=referral, user=user, year=year, result=result, at=at, request=request
            )
    elif school_year.result == result:
        return school_year
    else:
        school_year.result, school_year.recorded_by, school_year.recorded_at = result, user, at
        school_year.save(update_fields=["result", "recorded_by", "recorded_at"])
    data = {"year": year, "result": result}
    if before is not None:
        data["before"] = before["result"]
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at,
        transition=SCHOOL_YEAR_RECORDED,
        from_state="",
        to_state=referral.state,
        data=data,
    )
    record_change(school_year, before, snapshot(school_year), user=user, request=request)
    referral_event.send(sender=Referral, event=event)
    return school_year


@transaction.atomic
def outcome_check_record(
    *,
    referral: Referral,
    user,
    months: int,
    at_work: str,
    checked_on: datetime.date,
    at: datetime.datetime | None = None,
    request=None,
) -> OutcomeCheck:
    """Record (or correct) whether the former trainee is at work `months` after the end.

    Either leaves a line in the referral's history and a row in the audit trail; a
    correction keeps the answer it replaces in both, so that the figures' earlier answer
    can still be traced. The same answer again changes nothing. `at` is when (default:
    now; as for the steps, only demo data passes it); `request` tells the trail the page
    and address it came from."""
    if not referral.has_positive_end or referral.end_date is None:
        raise TransitionRefused(
            [_("Outflow to work is only followed after a positive end of the training.")]
        )
    if not access.may_record_outcome(referral, user):
        raise TransitionRefused([_("You may not record outcomes for this referral.")])
    due = referral.outcome_due_date(months)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("This date lies in the future.")})
    if checked_on < due:
        raise ValidationError(
            {
                "checked_on": _("This check-up is only due on %(date)s.")
                % {"date": formats.date_format(due, "SHORT_DATE_FORMAT")}
            }
        )
    answer = {"at_work": at_work, "checked_on": checked_on}
    check = _locked_check(referral, months)
    if check is None:
        try:
            with transaction.atomic():
                check = OutcomeCheck.objects.create(
                    referral=referral, months=months, checked_by=user, **answer
                )
        except IntegrityError:
            # Recorded by someone else meanwhile: this answer corrects theirs.
            check = _locked_check(referral, months)
        else:
            _checkup_history(referral, check, user=user, at=at, before=None, request=request)
            return check
    before = snapshot(check)
    changed = {name: value for name, value in answer.items() if getattr(check, name) != value}
    if not changed:
        return check
    for name, value in {**changed, "checked_by": user}.items():
        setattr(check, name, value)
    check.save(update_fields=[*changed, "checked_by"])
    _checkup_history(referral, check, user=user, at=at, before=before, request=request)
    return check


def _locked_check(referral: Referral, months: int) -> OutcomeCheck | None:
    return OutcomeCheck.objects.select_for_update().filter(referral=referral, months=months).first()


# What a check-up's history line keeps of its answer.
CHECKUP_ANSWER = ["at_work", "checked_on"]


def _checkup_history(
    referral: Referral, check: OutcomeCheck, *, user, at, before: dict | None, request
) -> None:
    """The history line and the audit trail's row of a check-up recorded (`before` None)
    or corrected: its answer, and the one it replaces."""
    after = snapshot(check)
    shown = [name for name in CHECKUP_ANSWER if before is None or before[name] != after[name]]
    data = {"months": check.months, "after": {name: after[name] for name in shown}}
    if before is not None:
        data["before"] = {name: before[name] for name in shown}
    ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at or timezone.now(),
        transition=CHECKUP_CORRECTED if before is not None else CHECKUP_RECORDED,
        from_state="",
        to_state=referral.state,
        data=data,
    )
    record_change(check, before, after, user=user, request=request)
