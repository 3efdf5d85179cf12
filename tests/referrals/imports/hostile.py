"""Hostile files for the import's caps: workbooks made by hand from openpyxl's own, CSV past
a cap, a zip whose directory lies about its sizes."""

import io
import struct
import zipfile

import openpyxl

from referrals import imports

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: str, shared_strings: str = "") -> bytes:
    """A valid workbook whose sheet holds the header and then `rows` (sheet XML), and whose
    shared strings table holds `shared_strings` (<si> elements)."""
    header = "".join(
        f'<c r="{chr(ord("A") + n)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for n, name in enumerate(imports.COLUMNS)
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}</row>{rows}</sheetData>'
    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    result = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == SHEET:
                data = f"{sheet}</worksheet>".encode()
            elif item.filename == "[Content_Types].xml" and shared_strings:
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS}"/>'
                data = data.replace(b"</Types>", f"{part}</Types>".encode())
            target.writestr(item.filename, data)
        if shared_strings:
            target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{shared_strings}</sst>')
    return result.getvalue()


def xfd_xlsx(rows: int) -> bytes:
    """The penetration test's workbook: the header, then rows with one cell each in the
    sheet's last column, XFD (16,384)."""
    book = openpyxl.Workbook()
    book.active.append(list(imports.COLUMNS))
    for row in range(2, rows + 2):
        book.active.cell(row=row, column=16_384, value=row)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


def spaces_xlsx(size: int) -> bytes:
    """A workbook whose second row holds one cell of `size` spaces: a zip bomb, small."""
    return workbook(f'<row r="2"><c r="A2" t="inlineStr"><is><t>{" " * size}</t></is></c></row>')


def declaring(content: bytes, name: str, size: int) -> bytes:
    """The zip `content` with the unpacked size of its part `name` changed to `size` in both
    its local header and the directory, the data left as it is."""
    data = bytearray(content)
    encoded = name.encode()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, size)
    directory = 0
    while True:  # the directory entry of `name`
        directory = data.index(b"PK\x01\x02", directory)
        name_length = struct.unpack_from("<H", data, directory + 28)[0]
        if data[directory + 46 : directory + 46 + name_length] == encoded:
            break
        directory += 4
    struct.pack_into("<I", data, directory + 24, size)
    return bytes(data)


def with_doctype(content: bytes, name: str, doctype: str) -> bytes:
    """The zip `content` with `doctype` before the XML of its part `name`."""
    result = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, doctype.encode() + data if item.filename == name else data)
    return result.getvalue()


def csv_rows(count: int) -> bytes:
    return (",".join(imports.COLUMNS) + "\n" + "x\n" * count).encode()
