"""Checking every row of a file of existing trajectories: each row on its own (a form), then
the rows against each other and the database (all lookups in bulk)."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.be import ssn

from accounts.models import Organisation

from ..forms import PlausibleDateField
from ..models import (
    Client,
    EndResult,
    Gender,
    OkotType,
    OutcomeCheck,
    Referral,
    State,
    StopReason,
    Training,
)
from ..models.clients import insz_birth_date_and_gender, name_key, validate_insz
from ..models.referral import FINAL_STATES, POSITIVE_END_RESULTS, add_months
from .files import DATE_COLUMNS, WORK_COLUMNS, ImportRow

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


@dataclass
class RowError:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    imported: int = 0
    already_imported: int = 0
    clients_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        counts = {"imported": self.imported, "skipped": self.already_imported}
        if self.dry_run:
            return (
                _("Dry run: %(imported)d would be imported, %(skipped)d already imported.") % counts
                + " "
                + _("Nothing was written.")
            )
        return _("%(imported)d imported, %(skipped)d already imported.") % counts


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
WORK_CHOICES = [(c.value, c.label) for c in (OutcomeCheck.AtWork.YES, OutcomeCheck.AtWork.NO)]


class ImportRowForm(forms.Form):
    """One row of the file; checks what the row itself can tell (not the database)."""

    external_id = forms.CharField(max_length=100)
    ocmw = forms.CharField(max_length=200)
    insz = forms.CharField(max_length=20)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    gender = CodeField(choices=Gender.choices, required=False)
    training_type = CodeField(choices=OkotType.choices)
    training_title = forms.CharField(max_length=200)
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


def _form_errors(form: ImportRowForm) -> Iterator[str]:
    for name, errors in form.errors.items():
        for message in errors:
            yield message if name == "__all__" else f"{name}: {message}"


# --- all rows, against each other and the database ---------------------------------------


@dataclass
class CheckedRow:
    line: int
    data: dict[str, Any]
    history: dict[str, Any]
    ocmw: Organisation
    training: Training
    client: Client | None = None

    @property
    def client_key(self) -> tuple[int, str]:
        return (self.ocmw.pk, self.data["insz"])


@dataclass
class ImportPlan:
    rows: list[CheckedRow] = field(default_factory=list)
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)


def check_rows(rows: list[ImportRow]) -> ImportPlan:
    """Check every row; the plan lists the rows to import, or every error of the file."""
    plan = ImportPlan()
    external_ids = {str(row.values.get("external_id", "")).strip() for row in rows}
    existing = _existing_external_ids(external_ids - {""})
    ocmws = _ocmws_by_name()
    trainings = _trainings_by_title()
    first_lines: dict[str, int] = {}
    named = _NamedClients()
    for row in rows:
        errors = []
        external_id = str(row.values.get("external_id", "")).strip()
        if external_id in first_lines:
            errors.append(
                _("external_id: “%(id)s” is also on line %(line)d.")
                % {"id": external_id, "line": first_lines[external_id]}
            )
        elif external_id:
            first_lines[external_id] = row.line
        if external_id in existing and not errors:
            plan.already_imported += 1
            continue
        form = ImportRowForm(data=row.values)
        form.is_valid()
        errors.extend(_form_errors(form))
        data = form.cleaned_data
        ocmw = None
        if "ocmw" in data:
            ocmw, error = _find_ocmw(ocmws, data["ocmw"])
            if error:
                errors.append(error)
        if ocmw and data.keys() >= {"insz", "first_name", "last_name"}:
            errors.extend(named.add(row.line, (ocmw.pk, data["insz"]), data))
        training = None
        if "training_type" in data and "training_title" in data:
            training, error = _find_training(
                trainings, data["training_type"], data["training_title"]
            )
            if error:
                errors.append(error)
        if errors:
            plan.errors.extend(RowError(row.line, message) for message in errors)
        else:
            plan.rows.append(CheckedRow(row.line, data, form.history(), ocmw, training))
    clients = _existing_clients(named.keys())
    _check_client_names(plan, named, clients)
    for checked in plan.rows:
        checked.client = clients.get(checked.client_key)
    _check_open_referrals(plan)
    plan.errors.sort(key=lambda error: error.line)
    if plan.errors:
        plan.rows = []
    return plan


class _NamedClients:
    """The client (OCMW and national number) and name of each row, to find one number with
    two names: in the file (here) or against the database (`_check_client_names`)."""

    def __init__(self):
        self.first: dict[tuple[int, str], tuple[int, tuple[str, str]]] = {}
        self.rows: list[tuple[int, tuple[int, str], dict[str, Any]]] = []

    def add(self, line: int, key: tuple[int, str], data: dict[str, Any]) -> list[str]:
        name = name_key(data["first_name"], data["last_name"])
        first_line, first_name = self.first.setdefault(key, (line, name))
        if name != first_name:
            return [
                _(
                    "insz: line %(line)d has this national number with another name. "
                    "Check both with the client."
                )
                % {"line": first_line}
            ]
        self.rows.append((line, key, data))
        return []

    def keys(self) -> set[tuple[int, str]]:
        return set(self.first)


def _check_client_names(
    plan: ImportPlan, named: _NamedClients, clients: dict[tuple[int, str], Client]
) -> None:
    """A row is linked to its OCMW's client with its national number only if the name matches
    too: a typing error in the number would otherwise link a stranger's file."""
    wrong = set()
    for line, key, data in named.rows:
        client = clients.get(key)
        if client and not client.has_name(data["first_name"], data["last_name"]):
            message = _(
                "insz: this OCMW already has a client with this national number and another "
                "name. Check both with the client."
            )
            plan.errors.append(RowError(line, message))
            wrong.add(line)
    plan.rows = [row for row in plan.rows if row.line not in wrong]


