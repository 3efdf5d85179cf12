"""Importing existing trajectories, because every OCMW starts with a spreadsheet.

`read_rows` turns a CSV or XLSX file into rows (`files`), `check_rows` checks each row (a
form, `rowform`) and the rows against each other and the database, all lookups in bulk
(`checks`), and `referral_import` writes them, all rows or none (`write`)."""

from .checks import CheckedRow, ImportPlan, RowError, check_rows
from .files import COLUMNS, DATE_COLUMNS, WORK_COLUMNS, ImportFileError, ImportRow, read_rows
from .write import ImportResult, referral_import

__all__ = [
    "COLUMNS",
    "DATE_COLUMNS",
    "WORK_COLUMNS",
    "CheckedRow",
    "ImportFileError",
    "ImportPlan",
    "ImportResult",
    "ImportRow",
    "RowError",
    "check_rows",
    "read_rows",
    "referral_import",
]
