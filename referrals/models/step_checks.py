"""What the steps check of the dates they are given: not in the future, in the order of the
flow, not alongside a temporary work experience, what was obtained fitting the result.

Every problem at once, by field, and from whatever part of the data is at hand: the
transitions check all they are given (`check_step_data`), and a step's form whose other
fields are wrong checks the ones it could read, so that one submit shows them all."""

import datetime
from collections.abc import Callable, Iterator, Mapping

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ..enums import EndResult
from .guards import no_temporary_work_experience_from
from .obtained import obtained_errors

Problem = tuple[str, object]  # (field, message or ValidationError)


def _in_future(day: datetime.date | None) -> bool:
    return day is not None and day > timezone.localdate()


def _not_in_future(day: datetime.date | None, field: str) -> Iterator[Problem]:
    if _in_future(day):
        yield field, _("This date lies in the future.")


def _raised(check: Callable, *args, **kwargs) -> Iterator[Problem]:
    """The problems a check that raises (a ValidationError by field) finds."""
    try:
        check(*args, **kwargs)
    except ValidationError as exc:
        for field, errors in exc.error_dict.items():
            for error in errors:
                yield field, error


def _intake_day(referral) -> datetime.date | None:
    return timezone.localdate(referral.intake_at) if referral.intake_at else None


def _apply(referral, data: Mapping) -> Iterator[Problem]:
    yield from _not_in_future(data.get("applied_on"), "applied_on")


def _agree(referral, data: Mapping) -> Iterator[Problem]:
    agreed_on = data.get("agreed_on")
    if agreed_on is None:
        return
    if _in_future(agreed_on):
        yield "agreed_on", _("The agreement date lies in the future.")
    elif referral.applied_on and agreed_on < referral.applied_on:
        yield (
            "agreed_on",
            _("The formal agreement cannot be before the candidacy (%(date)s).")
            % {"date": formats.date_format(referral.applied_on, "SHORT_DATE_FORMAT")},
        )
    else:
        yield from _raised(
            no_temporary_work_experience_from, referral, agreed_on, field="agreed_on"
        )


def _plan_intake(referral, data: Mapping) -> Iterator[Problem]:
    intake_at = data.get("intake_at")
    if intake_at and referral.agreed_on and timezone.localdate(intake_at) < referral.agreed_on:
        yield "intake_at", _("The intake cannot be before the formal agreement.")


def _admit(referral, data: Mapping) -> Iterator[Problem]:
    start, intake_day = data.get("probable_start_date"), _intake_day(referral)
    if start and intake_day and start < intake_day:
        yield "probable_start_date", _("The start cannot be before the intake.")


def _start(referral, data: Mapping) -> Iterator[Problem]:
    start, intake_day = data.get("start_date"), _intake_day(referral)
    if start is None:
        return
    if _in_future(start):
        yield "start_date", _("This date lies in the future.")
    elif intake_day and start < intake_day:
        yield "start_date", _("The start cannot be before the intake.")
    else:
        yield from _raised(
            no_temporary_work_experience_from,
            referral,
            start,
            field="start_date",
            for_vdab=True,
        )


def _end(referral, data: Mapping) -> Iterator[Problem]:
    end_date, result, stop_reason = (data.get(k) for k in ("end_date", "result", "stop_reason"))
    if _in_future(end_date):
        yield "end_date", _("This date lies in the future.")
    elif end_date and referral.start_date and end_date < referral.start_date:
        yield "end_date", _("The end cannot be before the start.")
    if result == EndResult.STOPPED_EARLY and not stop_reason and "stop_reason" in data:
        yield "stop_reason", _("Give the reason why the training stopped early.")
    if result and result != EndResult.STOPPED_EARLY and stop_reason:
        yield "stop_reason", _("A stop reason goes only with a training stopped early.")
    if result and data.get("obtained"):
        yield from obtained_errors(
            result=result,
            obtained=data["obtained"],
            obtained_on=data.get("obtained_on"),
            start_date=referral.start_date,
        ).items()


STEP_CHECKS: dict[str, Callable[..., Iterator[Problem]]] = {
    "apply": _apply,
    "agree": _agree,
    "plan_intake": _plan_intake,
    "admit": _admit,
    "start": _start,
    "end": _end,
}


def step_data_errors(referral, name: str, data: Mapping) -> ValidationError | None:
    """What is wrong with `data` (part of step `name`'s arguments) for this referral, by
    field; None when nothing is."""
    errors: dict[str, list] = {}
    for field, message in STEP_CHECKS.get(name, lambda *_a: iter(()))(referral, data):
        errors.setdefault(field, []).append(message)
    return ValidationError(errors) if errors else None


def check_step_data(referral, name: str, **data) -> None:
    """Refuse step `name` with every problem of its `data` (a ValidationError by field)."""
    errors = step_data_errors(referral, name, data)
    if errors is not None:
        raise errors