def _chunks(values: Iterable, size: int = 500) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_external_ids(external_ids: set[str]) -> set[str]:
    return {
        external_id
        for chunk in _chunks(external_ids)
        for external_id in Referral.objects.filter(external_id__in=chunk).values_list(
            "external_id", flat=True
        )
    }


def _ocmws_by_name() -> dict[str, list[Organisation]]:
    ocmws: dict[str, list[Organisation]] = {}
    for ocmw in Organisation.objects.filter(kind=Organisation.Kind.OCMW):
        ocmws.setdefault(ocmw.name.casefold(), []).append(ocmw)
    return ocmws


def _find_ocmw(ocmws, name: str) -> tuple[Organisation | None, str]:
    """The OCMW of this name, in any case; none when two names differ only in case."""
    found = ocmws.get(name.casefold(), [])
    if not found:
        return None, _("ocmw: unknown OCMW “%(name)s”.") % {"name": name}
    if len(found) > 1:
        names = ", ".join(sorted(ocmw.name for ocmw in found))
        return None, _(
            "ocmw: more than one OCMW is named “%(name)s” (%(names)s); "
            "give them distinct names first."
        ) % {"name": name, "names": names}
    return found[0], ""


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _trainings_by_title() -> dict[tuple[str, str], list[Training]]:
    trainings: dict[tuple[str, str], list[Training]] = {}
    for training in Training.objects.order_by("-active", "pk"):
        trainings.setdefault((training.okot_type, _title_key(training.title)), []).append(training)
    return trainings


def _find_training(trainings, okot_type: str, title: str) -> tuple[Training | None, str]:
    """The catalogue's training of this type and title (an active one first)."""
    found = trainings.get((okot_type, _title_key(title)), [])
    active = [training for training in found if training.active] or found
    params = {"type": okot_type, "title": title}
    if not found:
        return None, _(
            "training_title: no training “%(title)s” of type %(type)s in the catalogue; "
            "add it to the catalogue first."
        ) % params
    if len(active) > 1:
        places = ", ".join(training.location for training in active)
        return None, _(
            "training_title: more than one training “%(title)s” of type %(type)s "
            "(%(places)s); give them distinct titles in the catalogue first."
        ) % {**params, "places": places}
    return active[0], ""


def _check_open_referrals(plan: ImportPlan) -> None:
    """One open referral per client and training: against the database and earlier rows."""
    open_pairs = {
        pair
        for chunk in _chunks({row.client.pk for row in plan.rows if row.client})
        for pair in Referral.objects.open()
        .filter(client_id__in=chunk)
        .values_list("client_id", "training_id")
    }
    opened: dict[tuple, int] = {}
    checked = []
    for row in plan.rows:
        if row.data["state"] in FINAL_STATES:
            checked.append(row)
            continue
        key = (*row.client_key, row.training.pk)
        if row.client and (row.client.pk, row.training.pk) in open_pairs:
            message = _("This client already has an open referral for this training.")
        elif key in opened:
            message = _(
                "This client already has an open referral for this training on line %(line)d."
            ) % {"line": opened[key]}
        else:
            opened[key] = row.line
            checked.append(row)
            continue
        plan.errors.append(RowError(row.line, message))
    plan.rows = checked


def _existing_clients(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Client]:
    ocmw_ids = {ocmw_id for ocmw_id, _insz in keys}
    clients = {}
    for chunk in _chunks({insz for _ocmw_id, insz in keys}):
        for client in Client.objects.filter(ocmw_id__in=ocmw_ids, insz__in=chunk):
            clients[(client.ocmw_id, client.insz)] = client
    return clients
