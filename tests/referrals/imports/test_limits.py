"""What a file may hold (the OKOT_IMPORT_MAX_* caps): past each cap a file is refused with a
message that names it, on the command line and in the admin (in the user's language, never
a 500); a file at the caps still imports; hostile workbooks are read in bounded memory, and
a zip bomb is refused from its directory, before anything is unpacked."""

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from referrals import imports
from referrals.models import Referral

from .hostile import SHEET, csv_rows, declaring, spaces_xlsx, with_doctype, workbook, xfd_xlsx
from .rows import row, write_csv, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocmw_gent", "training")]

MB = 1024 * 1024


@pytest.fixture
def caps(settings):
    """Small caps, so that small files pass them."""
    settings.OKOT_IMPORT_MAX_FILE_MB = 1
    settings.OKOT_IMPORT_MAX_UNPACKED_MB = 1
    settings.OKOT_IMPORT_MAX_ROWS = 3
    settings.OKOT_IMPORT_MAX_COLUMNS = 25
    settings.OKOT_IMPORT_MAX_CELL_CHARS = 50
    return imports.ImportLimits.from_settings()


def rows_of(count: int) -> list[dict]:
    return [row(f"imp-{n}", serial=n) for n in range(1, count + 1)]


def csv_of(tmp_path, rows: list[dict], columns=None) -> bytes:
    return write_csv(tmp_path / "r.csv", rows, columns=columns).read_bytes()


def xlsx_of(tmp_path, rows: list[dict], columns=None) -> bytes:
    columns = list(columns or imports.COLUMNS)
    table = [columns, *([r.get(name, "") for name in columns] for r in rows)]
    return write_xlsx(tmp_path / "r.xlsx", table).read_bytes()


WIDE = [*imports.COLUMNS, *(f"extra_{n}" for n in range(7))]  # 26 columns
LONG_NAME = {"first_name": "x" * 51}

PAST_A_CAP = {
    "file": (lambda p: ("r.csv", b"x" * (MB + 1)), "The file is larger than 1 MB; split it."),
    "rows, csv": (
        lambda p: ("r.csv", csv_of(p, rows_of(4))),
        "The file has more than 3 rows; split it.",
    ),
    "rows, xlsx": (
        lambda p: ("r.xlsx", xlsx_of(p, rows_of(4))),
        "The file has more than 3 rows; split it.",
    ),
    "empty rows count too": (
        lambda p: ("r.csv", csv_of(p, [*rows_of(1), {}, {}, {}])),
        "The file has more than 3 rows; split it.",
    ),
    "a row numbered past the cap, xlsx": (
        lambda p: (
            "r.xlsx",
            workbook('<row r="5"><c r="A5" t="inlineStr"><is><t>x</t></is></c></row>'),
        ),
        "The file has more than 3 rows; split it.",
    ),
    "a row numbered with 5,000 digits, xlsx": (
        lambda p: (
            "r.xlsx",
            workbook(f'<row r="{"9" * 5000}"><c t="inlineStr"><is><t>x</t></is></c></row>'),
        ),
        "The file has more than 3 rows; split it.",
    ),
    "a row numbered with 5,000 zeros before its number, xlsx": (
        lambda p: (
            "r.xlsx",
            workbook(f'<row r="{"0" * 5000}5"><c t="inlineStr"><is><t>x</t></is></c></row>'),
        ),
        "The file has more than 3 rows; split it.",
    ),
    "columns, csv": (
        lambda p: ("r.csv", csv_of(p, rows_of(1), WIDE)),
        "The first row names more than 25 columns.",
    ),
    "columns, xlsx": (
        lambda p: ("r.xlsx", xlsx_of(p, rows_of(1), WIDE)),
        "The first row names more than 25 columns.",
    ),
    "a cell, csv": (
        lambda p: ("r.csv", csv_of(p, [row(**LONG_NAME)])),
        "Line 2: the cell in column first_name holds more than 50 characters.",
    ),
    "a cell, xlsx": (
        lambda p: ("r.xlsx", xlsx_of(p, [row(**LONG_NAME)])),
        "Line 2: the cell in column first_name holds more than 50 characters.",
    ),
    "a line without end, csv": (
        lambda p: ("r.csv", csv_of(p, rows_of(1)) + b"x" * 5000),
        "Line 3 is longer than 1,325 characters.",
    ),
    "a line of quoted line breaks, csv": (
        lambda p: ("r.csv", csv_of(p, rows_of(1)) + b'"' + b"\n" * 5000),
        "Line 3 is longer than 1,325 characters.",
    ),
    "unpacked, xlsx": (
        lambda p: ("r.xlsx", spaces_xlsx(MB + 1)),
        "The XLSX file unpacks to more than 1 MB; split it.",
    ),
    "shared strings, xlsx": (  # five a row (3) and the header's (25)
        lambda p: ("r.xlsx", workbook("", "".join(f"<si><t>{n}</t></si>" for n in range(41)))),
        "The XLSX file holds more than 40 different texts; split it.",
    ),
}


