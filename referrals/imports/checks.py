"""Checking every row of a file of existing trajectories: each row on its own (the row
form), then the rows against each other and the database (all lookups in bulk)."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import Organisation

from ..enums import FINAL_STATES
from ..models import Client, Referral, Training
from ..models.clients import name_key
from .files import ImportRow
from .rowform import ImportRowForm, form_errors


@dataclass
class RowError:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(slots=True)
class CheckedRow:
    line: int
    data: dict[str, Any]
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


PROGRESS_EVERY = 1_000  # rows checked between two calls of `progress`


def check_rows(rows: list[ImportRow], progress: Callable[[int], None] | None = None) -> ImportPlan:
    """Check every row; the plan lists the rows to import, or every error of the file.
    `progress`, if given, is told the number of rows checked every PROGRESS_EVERY rows."""
    plan = ImportPlan()
    external_ids = {row.external_id for row in rows}
    existing = _existing_external_ids(external_ids - {""})
    ocmws = _ocmws_by_name()
    trainings = _trainings_by_title()
    first_lines: dict[str, int] = {}
    named = _NamedClients()
    cache: dict = {}  # the cleaned values of the columns of codes and dates
    for done, row in enumerate(rows):
        if progress and done and done % PROGRESS_EVERY == 0:
            progress(done)
        errors = []
        external_id = row.external_id
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
        form = ImportRowForm(data=row.values, cache=cache)
        form.is_valid()
        errors.extend(form_errors(form))
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
            plan.rows.append(CheckedRow(row.line, data, ocmw, training))
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
