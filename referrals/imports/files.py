"""Reading a file of existing trajectories: CSV or XLSX into numbered rows of text and dates.

Both formats are read as a stream, a line or a sheet row at a time, within `ImportLimits`:
a file past a cap is refused with a message that names the cap, never read whole."""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from .limits import MB, ImportFileError, ImportLimits, number
from .xlsx import xlsx_records

DATE_COLUMNS = ("agreed_on", "intake_on", "start_date", "end_date")  # in the order of the flow
WORK_COLUMNS = {"work_3m": 3, "work_6m": 6, "work_9m": 9, "work_12m": 12}
COLUMNS = (
    *("external_id", "ocmw", "insz", "first_name", "last_name", "gender"),
    *("training_type", "training_title", "state", *DATE_COLUMNS, "end_result", "stop_reason"),
    *WORK_COLUMNS,
)
# Columns a file may leave out (older files do): empty in every row when it does. What an
# end obtained, and when; left empty, a passed end obtained the diploma on its end date.
OPTIONAL_COLUMNS = ("obtained", "obtained_on")
ALL_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS)


@dataclass(slots=True)
class ImportRow:
    line: int  # as the user sees it: CSV line (header is 1) or the sheet's row number
    cells: tuple  # in the order of ALL_COLUMNS: a fifth of the memory of a dict

    @property
    def values(self) -> dict[str, Any]:
        return dict(zip(ALL_COLUMNS, self.cells, strict=True))

    @property
    def external_id(self) -> str:
        return str(self.cells[0]).strip()


def read_rows(name: str, content: bytes, limits: ImportLimits | None = None) -> list[ImportRow]:
    """The data rows of a .csv or .xlsx file, empty rows left out."""
    limits = limits or ImportLimits.from_settings()
    if len(content) > limits.file_bytes:
        raise ImportFileError(
            _("The file is larger than %(size)d MB; split it.") % {"size": limits.file_bytes // MB}
        )
    if check_file_name(name) == ".csv":
        records = _csv_records(content, limits)
    else:
        records = xlsx_records(content, limits)
    try:
        return _rows(records, limits)
    finally:
        records.close()  # an XLSX file's workbook, when a cap stopped reading it halfway


def check_file_name(name: str) -> str:
    """The kind of file `name` says it is (".csv" or ".xlsx"), or ImportFileError."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(_("Give a .csv or .xlsx file."))
    return suffix


def _csv_records(content: bytes, limits: ImportLimits) -> Iterator[tuple[int, list]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    lines = _BoundedLines(text, limits.line_chars)
    try:
        header = next(lines, "")
        if not header:
            return
        # Dutch-language Excel separates with ";", most other tools with ",".
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.reader(chain([header], lines), delimiter=delimiter)
        for line, record in enumerate(reader, start=1):
            lines.record_read()
            yield line, record
    except _LineTooLong as exc:
        raise ImportFileError(
            _("Line %(line)d is longer than %(max)s characters.")
            % {"line": lines.records + 1, "max": number(limits.line_chars)}
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.")
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a readable CSV file.")) from exc


class _LineTooLong(Exception):
    pass


class _BoundedLines:
    """The lines of a text, read lazily; each record (a line, or more when a quoted cell holds
    line breaks) at most `limit` characters, so that one endless line is never read whole."""

    def __init__(self, text: io.TextIOBase, limit: int):
        self.text, self.limit = text, limit
        self.used = self.records = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used > self.limit:
            raise _LineTooLong
        return line

    def record_read(self) -> None:
        self.used = 0
        self.records += 1


def _rows(records: Iterator[tuple[int, list]], limits: ImportLimits) -> list[ImportRow]:
    first = next(records, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    names = [str(cell).strip().lower() if cell is not None else "" for cell in first[1]]
    while names and not names[-1]:
        names.pop()
    if len(names) > limits.columns:
        raise ImportFileError(
            _("The first row names more than %(max)s columns.") % {"max": number(limits.columns)}
        )
    for name in ALL_COLUMNS:
        if names.count(name) > 1:
            raise ImportFileError(_("The column %(column)s appears twice.") % {"column": name})
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The first row names the columns: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    # Only the import's columns are kept; cells right of the last named column are ignored,
    # and an optional column the file leaves out is empty in every row (index -1).
    kept = [(name, names.index(name) if name in names else -1) for name in ALL_COLUMNS]
    rows = []
    for line, record in records:
        if line > limits.last_line:
            raise ImportFileError(
                _("The file has more than %(max)s rows; split it.") % {"max": number(limits.rows)}
            )
        width = len(record)
        cells = tuple(
            _cell(name, record[index], line, limits) if 0 <= index < width else ""
            for name, index in kept
        )
        if any(cell != "" for cell in cells):
            rows.append(ImportRow(line=line, cells=cells))
    return rows


def _cell(column: str, value: Any, line: int, limits: ImportLimits) -> Any:
    """A cell as the row form reads it: text, or a date from a spreadsheet's date cell."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date):
        return value
    text = _text(column, value)
    if len(text) > limits.cell_chars:
        raise ImportFileError(
            _("Line %(line)d: the cell in column %(column)s holds more than %(max)s characters.")
            % {"line": line, "column": column, "max": number(limits.cell_chars)}
        )
    return text.strip()


def _text(column: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and column == "insz":
        return f"{value:011d}"  # a number cell lost the leading zero of a 200x birth
    return str(value)
