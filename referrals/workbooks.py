"""What every workbook the application makes (the lists', the figures') writes the same way."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_text(text: str) -> str:
    """`text` as a cell may hold it: without the control characters XML refuses (openpyxl
    raises IllegalCharacterError). A name typed, imported or sent through the API with one
    made every download of a list or table that showed it fail."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)
