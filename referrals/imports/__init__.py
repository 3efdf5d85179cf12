"""Importing existing trajectories, because every OCMW starts with a spreadsheet.

`read_rows` turns a CSV or XLSX file into rows, `check_rows` checks each row (a form) and
the rows against each other and the database (all lookups in bulk). Writing is
`services.referral_import`, which imports all rows or none."""

from .checks import CheckedRow, ImportPlan, ImportResult, RowError, check_rows
from .files import COLUMNS, DATE_COLUMNS, WORK_COLUMNS, ImportFileError, ImportRow, read_rows

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
]
