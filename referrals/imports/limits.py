"""What one file of existing trajectories may hold: the OKOT_IMPORT_MAX_* settings.

Every cap bounds what reading a file can cost whatever the file holds; past one, the file is
refused with a message that names it (`ImportFileError`), before it is read any further."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format

MB = 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns, a cap); says why."""


@dataclass(frozen=True)
class ImportLimits:
    file_bytes: int  # the file as uploaded
    unpacked_bytes: int  # an .xlsx file's parts unpacked, together
    rows: int  # after the header
    columns: int
    cell_chars: int  # in each of the import's columns

    @classmethod
    def from_settings(cls) -> "ImportLimits":
        return cls(
            file_bytes=settings.OKOT_IMPORT_MAX_FILE_MB * MB,
            unpacked_bytes=settings.OKOT_IMPORT_MAX_UNPACKED_MB * MB,
            rows=settings.OKOT_IMPORT_MAX_ROWS,
            columns=settings.OKOT_IMPORT_MAX_COLUMNS,
            cell_chars=settings.OKOT_IMPORT_MAX_CELL_CHARS,
        )

    @property
    def last_line(self) -> int:
        return self.rows + 1  # the header is line 1

    @property
    def line_chars(self) -> int:
        """The longest line of a CSV file: every column at its longest, quoted, separated."""
        return self.columns * (self.cell_chars + 3)


def number(value: int) -> str:
    """A cap as the user's language writes numbers (100.000 or 100,000)."""
    return number_format(value, force_grouping=True)
