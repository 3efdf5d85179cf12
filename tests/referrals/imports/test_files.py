"""Importing existing trajectories from files: CSV as Dutch Excel saves it, XLSX with date
cells, files that cannot be read at all, and the `import_referrals` command."""

import datetime
import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from referrals import imports
from referrals.models import Client, Referral
from tests.referrals.factories import make_insz

from .rows import INTAKE_ON, errors_of, insz, local, row, truncated_sheet, write_csv, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocmw_gent", "training")]


# --- file formats ----------------------------------------------------------------------------


def test_semicolons_and_a_byte_order_mark_as_dutch_excel_saves(tmp_path):
    path = write_csv(
        tmp_path / "export.csv",
        [row("imp-1", first_name="Eloïse"), row("imp-2", "declined", serial=2)],
        delimiter=";",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfexternal_id;")

    result = imports.referral_import(rows=imports.read_rows(path.name, path.read_bytes()))

    assert (result.imported, result.errors) == (2, [])
    assert Client.objects.get(insz=insz(1)).first_name == "Eloïse"


def test_columns_in_any_order_and_empty_lines_are_skipped(tmp_path):
    columns = list(reversed(imports.COLUMNS))
    path = write_csv(
        tmp_path / "r.csv", [row("imp-1"), {}, row("imp-2", "declined", serial=2)], columns=columns
    )

    rows = imports.read_rows(path.name, path.read_bytes())

    assert [r.line for r in rows] == [2, 4]
    assert imports.referral_import(rows=rows).imported == 2


def test_an_xlsx_file_with_date_and_number_cells(tmp_path):
    born_2003 = make_insz(datetime.date(2003, 5, 1), 22)
    assert born_2003.startswith("0")
    good = row("imp-1", "ended", insz=born_2003)
    cells = {
        **good,
        "agreed_on": datetime.date(2024, 9, 2),
        "intake_on": datetime.datetime(2024, 9, 16),
        "start_date": datetime.date(2024, 10, 1),
        "end_date": datetime.date(2025, 1, 31),
        "insz": int(born_2003),  # a number cell, without its leading zero
    }
    bad = row("imp-2", serial=2, agreed_on=datetime.date(2030, 1, 1))
    path = write_xlsx(
        tmp_path / "referrals.xlsx",
        [
            list(imports.COLUMNS),
            [cells[name] for name in imports.COLUMNS],
            [],
            [bad[name] for name in imports.COLUMNS],
        ],
    )

    rows = imports.read_rows(path.name, path.read_bytes())
    result = imports.referral_import(rows=rows)

    assert errors_of(result) == [(4, "agreed_on: Lies in the future.")]
    del rows[1]
    result = imports.referral_import(rows=rows)
    assert errors_of(result) == []
    referral = Referral.objects.get()
    assert referral.client.insz == born_2003
    assert referral.client.birth_date == datetime.date(2003, 5, 1)
    assert (referral.agreed_on, referral.end_date) == (
        datetime.date(2024, 9, 2),
        datetime.date(2025, 1, 31),
    )
    assert referral.intake_at == local(INTAKE_ON, 9)


# --- files that cannot be read ---------------------------------------------------------------

HEADER = ",".join(imports.COLUMNS)

UNREADABLE = {
    "another extension": (
        "referrals.xls",
        b"whatever",
        "Give a .csv or .xlsx file.",
    ),
    "not UTF-8": (
        "referrals.csv",
        f"{HEADER}\nimp-1,OCMW Gent,,Élodie\n".encode("latin-1"),
        "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.",
    ),
    "empty": ("referrals.csv", b"", "The file is empty."),
    "missing columns": (
        "referrals.csv",
        HEADER.replace(",work_9m,work_12m", "").encode(),
        "Missing columns: work_9m, work_12m. The first row names the columns: "
        + ", ".join(imports.COLUMNS)
        + ".",
    ),
    "a column twice": (
        "referrals.csv",
        f"{HEADER},state".encode(),
        "The column state appears twice.",
    ),
    "not a workbook": (
        "referrals.xlsx",
        b"PK\x03\x04 broken",
        "The file is not a readable XLSX file.",
    ),
}


@pytest.mark.parametrize(("name", "content", "message"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_file_that_cannot_be_read_says_why(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(imports.ImportFileError) as raised:
        imports.read_rows(name, content)
    with pytest.raises(CommandError) as command_error:
        call_command("import_referrals", str(path))

    assert str(raised.value) == message
    assert str(command_error.value) == f"{path}: {message}"


def test_an_xlsx_file_with_a_damaged_sheet_is_not_readable(tmp_path):
    good = row("imp-1")
    path = write_xlsx(tmp_path / "good.xlsx", [list(imports.COLUMNS), list(good.values())])
    damaged = tmp_path / "referrals.xlsx"
    damaged.write_bytes(truncated_sheet(path.read_bytes()))

    with pytest.raises(imports.ImportFileError) as raised:
        imports.read_rows(damaged.name, damaged.read_bytes())
    with pytest.raises(CommandError) as command_error:
        call_command("import_referrals", str(damaged))

    assert str(raised.value) == "The file is not a readable XLSX file."
    assert str(command_error.value) == f"{damaged}: The file is not a readable XLSX file."
    assert not Referral.objects.exists()


def test_a_file_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv: No such file or directory"):
        call_command("import_referrals", str(tmp_path / "missing.csv"))


# --- the command -----------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_referrals", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_command_imports_and_says_how_many(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row("imp-1"), row("imp-2", "declined", serial=2)])

    assert run(str(path)) == ("2 imported, 0 already imported.\n", "")
    assert run(str(path)) == ("0 imported, 2 already imported.\n", "")
    assert Referral.objects.count() == 2
    assert {event.actor for event in Referral.objects.get(external_id="imp-1").events.all()} == {
        None
    }


def test_the_command_dry_run_writes_nothing(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row("imp-1"), row("imp-2", "declined", serial=2)])

    stdout, _stderr = run(str(path), "--dry-run")

    assert stdout == "Dry run: 2 would be imported, 0 already imported. Nothing was written.\n"
    assert not Referral.objects.exists()


def bad_file(tmp_path):
    rows = [
        row("imp-1"),
        row("imp-2", serial=2, ocmw="OCMW Mars"),
        row("imp-3", serial=3, last_name=""),
    ]
    return write_csv(tmp_path / "r.csv", rows)


def test_the_command_lists_every_error_and_imports_nothing(tmp_path):
    stderr = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_referrals", str(bad_file(tmp_path)), stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        "line 3: ocmw: unknown OCMW “OCMW Mars”.",
        "line 4: last_name: This field is required.",
    ]
    assert str(raised.value) == "2 errors in the file; nothing was imported."
    assert not Referral.objects.exists()


def test_the_command_exits_non_zero_on_errors(tmp_path, monkeypatch, capsys):
    # manage.py closes the database connections when it ends; the test still needs its own.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_referrals", str(bad_file(tmp_path))])

    assert exited.value.code == 1
    assert "line 3: ocmw: unknown OCMW “OCMW Mars”." in capsys.readouterr().err
    assert not Referral.objects.exists()
