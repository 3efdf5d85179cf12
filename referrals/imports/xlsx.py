"""Reading the first sheet of an .xlsx file, a row at a time, within `ImportLimits`.

An .xlsx file is a zip of XML parts. openpyxl's read-only mode streams a sheet's rows, but it
builds each row whole, keeps an element for every row it has passed, and loads the shared
strings and the styles whole: a file of a few kilobytes can unpack to a single row of a
million cells, or to millions of rows or strings. So before openpyxl opens a file, the zip's
directory is checked (how many parts, how large unpacked), and every part is scanned once as
a stream (expat, one element at a time, nothing kept, the unpacked bytes counted) against the
caps below; openpyxl then reads no further right than the last column the header names."""

import io
import pyexpat
import zipfile
from collections.abc import Iterator

import openpyxl
from django.utils.translation import gettext as _

from .limits import MB, ImportFileError, ImportLimits, number

PARTS = 1_000  # a workbook with charts and images has a few dozen
SHEETS = 1_000
ROW_ELEMENTS = 4 * 16_384  # a sheet ends at column XFD (16,384); a cell is a few elements
ROW_CHARS = 1_000_000
STRINGS_PER_ROW = 5  # distinct texts a row adds: external id, names, national number, ...
STRING_ELEMENTS = 1_000  # the formatted runs of one shared string
STRING_CHARS = 32_767  # Excel's own limit for a cell
OTHER_ELEMENTS = 200_000  # styles, sheet list, names: everything outside rows and strings
OTHER_CHARS = 1_000_000
CHUNK = 64 * 1024


def xlsx_records(content: bytes, limits: ImportLimits) -> Iterator[tuple[int, tuple]]:
    """The first sheet's rows, numbered as the sheet numbers them; each row no wider than
    the header (at most `limits.columns` cells)."""
    workbook = None
    try:
        check_workbook(content, limits)
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # not every tool writes the sheet's size correctly
        header = next(
            sheet.iter_rows(max_row=1, max_col=limits.columns + 1, values_only=True), None
        )
        if header is None:
            return
        yield 1, header
        width = max((index + 1 for index, cell in enumerate(header) if cell is not None), default=1)
        rows = sheet.iter_rows(min_row=2, max_col=min(width, limits.columns), values_only=True)
        yield from enumerate(rows, start=2)
    except ImportFileError:
        raise
    except Exception as exc:
        # A damaged file fails in many ways inside openpyxl, zipfile and the XML parser; in
        # read-only mode the sheet is only parsed while its rows are read, so that is
        # covered too.
        raise ImportFileError(_("The file is not a readable XLSX file.")) from exc
    finally:
        if workbook is not None:
            workbook.close()


def check_workbook(content: bytes, limits: ImportLimits) -> None:
    """Refuse a workbook that unpacks to more than the caps allow, before openpyxl reads it:
    first by the sizes its zip directory declares, then by what its parts actually hold."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = archive.infolist()
        if len(parts) > PARTS:
            raise ImportFileError(_("The file is not a readable XLSX file."))
        if sum(part.file_size for part in parts) > limits.unpacked_bytes:
            raise _too_large(limits)
        scan = _Scan(limits)
        for part in parts:
            scan.part(archive, part)


def _too_large(limits: ImportLimits) -> ImportFileError:
    return ImportFileError(
        _("The XLSX file unpacks to more than %(size)d MB; split it.")
        % {"size": limits.unpacked_bytes // MB}
    )


class _Scan:
    """What openpyxl would build from a workbook's parts, counted an element at a time."""

    def __init__(self, limits: ImportLimits):
        self.limits = limits
        # The header's names, and a few distinct texts a row: external id, names, number.
        self.max_strings = STRINGS_PER_ROW * limits.rows + limits.columns
        self.unpacked = self.strings = self.sheets = self.others = 0

    def part(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
        parser = pyexpat.ParserCreate()
        parser.buffer_text = True  # text comes in pieces of at most 8 KB
        parser.StartDoctypeDeclHandler = self._doctype  # no DTDs, so no entities to expand
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self.rows = self.row_number = self.depth = self.elements = self.chars = 0
        self.inside = ""  # "row", "si" or "" for anything else
        with archive.open(part) as source:
            while chunk := source.read(CHUNK):
                self.unpacked += len(chunk)
                if self.unpacked > self.limits.unpacked_bytes:
                    raise _too_large(self.limits)
                try:
                    parser.Parse(chunk, False)
                except pyexpat.ExpatError:
                    return  # no XML (an image); openpyxl fails on it too if it needs it

    def _doctype(self, *args) -> None:
        raise ImportFileError(_("The file is not a readable XLSX file."))

    def _start(self, name: str, attributes: dict) -> None:
        if self.inside:
            self.depth += 1
            self.elements += 1
            if self.elements > (ROW_ELEMENTS if self.inside == "row" else STRING_ELEMENTS):
                raise self._overfull()
            return
        self.chars = 0
        tag = name[name.find(":") + 1 :]  # without a namespace prefix
        if tag == "row":
            self._row(attributes.get("r", ""))
        elif tag == "si":
            self.strings += 1
            if self.strings > self.max_strings:
                raise ImportFileError(
                    _("The XLSX file holds more than %(max)s different texts; split it.")
                    % {"max": number(self.max_strings)}
                )
            self._enter("si")
        else:
            self.others += 1
            self.sheets += tag == "sheet"
            if self.others > OTHER_ELEMENTS or self.sheets > SHEETS:
                raise ImportFileError(
                    _(
                        "The XLSX file holds too much besides its rows; copy the table into "
                        "a new workbook and save that."
                    )
                )

    def _row(self, number_attribute: str) -> None:
        self.rows += 1
        self.row_number = self._row_number(number_attribute)
        if max(self.rows, self.row_number) > self.limits.last_line:
            raise ImportFileError(
                _("The file has more than %(max)s rows; split it.")
                % {"max": number(self.limits.rows)}
            )
        self._enter("row")

    def _row_number(self, attribute: str) -> int:
        """The row's own number, where it gives one in ASCII digits: a number longer than the
        last line's is past the cap whatever it says (and int() refuses 4,300 digits)."""
        if not (attribute.isascii() and attribute.isdigit()):
            return self.rows
        digits = attribute.lstrip("0") or "0"
        if len(digits) > len(str(self.limits.last_line)):
            return self.limits.last_line + 1
        return int(digits)

    def _enter(self, inside: str) -> None:
        self.inside, self.depth, self.elements, self.chars = inside, 1, 0, 0

    def _end(self, name: str) -> None:
        if self.inside:
            self.depth -= 1
            if self.depth:
                return
            self.inside = ""
        self.chars = 0

    def _text(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self._max_chars():
            raise self._overfull()

    def _max_chars(self) -> int:
        if self.inside == "row":
            return ROW_CHARS
        return STRING_CHARS if self.inside == "si" else OTHER_CHARS

    def _overfull(self) -> ImportFileError:
        if self.inside == "row":
            return ImportFileError(
                _("Row %(line)d of the XLSX file holds more cells or text than a sheet can.")
                % {"line": self.row_number}
            )
        return ImportFileError(
            _("The XLSX file holds a text longer than %(max)s characters.")
            % {"max": number(self._max_chars())}
        )
