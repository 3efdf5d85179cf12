"""Reading a file of existing trajectories: CSV or XLSX into numbered rows of text and dates."""

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

DATE_COLUMNS = ("agreed_on", "intake_on", "start_date", "end_date")  # in the order of the flow
WORK_COLUMNS = {"work_3m": 3, "work_6m": 6, "work_9m": 9, "work_12m": 12}
COLUMNS = (
    *("external_id", "ocmw", "insz", "first_name", "last_name", "gender"),
    *("training_type", "training_title", "state", *DATE_COLUMNS, "end_result", "stop_reason"),
    *WORK_COLUMNS,
)


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns); says why."""


@dataclass
class ImportRow:
    line: int  # as the user sees it: CSV line (header is 1) or the sheet's row number
    values: dict[str, Any]


def read_rows(name: str, content: bytes) -> list[ImportRow]:
    """The data rows of a .csv or .xlsx file, empty rows left out."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        records = _csv_records(content)
    elif suffix == ".xlsx":
        records = _xlsx_records(content)
    else:
        raise ImportFileError(_("Give a .csv or .xlsx file."))
    return _rows(records)


def _csv_records(content: bytes) -> list[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.")
        ) from exc
    header = text.split("\n", 1)[0]
    # Dutch-language Excel separates with ";", most other tools with ",".
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a readable CSV file.")) from exc


def _xlsx_records(content: bytes) -> list[tuple[int, list]]:
    # A damaged file fails in many ways inside openpyxl, zipfile and the XML parser; in
    # read-only mode the sheet is only parsed while its rows are read, so that is covered too.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # not every tool writes the sheet's size correctly
            rows = sheet.iter_rows(min_row=1, values_only=True)
            return [(number, list(row)) for number, row in enumerate(rows, start=1)]
        finally:
            workbook.close()
    except Exception as exc:
        raise ImportFileError(_("The file is not a readable XLSX file.")) from exc


def _rows(records: list[tuple[int, list]]) -> list[ImportRow]:
    if not records:
        raise ImportFileError(_("The file is empty."))
    (_line, header), *data = records
    names = [str(cell).strip().lower() if cell is not None else "" for cell in header]
    for name in COLUMNS:
        if names.count(name) > 1:
            raise ImportFileError(_("The column %(column)s appears twice.") % {"column": name})
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The first row names the columns: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    rows = []
    for line, record in data:
        values = {
            name: _cell(name, value)
            for name, value in zip(names, record, strict=False)
            if name in COLUMNS
        }
        if any(value != "" for value in values.values()):
            rows.append(ImportRow(line=line, values=values))
    return rows


def _cell(column: str, value: Any) -> Any:
    """A cell as the row form reads it: text, or a date from a spreadsheet's date cell."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and column == "insz":
        return f"{value:011d}"  # a number cell lost the leading zero of a 200x birth
    if isinstance(value, datetime.date):
        return value
    return str(value).strip()
