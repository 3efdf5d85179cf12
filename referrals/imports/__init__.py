"""Importing existing trajectories, because every OCMW starts with a spreadsheet.

`read_rows` turns a CSV or XLSX file into rows (`files`, `xlsx`) within the caps of
`limits`, `check_rows` checks each row (a form, `rowform`) and the rows against each other
and the database, all lookups in bulk (`checks`), and `referral_import` writes them, all
rows or none (`write`). Every import leaves its row in the audit trail, naming its file by
checksum (`source`)."""

from .checks import CheckedRow, ImportPlan, RowError, check_rows
from .files import (
    ALL_COLUMNS,
    COLUMNS,
    DATE_COLUMNS,
    OPTIONAL_COLUMNS,
    WORK_COLUMNS,
    ImportRow,
    check_file_name,
    read_rows,
)
from .limits import MB, ImportFileError, ImportLimits, number
from .source import REFUSED, ImportSource, record_import
from .write import ImportResult, referral_import

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "MB",
    "DATE_COLUMNS",
    "WORK_COLUMNS",
    "CheckedRow",
    "ImportFileError",
    "ImportLimits",
    "ImportPlan",
    "ImportResult",
    "ImportRow",
    "ImportSource",
    "REFUSED",
    "RowError",
    "check_file_name",
    "check_rows",
    "number",
    "read_rows",
    "record_import",
    "referral_import",
]
