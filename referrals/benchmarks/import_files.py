"""The files of `bench_import`: a legitimate file of existing trajectories, as CSV and XLSX,
and the hostile files of the penetration test and their kin, each made in memory and the
same every run. The catalogue the rows name (`catalogue`): a few OCMWs and trainings."""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable
from itertools import chain, cycle, repeat
from xml.sax.saxutils import escape

import openpyxl

from accounts.models import Organisation, Province
from referrals.enums import OkotType, State
from referrals.imports import COLUMNS
from referrals.models import Training

OCMWS = 10
TRAININGS = 20
SECOND_EVERY = 5  # every fifth row is a client's second referral, for another training
BORN_FROM = datetime.date(1960, 1, 1)

# Step columns per state, with dates well in the past: all check-ups are due.
_PAST = {"agreed_on": "2023-09-04", "intake_on": "2023-09-18"}
_TRAINED = {**_PAST, "start_date": "2023-10-02", "end_date": "2024-01-31"}
STEPS = {
    State.INFORMED: {},
    State.CANDIDATE: {},
    State.DECLINED: {},
    State.AGREED: {"agreed_on": _PAST["agreed_on"]},
    State.ADMITTED: _PAST,
    State.NOT_ADMITTED: _PAST,
    State.IN_TRAINING: {**_PAST, "start_date": "2023-10-02"},
    State.ENDED: {**_TRAINED, "end_result": "passed", "work_3m": "yes", "work_6m": "no"},
    State.CLOSED: {**_TRAINED, "end_result": "stopped_early", "stop_reason": "illness"},
    State.WITHDRAWN: _PAST,
}


def catalogue() -> None:
    """The OCMWs and trainings the rows name."""
    Organisation.objects.bulk_create(
        Organisation(
            name=f"OCMW Bench {n}",
            kind=Organisation.Kind.OCMW,
            province=Province.OOST_VLAANDEREN,
        )
        for n in range(1, OCMWS + 1)
    )
    types = cycle(OkotType.values)
    Training.objects.bulk_create(
        Training(
            title=f"Opleiding {n}",
            okot_type=next(types),
            institution="Centrum",
            location="Gent",
            province=Province.OOST_VLAANDEREN,
            duration_months=12,
            hours_per_week=38,
        )
        for n in range(1, TRAININGS + 1)
    )


def insz(number: int) -> str:
    """The valid national number of the `number`th client: a birth day from 1960 and one of
    997 serials on it."""
    born = BORN_FROM + datetime.timedelta(days=number // 997)
    first9 = f"{born:%y%m%d}{number % 997 + 1:03d}"
    return f"{first9}{97 - int(first9) % 97:02d}"


def rows(count: int, prefix: str = "bench") -> list[list[str]]:
    """The header and `count` valid rows in every state; one client in SECOND_EVERY has two
    referrals (for two trainings), the others one."""
    trainings = list(Training.objects.order_by("pk").values_list("okot_type", "title"))
    states = list(STEPS)
    result = [list(COLUMNS)]
    client = 0
    for n in range(count):
        second = n % SECOND_EVERY == SECOND_EVERY - 1
        if not second:
            client += 1
        okot_type, title = trainings[(client + second) % len(trainings)]
        state = states[n % len(states)]
        values = {
            "external_id": f"{prefix}-{n}",
            "ocmw": f"OCMW Bench {client % OCMWS + 1}",
            "insz": insz(client),
            "first_name": f"Voornaam{client}",
            "last_name": "Peeters",
            "training_type": okot_type,
            "training_title": title,
            "state": state,
            **STEPS[state],
        }
        result.append([values.get(name, "") for name in COLUMNS])
    return result


def csv_file(table: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(table)
    return text.getvalue().encode()


def xlsx_file(table: list[list[str]]) -> bytes:
    """The table as Excel saves it: each distinct text once in the shared strings table,
    the cells pointing into it, empty cells left out."""
    strings: dict[str, int] = {}
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = "".join(
            f'<c r="{chr(ord("A") + n)}{number}" t="s">'
            f"<v>{strings.setdefault(value, len(strings))}</v></c>"
            for n, value in enumerate(values)
            if value != ""
        )
        rows.append(f'<row r="{number}">{cells}</row>')
    return _workbook(rows, "".join(f"<si><t>{escape(text)}</t></si>" for text in strings))


# --- hostile files -------------------------------------------------------------------------


def xfd_xlsx(count: int) -> bytes:
    """The penetration test's file: the header, then `count` rows with one cell each, in the
    sheet's last column (XFD, 16,384), so that every row is as wide as a sheet can be."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in range(2, count + 2):
        sheet.cell(row=row, column=16_384, value=row)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def zip_bomb_xlsx(megabytes: int) -> bytes:
    """A workbook whose sheet unpacks to `megabytes` MB (spaces in one cell) from a file
    a thousand times smaller."""
    spaces = repeat(" " * 1024 * 1024, megabytes)
    cell = ('<row r="2"><c r="A2" t="inlineStr"><is><t>', *spaces, "</t></is></c></row>")
    return _workbook(cell)


def wide_row_xlsx(cells: int) -> bytes:
    """A workbook of a few kilobytes whose second row has `cells` empty cells."""
    return _workbook(['<row r="2">', "<c/>" * cells, "</row>"])


def many_strings_xlsx(count: int) -> bytes:
    """A workbook of one row whose shared strings table holds `count` distinct texts."""
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(count))
    return _workbook(['<row r="2"><c r="A2" t="s"><v>0</v></c></row>'], strings)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _workbook(rows: Iterable[str], shared_strings: str = "") -> bytes:
    """A valid workbook of openpyxl's making whose sheet holds the header and then `rows`
    (pieces of sheet XML, written as they come), and whose shared strings table holds
    `shared_strings` (<si> elements)."""
    header = "".join(
        f'<c r="{chr(ord("A") + n)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for n, name in enumerate(COLUMNS)
    )
    sheet = chain(
        [f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1">{header}</row>'],
        rows,
        ["</sheetData></worksheet>"],
    )
    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    result = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as part:
                    for piece in sheet:
                        part.write(piece.encode())
                continue
            if item.filename == "[Content_Types].xml" and shared_strings:
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_STRINGS}"/>'
                data = data.replace(b"</Types>", f"{part}</Types>".encode())
            target.writestr(item.filename, data)
        if shared_strings:
            target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{shared_strings}</sst>')
    return result.getvalue()


def giant_line_csv(size: int) -> bytes:
    """A header, then one line of `size` bytes without a newline or a separator."""
    return ",".join(COLUMNS).encode() + b"\n" + b"x" * size


def too_many_rows_csv(count: int) -> bytes:
    """A header and `count` rows of one character each: cheap to make, past any row cap."""
    return ",".join(COLUMNS).encode() + b"\n" + b"x\n" * count
