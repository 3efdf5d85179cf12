"""One row of a file of existing trajectories, checked on its own (a form): what the row
itself can tell, without the database. `checks` then checks the rows together."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.be import ssn

from accounts.models import Organisation

from ..enums import POSITIVE_END_RESULTS, AtWork, EndResult, Gender, OkotType, State, StopReason
from ..formfields import PlausibleDateField
from ..models.clients import Client, insz_birth_date_and_gender, validate_insz
from ..models.referral import Referral, add_months
from ..models.trainings import Training
from ..textlimits import max_length_of
from .files import DATE_COLUMNS, WORK_COLUMNS

END_COLUMNS = ("end_date", "end_result", "stop_reason", *WORK_COLUMNS)
STEP_COLUMNS = (*DATE_COLUMNS, *END_COLUMNS[1:])
# What the history line keeps of a row: the trajectory, never the person (national number,
# name, gender); those are in the client's file, which only the OCMW may read.
HISTORY_COLUMNS = (
    *("external_id", "ocmw", "training_type", "training_title", "state"),
    *(*DATE_COLUMNS, "end_result", "stop_reason", *WORK_COLUMNS),
)

# Per state: the step columns it needs and those it may also carry; the others are an error.
_THROUGH_TRAINING = (
    ("agreed_on", "start_date", "end_date", "end_result"),
    ("intake_on", "stop_reason", *WORK_COLUMNS),
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

    def __deepcopy__(self, memo):
        # Every row's form copies its fields: share the fixed codes instead of copying them.
        return forms.Field.__deepcopy__(self, memo)

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


class ImportRowForm(forms.Form):
    """One row of the file; checks what the row itself can tell (not the database)."""

    # The text columns are as long as the fields they fill; the national number may carry
    # dots, dashes and spaces.
    external_id = forms.CharField(max_length=max_length_of(Referral, "external_id"))
    ocmw = forms.CharField(max_length=max_length_of(Organisation, "name"))
    insz = forms.CharField(max_length=20)
    first_name = forms.CharField(max_length=max_length_of(Client, "first_name"))
    last_name = forms.CharField(max_length=max_length_of(Client, "last_name"))
    gender = CodeField(choices=Gender.choices, required=False)
    training_type = CodeField(choices=OkotType.choices)
    training_title = forms.CharField(max_length=max_length_of(Training, "title"))
    state = CodeField(choices=State.choices)
    agreed_on = _date_field()
    intake_on = _date_field()
    start_date = _date_field()
    end_date = _date_field()
    end_result = CodeField(choices=EndResult.choices, required=False)
    stop_reason = CodeField(choices=StopReason.choices, required=False)
    work_3m = CodeField(choices=WORK_CHOICES, required=False)
    work_6m = CodeField(choices=WORK_CHOICES, required=False)
    work_9m = CodeField(choices=WORK_CHOICES, required=False)
    work_12m = CodeField(choices=WORK_CHOICES, required=False)

    def clean_insz(self) -> str:
        insz = self.cleaned_data["insz"]
        validate_insz(insz)
        return ssn.compact(insz)

    def clean(self):
        data = super().clean()
        state = data.get("state")
        if state in State.values:
            self._check_state_columns(state)
            self._check_dates(state)
            self._check_end()
        self._check_gender()
        return data

    def has(self, name: str) -> bool:
        return self.cleaned_data.get(name) not in (None, "")

    def _require(self, name: str, message: str) -> None:
        if not self.has(name) and name not in self.errors:  # an unreadable value says so
            self.add_error(name, message)

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
            self._require(name, _("Required in state “%(state)s”.") % {"state": state})
        for name in set(STEP_COLUMNS) - {*needed, *allowed}:
            if self.has(name):
                self.add_error(
                    name,
                    _("Leave empty in state “%(state)s”: the referral did not get that far.")
                    % {"state": state},
                )
        if self.has("intake_on"):
            self._require("agreed_on", _("Required when intake_on is given."))

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
            self._require("stop_reason", _("Required when the end result is stopped_early."))
        elif self.has("stop_reason"):
            self.add_error("stop_reason", _("Only for the end result stopped_early."))
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

    def _check_gender(self) -> None:
        if not (self.has("gender") and self.has("insz")):
            return
        _birth_date, derived = insz_birth_date_and_gender(self.cleaned_data["insz"])
        if derived and derived != self.cleaned_data["gender"]:
            self.add_error(
                "gender",
                _("The national number gives gender %(gender)s.") % {"gender": derived},
            )

    def history(self) -> dict[str, Any]:
        """The row as imported for the history line (JSON-able), without personal data."""
        return {
            name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in self.cleaned_data.items()
            if name in HISTORY_COLUMNS
        }


def form_errors(form: ImportRowForm) -> list[str]:
    """The form's errors as the import reports them: "column: reason"."""
    return [
        message if name == "__all__" else f"{name}: {message}"
        for name, errors in form.errors.items()
        for message in errors
    ]
