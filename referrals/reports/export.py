"""Tables out of the application: CSV for machines and Excel, XLSX for people."""

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..workbooks import xlsx_text
from .small import is_suppressed, small_cells_note
from .tables import NOT_DUE, Table

# UTF-8 with a byte order mark: without it Excel reads a CSV in the Windows code page.
CSV_ENCODING = "utf-8-sig"


def csv_value(value) -> str:
    """Codes and plain numbers, decimals with a comma; empty when not due or not computable;
    "<5" and "x" where a small number is hidden, as on the page."""
    if value is None or value is NOT_DUE:
        return ""
    if is_suppressed(value):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def to_csv(table: Table) -> str:
    """The table as CSV that Belgian Excel opens in columns and scripts read alike.

    A `group` column of codes (`tables.TOTAL` for the total row) and a `label` column
    saying the same in the reader's language, then one column per figure, headed by its
    code; the total last. Separated by semicolons with a decimal comma, lines ending in
    CRLF: what Excel expects under Belgian (and most European) regional settings, which
    decide how it splits a CSV, whatever language the app speaks; the separators do not
    follow the language, so that a script reads every download the same way. The download
    adds a byte order mark (`CSV_ENCODING`), for Excel to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["group", "label", *(column.key for column in table.columns)])
    for row, cells in table.cell_rows():
        writer.writerow([row.group, str(row.label), *(csv_value(cell) for cell in cells)])
    return buffer.getvalue()


def _append(sheet, values: list) -> None:
    sheet.append([xlsx_text(value) if isinstance(value, str) else value for value in values])


def to_xlsx(tables: list[Table], *, subtitle: str = "") -> bytes:
    """One sheet per table, with the labels people read and numbers Excel can compute with."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used_titles: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table, used_titles))
        _append(sheet, [str(table.title)])
        sheet["A1"].font = Font(bold=True, size=13)
        if subtitle:
            _append(sheet, [subtitle])
        _append(sheet, [])
        _append(sheet, [str(table.group_label), *(str(column.label) for column in table.columns)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row, cells in table.cell_rows():
            _append(sheet, [_xlsx_label(row.label), *(_xlsx_value(cell) for cell in cells)])
            for column, cell in zip(table.columns, sheet[sheet.max_row][1:], strict=True):
                if column.kind == "percent" and isinstance(cell.value, float):
                    cell.number_format = "0.00%"
            if row.is_total:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
        if table.note:
            _append(sheet, [])
            _append(sheet, [str(table.note)])
        if table.small_cells:
            _append(sheet, [])
            _append(sheet, [small_cells_note(table.small_cells)])
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_label(label) -> str | int:
    """A row's label; a number as a number (the trend's start years), which Excel would
    otherwise flag as a number stored as text."""
    label = str(label)
    return int(label) if label.isascii() and label.isdigit() else label  # not "²"


def _xlsx_value(value):
    if value is NOT_DUE:
        return _("n/a")
    if is_suppressed(value):
        return str(value)
    if isinstance(value, Decimal):
        return float(value / 100)
    return value


SHEET_NAMES = {  # short: a sheet's name has at most 31 characters
    "funnel": pgettext_lazy("sheet name", "Funnel"),
    "starts": pgettext_lazy("sheet name", "Starts"),
    "early-stops": pgettext_lazy("sheet name", "Stops"),
    "interruptions": pgettext_lazy("sheet name", "Interruptions"),
    "diplomas": pgettext_lazy("sheet name", "Diplomas"),
    "outflow": pgettext_lazy("sheet name", "Outflow"),
    "status": pgettext_lazy("sheet name", "Where now"),
    "trend": pgettext_lazy("sheet name", "Trend"),
}


SHEET_NAME_LENGTH = 31  # Excel's limit
# Characters Excel refuses in a sheet's name: a slash becomes a dash, the others a space.
SHEET_NAME_FORBIDDEN = str.maketrans({"/": "-", "\\": "-", **dict.fromkeys("[]:*?", " ")})


def _sheet_title(table: Table, used: set[str]) -> str:
    """A short name that says what the sheet holds, in whole words: Excel allows 31
    characters, none of []:*?/\\, and no two names alike whatever their case. A name too
    long ends with "…" after its last whole word that fits; the sheet's first cell has the
    table's full title."""
    name = str(SHEET_NAMES.get(table.slug, table.title))
    if table.by:
        name = f"{name} - {table.group_label}"
    # No apostrophe at either end: Excel refuses those too.
    name = " ".join(xlsx_text(name).translate(SHEET_NAME_FORBIDDEN).split()).strip("' ")
    title, n = _shortened(name, SHEET_NAME_LENGTH), 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title = _shortened(name, SHEET_NAME_LENGTH - len(suffix)) + suffix
        n += 1
    used.add(title.casefold())
    return title


def _shortened(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its first whole words and "…" (a
    single word longer than that is cut, as it must)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" -") + "…"
