"""One row of a file of existing trajectories, checked on its own (a form): what the row
itself can tell, without the database. `checks` then checks the rows together."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum.be import ssn

from accounts.models import Organisation

from ..enums import (
    POSITIVE_END_RESULTS,
    AtWork,
    EndResult,
    Gender,
    Obtained,
    OkotType,
    State,
    StopReason,
)
from ..formfields import PlausibleDateField
from ..models.clients import Client, insz_birth_date_and_gender, validate_insz
from ..models.followup import add_months
from ..models.obtained import default_obtained, obtained_errors
from ..models.referral import Referral
from ..models.trainings import Training
from ..textlimits import max_length_of, one_line
from .files import DATE_COLUMNS, OPTIONAL_COLUMNS, WORK_COLUMNS

OBTAINED_COLUMNS = OPTIONAL_COLUMNS  # what an end obtained, and when

END_COLUMNS = ("end_date", "end_result", "stop_reason", *OBTAINED_COLUMNS, *WORK_COLUMNS)
STEP_COLUMNS = (*DATE_COLUMNS, *END_COLUMNS[1:])
# What the history line keeps of a row: the trajectory, never the person (national number,
# name, gender); those are in the client's file, which only the OCMW may read.
HISTORY_COLUMNS = (
    *("external_id", "ocmw", "training_type", "training_title", "state"),
    *(*DATE_COLUMNS, "end_result", "stop_reason", *OBTAINED_COLUMNS, *WORK_COLUMNS),
)

STATES = frozenset(State.values)  # computed once: State.values makes a new list each time
# Per state: the step columns it needs and those it may also carry; the others are an error.
_THROUGH_TRAINING = (
    ("agreed_on", "start_date", "end_date", "end_result"),
    ("intake_on", "stop_reason", *OBTAINED_COLUMNS, *WORK_COLUMNS),
)
_THROUGH_SCREENING = (("agreed_on", "intake_on"), ())
STATE_COLUMNS = {
    State.INFORMED: ((), ()),
    State.CANDIDATE: ((), ()),
    State.DECLINED: ((), ()),
    State.AGREED: (("agreed_on",), ()),
    State.INTAKE_PLANNED: _THROUGH_SCREENING,
    State.ADMITTED: _THROUGH_SCREENING,
    State.NOT_ADMITTED: _THROUGH_SCREENING,
    State.IN_TRAINING: (("agreed_on", "start_date"), ("intake_on",)),
    State.ENDED: _THROUGH_TRAINING,
    State.WITHDRAWN: ((), ("agreed_on", "intake_on")),
    # State.CLOSED: _THROUGH_TRAINING, or _THROUGH_SCREENING after not_admitted
}


class CodeField(forms.ChoiceField):
    """One code of a fixed list, in any case; the error lists the codes."""

    widget = forms.TextInput  # never rendered

    def to_python(self, value):
        value = super().to_python(value).strip()
        codes = {str(code).casefold(): code for code, _label in self.choices}
        return codes.get(value.casefold(), value)

    def validate(self, value):
        try:
            super().validate(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
            raise ValidationError(
                _("Unknown value “%(value)s”; use one of: %(codes)s.")
                % {"value": value, "codes": ", ".join(str(c) for c, _label in self.choices)},
                code="invalid_choice",
            ) from exc


def _date_field() -> PlausibleDateField:
    return PlausibleDateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Give the date as YYYY-MM-DD.")},
    )


# What a check-up found, as stored; "unknown" is no finding, so it has no place in a file.
WORK_CHOICES = [(c.value, c.label) for c in (AtWork.YES, AtWork.NO)]


class ImportRowForm:
    """One row of the file; checks what the row itself can tell (not the database).

    It works as a Django form does (each field's `clean`, then `clean_insz`, then `clean`
    with `add_error`; `errors` and `cleaned_data` as a form has them), with the same fields
    and so the same messages, but without what a form instance costs: a deep copy of every
    field, a bound field and a widget per column. On a file of 60,000 rows that cost was nine
    tenths of the check; and the few values a column of codes or dates takes are cleaned once
    a file (`cache`) instead of once a row."""

    fields = {
        # The text columns are as long as the fields they fill; the national number may
        # carry dots, dashes and spaces.
        "external_id": forms.CharField(max_length=max_length_of(Referral, "external_id")),
        "ocmw": forms.CharField(max_length=max_length_of(Organisation, "name")),
        "insz": forms.CharField(max_length=20),
        "first_name": forms.CharField(
            max_length=max_length_of(Client, "first_name"), validators=[one_line]
        ),
        "last_name": forms.CharField(
            max_length=max_length_of(Client, "last_name"), validators=[one_line]
        ),
        "gender": CodeField(choices=Gender.choices, required=False),
        "training_type": CodeField(choices=OkotType.choices),
        "training_title": forms.CharField(max_length=max_length_of(Training, "title")),
        "state": CodeField(choices=State.choices),
        "agreed_on": _date_field(),
        "intake_on": _date_field(),
        "start_date": _date_field(),
        "end_date": _date_field(),
        "end_result": CodeField(choices=EndResult.choices, required=False),
        "stop_reason": CodeField(choices=StopReason.choices, required=False),
        "obtained": CodeField(choices=Obtained.choices, required=False),
        "obtained_on": _date_field(),
        "work_3m": CodeField(choices=WORK_CHOICES, required=False),
        "work_6m": CodeField(choices=WORK_CHOICES, required=False),
        "work_9m": CodeField(choices=WORK_CHOICES, required=False),
        "work_12m": CodeField(choices=WORK_CHOICES, required=False),
    }
    # Their cleaning depends on the value alone, and a file holds few different ones.
    few_values = frozenset(
        name for name, field in fields.items() if isinstance(field, CodeField | forms.DateField)
    )

    def __init__(self, data: dict[str, Any], cache: dict | None = None):
        self.data = data
        self.cache = {} if cache is None else cache
        self.cleaned_data: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def is_valid(self) -> bool:
        for name, field in self.fields.items():
            try:
                self.cleaned_data[name] = self._clean_field(name, field)
                if name == "insz":
                    self.cleaned_data[name] = self.clean_insz()
            except ValidationError as error:
                self.add_error(name, error)
        self.clean()
        return not self.errors

    def _clean_field(self, name: str, field: forms.Field) -> Any:
        value = self.data.get(name)
        if name not in self.few_values:
            return field.clean(value)
        key = (name, value)
        if key not in self.cache:
            try:
                self.cache[key] = (field.clean(value), None)
            except ValidationError as error:
                self.cache[key] = (None, error)
        cleaned, error = self.cache[key]
        if error:
            raise error
        return cleaned

    def add_error(self, name: str, error: ValidationError | str) -> None:
        """As `Form.add_error` for one field: its messages, and its value no longer clean."""
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        self.errors.setdefault(name, []).extend(next(iter(e)) for e in error.error_list)
        self.cleaned_data.pop(name, None)

    def clean_insz(self) -> str:
        insz = self.cleaned_data["insz"]
        validate_insz(insz)
        return ssn.compact(insz)

    def clean(self) -> None:
        state = self.cleaned_data.get("state")
        if state in STATES:
            self._check_state_columns(state)
            self._check_dates(state)
            self._check_end()
        self._check_gender()

    def has(self, name: str) -> bool:
        return self.cleaned_data.get(name) not in (None, "")

    def _require(self, name: str, message: str, **params) -> None:
        """`message` (marked with gettext_noop, translated only when needed) unless the
        column has a value or an error already (an unreadable value says so)."""
        if not self.has(name) and name not in self.errors:
            self.add_error(name, _(message) % params)

    def after_training(self) -> bool:
        """Whether the referral got as far as the training (a closure after not_admitted
        did not)."""
        state = self.cleaned_data["state"]
        return state == State.ENDED or (
            state == State.CLOSED and any(self.has(name) for name in ("start_date", *END_COLUMNS))
        )

    def _check_state_columns(self, state: str) -> None:
        if state == State.CLOSED:
            needed, allowed = _THROUGH_TRAINING if self.after_training() else _THROUGH_SCREENING
        else:
            needed, allowed = STATE_COLUMNS[state]
        for name in needed:
            self._require(name, gettext_noop("Required in state “%(state)s”."), state=state)
        for name in set(STEP_COLUMNS) - {*needed, *allowed}:
            if self.has(name):
                self.add_error(
                    name,
                    _("Leave empty in state “%(state)s”: the referral did not get that far.")
                    % {"state": state},
                )
        if self.has("intake_on"):
            self._require("agreed_on", gettext_noop("Required when intake_on is given."))

    def _check_dates(self, state: str) -> None:
        today = timezone.localdate()
        earlier = None
        for name in DATE_COLUMNS:
            day = self.cleaned_data.get(name)
            if day is None:
                continue
            if earlier and day < self.cleaned_data[earlier]:
                self.add_error(
                    name,
                    _("Lies before %(column)s (%(date)s); dates follow %(order)s.")
                    % {
                        "column": earlier,
                        "date": self.cleaned_data[earlier].isoformat(),
                        "order": " ≤ ".join(DATE_COLUMNS),
                    },
                )
            may_come = name == "intake_on" and state == State.INTAKE_PLANNED
            if day > today and not may_come:
                self.add_error(name, _("Lies in the future."))
            earlier = name

    def _check_end(self) -> None:
        if not self.after_training() or self.errors.keys() & set(END_COLUMNS):
            return  # the end data are already wrong or do not belong here
        result = self.cleaned_data["end_result"]
        if result == EndResult.STOPPED_EARLY:
            self._require(
                "stop_reason", gettext_noop("Required when the end result is stopped_early.")
            )
        elif self.has("stop_reason"):
            self.add_error("stop_reason", _("Only for the end result stopped_early."))
        self._check_obtained(result)
        today = timezone.localdate()
        for name, months in WORK_COLUMNS.items():
            if not self.has(name):
                continue
            if result not in POSITIVE_END_RESULTS:
                self.add_error(
                    name,
                    _("Only after a positive end (%(results)s).")
                    % {"results": ", ".join(POSITIVE_END_RESULTS)},
                )
                continue
            due = add_months(self.cleaned_data["end_date"], months)
            if due > today:
                self.add_error(
                    name,
                    _("This check-up is only due on %(date)s.") % {"date": due.isoformat()},
                )

    def _check_obtained(self, result: str) -> None:
        """What the end obtained, as the `end` step takes it (`models.obtained`); both
        columns empty (or left out of the file): the diploma on the end date when passed,
        nothing otherwise."""
        data = self.cleaned_data
        if not self.has("obtained"):
            if self.has("obtained_on"):
                self.add_error("obtained_on", _("Only with a value in column obtained."))
                return
            data["obtained"], data["obtained_on"] = default_obtained(result, data["end_date"])
            return
        errors = obtained_errors(
            result=result,
            obtained=data["obtained"],
            obtained_on=data["obtained_on"],
            start_date=data.get("start_date"),
        )
        for name, message in errors.items():
            self.add_error(name, message)

    def _check_gender(self) -> None:
        if not (self.has("gender") and self.has("insz")):
            return
        _birth_date, derived = insz_birth_date_and_gender(self.cleaned_data["insz"])
        if derived and derived != self.cleaned_data["gender"]:
            self.add_error(
                "gender",
                _("The national number gives gender %(gender)s.") % {"gender": derived},
            )


def history(data: dict[str, Any]) -> dict[str, Any]:
    """A checked row as imported, for its history line (JSON-able), without personal data."""
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in data.items()
        if name in HISTORY_COLUMNS
    }


def form_errors(form: ImportRowForm) -> list[str]:
    """The form's errors as the import reports them: "column: reason"."""
    return [
        message if name == "__all__" else f"{name}: {message}"
        for name, errors in form.errors.items()
        for message in errors
    ]
