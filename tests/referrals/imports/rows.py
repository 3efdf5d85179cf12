"""Rows and files for the import tests: a valid row per state, CSV and XLSX writers."""

import csv
import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl

from referrals import imports
from tests.referrals.factories import make_insz

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime.datetime(2025, 6, 16, 14, 30, tzinfo=BRUSSELS)

AGREED_ON = "2024-09-02"
INTAKE_ON = "2024-09-16"
START = "2024-10-01"
END = "2025-01-31"  # the 3-month check-up was due on 2025-04-30, the 6-month one is not yet

# Valid step columns for a row in each state (the rest of the row from `row()`).
STATE_VALUES = {
    "informed": {},
    "candidate": {},
    "declined": {},
    "agreed": {"agreed_on": AGREED_ON},
    "intake_planned": {"agreed_on": "2025-06-02", "intake_on": "2025-06-20"},
    "admitted": {"agreed_on": AGREED_ON, "intake_on": INTAKE_ON},
    "not_admitted": {"agreed_on": AGREED_ON, "intake_on": INTAKE_ON},
    "in_training": {"agreed_on": AGREED_ON, "intake_on": INTAKE_ON, "start_date": START},
    "ended": {
        "agreed_on": AGREED_ON,
        "intake_on": INTAKE_ON,
        "start_date": START,
        "end_date": END,
        "end_result": "passed",
        "work_3m": "yes",
    },
    "closed": {
        "agreed_on": AGREED_ON,
        "start_date": START,
        "end_date": END,
        "end_result": "stopped_early",
        "stop_reason": "illness",
    },
    "withdrawn": {"agreed_on": AGREED_ON, "intake_on": INTAKE_ON},
}


def insz(serial: int) -> str:
    return make_insz(datetime.date(1985, 3, 12), serial)


def row(external_id: str = "imp-1", state: str = "agreed", serial: int = 1, **values) -> dict:
    """A valid row in `state` for a client of OCMW Gent and the HBO5 nursing training."""
    return {
        **dict.fromkeys(imports.ALL_COLUMNS, ""),
        "external_id": external_id,
        "ocmw": "OCMW Gent",
        "insz": insz(serial),
        "first_name": "Sara",
        "last_name": "Peeters",
        "training_type": "HBO",
        "training_title": "Verpleegkunde HBO5",
        "state": state,
        **STATE_VALUES.get(state, {}),
        **values,
    }


def every_state() -> list[dict]:
    """One row per state, each for another client; plus a closure after not_admitted."""
    rows = [row(f"imp-{state}", state, serial) for serial, state in enumerate(STATE_VALUES, 1)]
    closed_unadmitted = {"agreed_on": AGREED_ON, "intake_on": INTAKE_ON}
    return [*rows, row("imp-closed-unadmitted", "closed", 99, **closed_unadmitted)]


def write_csv(path, rows: list[dict], *, delimiter=",", encoding="utf-8", columns=None):
    columns = columns or imports.COLUMNS
    with open(path, "w", newline="", encoding=encoding) as file:
        writer = csv.DictWriter(file, fieldnames=columns, delimiter=delimiter)
        writer.writeheader()
        writer.writerows({name: r.get(name, "") for name in columns} for r in rows)
    return path


def import_csv(
    tmp_path, rows: list[dict], *, user=None, dry_run=False, columns=None
) -> imports.ImportResult:
    """Import `rows` from a CSV file with `columns` (default: those every file has)."""
    path = write_csv(tmp_path / "referrals.csv", rows, columns=columns)
    parsed = imports.read_rows(path.name, path.read_bytes())
    return imports.referral_import(rows=parsed, user=user, dry_run=dry_run)


def errors_of(result) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


def local(day: str, hour: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=BRUSSELS
    )


def write_xlsx(path, rows: list[list]) -> object:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


def truncated_sheet(content: bytes) -> bytes:
    """The workbook `content` with the XML of its first sheet cut off halfway: the workbook
    still opens, the sheet fails only while its rows are read."""
    damaged = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return damaged.getvalue()