@pytest.mark.parametrize(("make", "message"), PAST_A_CAP.values(), ids=PAST_A_CAP.keys())
def test_a_file_past_a_cap_is_refused_with_a_message_that_names_it(tmp_path, caps, make, message):
    name, content = make(tmp_path)
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(imports.ImportFileError) as raised:
        imports.read_rows(name, content)
    with pytest.raises(CommandError) as command_error:
        call_command("import_referrals", str(path))

    assert str(raised.value) == message
    assert str(command_error.value) == f"{path}: {message}"
    assert not Referral.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_at_the_caps_imports(tmp_path, caps, kind):
    columns = WIDE[:25]
    rows = [*rows_of(2), row("imp-3", serial=3, first_name="x" * 50)]
    content = (csv_of if kind == "csv" else xlsx_of)(tmp_path, rows, columns)

    result = imports.referral_import(rows=imports.read_rows(f"r.{kind}", content))

    assert (result.imported, result.errors) == (3, [])


def test_the_admin_shows_a_cap_as_an_error_of_the_file_in_the_users_language(
    tmp_path, client, administrator, caps, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    content = csv_of(tmp_path, rows_of(4))
    url = reverse("admin:referrals_referral_import")

    pages = {}
    for language in ("nl", "en"):
        with django_capture_on_commit_callbacks(execute=True):
            posted = client.post(
                url, {"file": SimpleUploadedFile("r.csv", content)}, HTTP_ACCEPT_LANGUAGE=language
            )
        # The job's messages are in the language of the upload, whoever reads them later.
        pages[language] = client.get(posted.url, HTTP_ACCEPT_LANGUAGE="en")

    assert [str(e) for e in pages["nl"].context["import_errors"]] == [
        "Het bestand heeft meer dan 3 rijen; splits het op."
    ]
    assert [str(e) for e in pages["en"].context["import_errors"]] == [
        "The file has more than 3 rows; split it."
    ]
    assert "at most 1 MB and 3 rows." in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert not Referral.objects.exists()


# --- hostile workbooks ----------------------------------------------------------------------


def traced(read) -> tuple[object, float]:
    """What `read()` returns (or the error it raises), and the peak of Python's memory."""
    tracemalloc.start()
    try:
        try:
            outcome = read()
        except imports.ImportFileError as exc:
            outcome = str(exc)
        return outcome, tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def test_a_cell_in_column_xfd_on_every_row_is_read_in_bounded_memory():
    """The penetration test's file: every row as wide as a sheet can be (16,384 cells). Read
    whole, 2,000 rows took 260 MB (the test's 20,000 rows 2.6 GB); read up to the header's
    last column, a few."""
    content = xfd_xlsx(2_000)

    rows, peak = traced(lambda: imports.read_rows("xfd.xlsx", content))

    assert rows == []  # nothing in the header's columns
    assert peak < 50


def test_a_row_of_many_empty_cells_is_refused_before_it_is_built():
    """A workbook of 6 KB whose second row holds 300,000 empty cells: built whole, it took
    some 90 MB (a million cells, 300 MB)."""
    content = workbook('<row r="2">' + "<c/>" * 300_000 + "</row>")
    assert len(content) < 10_000

    message, peak = traced(lambda: imports.read_rows("wide.xlsx", content))

    assert message == "Row 2 of the XLSX file holds more cells or text than a sheet can."
    assert peak < 10


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_unpacked(caps):
    """The directory says the sheet unpacks to 2 GB while its data is a few bytes: unpacked,
    it would be found damaged; refused from the directory, it is too large."""
    content = declaring(workbook(""), SHEET, 2**31)

    message, peak = traced(lambda: imports.read_rows("bomb.xlsx", content))

    assert message == "The XLSX file unpacks to more than 1 MB; split it."
    assert peak < 1


def test_a_part_larger_than_its_directory_says_is_unpacked_no_further(caps):
    """The directory says 1 KB, the data unpack to 2 MB: unpacking stops at 1 KB and the
    part is found damaged."""
    content = declaring(spaces_xlsx(2 * MB), SHEET, 1024)

    message, peak = traced(lambda: imports.read_rows("bomb.xlsx", content))

    assert message == "The file is not a readable XLSX file."
    assert peak < 1


def test_a_workbook_with_a_document_type_is_refused():
    """No part of a workbook has one; in one, entities could expand a few bytes to gigabytes."""
    content = with_doctype(workbook(""), SHEET, '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')

    with pytest.raises(imports.ImportFileError) as raised:
        imports.read_rows("dtd.xlsx", content)

    assert str(raised.value) == "The file is not a readable XLSX file."


def test_reading_a_csv_file_stops_at_the_row_cap(caps):
    message, peak = traced(lambda: imports.read_rows("r.csv", csv_rows(100_000)))

    assert message == "The file has more than 3 rows; split it."
    assert peak < 1  # 100,000 rows read would take some 20 MB


OVERFULL_ROWS = {
    "cells": '<row r="2">' + "<c/>" * 70_000 + "</row>",
    "text": '<row r="2"><c t="inlineStr"><is><t>' + "x" * 1_000_001 + "</t></is></c></row>",
}


@pytest.mark.parametrize("rows", OVERFULL_ROWS.values(), ids=OVERFULL_ROWS.keys())
def test_a_row_holding_more_than_a_sheet_can_is_refused(rows):
    with pytest.raises(imports.ImportFileError) as raised:
        imports.read_rows("r.xlsx", workbook(rows))

    assert str(raised.value) == "Row 2 of the XLSX file holds more cells or text than a sheet can."
