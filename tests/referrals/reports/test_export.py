"""Every table leaves as CSV (codes and the labels beside them, in Belgian Excel's
separators) and XLSX (labels, real numbers, sheet names of whole words)."""

import codecs
import csv
import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Province
from referrals.enums import EndResult, OkotType, State
from referrals.models import OutcomeCheck, Referral
from referrals.models.obtained import default_obtained
from referrals.reports.export import to_xlsx
from referrals.reports.tables import Column, Row, Table
from tests.accounts.factories import AdministratorFactory, CaseworkerFactory, OcmwFactory
from tests.referrals.factories import ClientFactory, TrainingFactory, make_insz

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12), tick=False):
        yield


def trajectory(ocmw, okot_type, *, born, result=EndResult.PASSED, work=(), serial=1):
    end_date = datetime.date(2025, 6, 30)
    obtained, obtained_on = default_obtained(result, end_date)
    referral = Referral.objects.create(
        client=ClientFactory(ocmw=ocmw, insz=make_insz(born, serial)),
        training=TrainingFactory(okot_type=okot_type),
        state=State.CLOSED,
        start_date=datetime.date(2024, 9, 1),
        end_date=end_date,
        end_result=result,
        obtained=obtained,
        obtained_on=obtained_on,
    )
    for months in (3, 6, 9):
        OutcomeCheck.objects.create(
            referral=referral, months=months, at_work="yes" if months in work else "no"
        )
    return referral


@pytest.fixture
def figures(db):
    """Three positive ends in 2025 (two PBA, one HBO), one failed; OCMW Gent and Aalst."""
    gent = OcmwFactory(municipality="Gent")
    aalst = OcmwFactory(municipality="Aalst")
    trajectory(gent, OkotType.PBA, born=datetime.date(1990, 5, 5), work=(3, 6), serial=1)
    trajectory(gent, OkotType.PBA, born=datetime.date(1970, 5, 5), work=(3,), serial=3)
    trajectory(
        aalst,
        OkotType.HBO,
        born=datetime.date(1999, 5, 5),
        serial=5,
        result=EndResult.STOPPED_EMPLOYMENT,
        work=(3, 6, 9),
    )
    trajectory(
        aalst, OkotType.HBO, born=datetime.date(1980, 5, 5), serial=7, result=EndResult.FAILED
    )
    return {"gent": gent, "aalst": aalst}


OUTFLOW_BY_TYPE = (
    "group;label;closed;work_3m;pct_3m;work_6m;pct_6m;work_9m;pct_9m;work_12m;pct_12m\r\n"
    "7BSO;7e jaar BSO (7BSO);0;0;;0;;0;;0;\r\n"
    "PBA;professionele bachelor (PBA);2;2;100,00;1;50,00;0;0,00;0;0,00\r\n"
    "SENSE;Se-n-Se, secundair na secundair;0;0;;0;;0;;0;\r\n"
    "TKO;secundair volwassenenonderwijs (TKO);0;0;;0;;0;;0;\r\n"
    "HBO;graduaat of HBO5 verpleegkunde (HBO);1;1;100,00;1;100,00;1;100,00;0;0,00\r\n"
    "total;Eindtotaal;3;3;100,00;2;66,67;1;33,33;0;0,00\r\n"
)


def read_csv(text: str) -> list[list[str]]:
    """The rows as Belgian Excel reads them: separated by semicolons."""
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def command(*args) -> str:
    out = io.StringIO()
    call_command("okot_report", *args, stdout=out)
    return out.getvalue()


def test_command_prints_outflow_with_the_agreed_columns(figures):
    assert command("outflow", "--year", "2025") == OUTFLOW_BY_TYPE


def test_command_outflow_by_age_and_for_one_ocmw(figures):
    assert command("outflow", "--year", "2025", "--by", "age", "--ocmw", "ocmw gent") == (
        "group;label;closed;work_3m;pct_3m;work_6m;pct_6m;work_9m;pct_9m;work_12m;pct_12m\r\n"
        "-25;-25;0;0;;0;;0;;0;\r\n"
        "25-40;25-40;1;1;100,00;1;100,00;0;0,00;0;0,00\r\n"
        "40-55;40-55;1;1;100,00;0;0,00;0;0,00;0;0,00\r\n"
        "55+;55+;0;0;;0;;0;;0;\r\n"
        "total;Eindtotaal;2;2;100,00;1;50,00;0;0,00;0;0,00\r\n"
    )


def test_command_starts_ends_with_the_unique_total(figures):
    assert command("starts", "--year", "2024").splitlines() == [
        "group;label;started",
        "7BSO;7e jaar BSO (7BSO);0",
        "PBA;professionele bachelor (PBA);2",
        "SENSE;Se-n-Se, secundair na secundair;0",
        "TKO;secundair volwassenenonderwijs (TKO);0",
        "HBO;graduaat of HBO5 verpleegkunde (HBO);2",
        "total;Totaal (unieke personen);4",
    ]
    assert command("starts", "--year", "2024", "--by", "gender").splitlines()[-1] == (
        "total;Totaal (unieke personen);4"
    )


def test_command_outflow_of_a_year_without_ends_is_all_zero(figures):
    assert command("outflow", "--year", "2019").splitlines()[-1] == (
        "total;Eindtotaal;0;0;;0;;0;;0;"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["outflow", "--year", "2025", "--ocmw", "OCMW Nergens"], "Geen OCMW met de naam"),
        (["diplomas", "--year", "2025", "--by", "reason"], "alleen bij early-stops"),
        (["outflow", "--year", "20251"], "geen kalenderjaar"),
    ],
)
def test_command_refuses_bad_arguments_clearly(figures, args, message):
    with pytest.raises(CommandError, match=message):
        command(*args)


def download(client, table, fmt, language="nl-be", **query):
    url = reverse("referrals:report_export", args=[table, fmt])
    response = client.get(url, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_csv_download_is_the_command_output_for_excel(client, figures):
    client.force_login(AdministratorFactory())
    response = download(client, "outflow", "csv", year=2025, by="type")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="okot-outflow-2025-type.csv"' in response["Content-Disposition"]
    # The byte order mark tells Excel the file is UTF-8 (else "Diploma’s" comes out garbled).
    assert response.content == codecs.BOM_UTF8 + OUTFLOW_BY_TYPE.encode()


@pytest.mark.parametrize("language", ["nl-be", "en"])
def test_csv_opens_in_belgian_excel_as_columns(client, figures, language):
    client.force_login(AdministratorFactory())
    response = download(client, "outflow", "csv", year=2025, language=language)
    text = response.content.decode("utf-8-sig")
    assert text.count("\r\n") == len(text.splitlines())  # CRLF, every line
    header, *rows = read_csv(text)
    assert header[:3] == ["group", "label", "closed"]
    assert all(len(row) == len(header) == 11 for row in rows)
    pba = next(row for row in rows if row[0] == "PBA")
    assert pba[2:7] == ["2", "2", "100,00", "1", "50,00"]  # decimal comma, whatever the language


@pytest.mark.parametrize(
    ("table", "language", "label"),
    [
        ("outflow", "nl-be", "Eindtotaal"),
        ("outflow", "en", "Grand total"),
        ("starts", "nl-be", "Totaal (unieke personen)"),
        ("starts", "en", "Total (unique persons)"),
        ("diplomas", "nl-be", "Totaal"),
        ("diplomas", "en", "Total"),
    ],
)
def test_the_total_row_has_a_code_like_every_row_and_a_label_in_the_users_language(
    client, figures, table, language, label
):
    client.force_login(AdministratorFactory())
    response = download(client, table, "csv", year=2025, language=language)
    header, *rows = read_csv(response.content.decode("utf-8-sig"))
    assert rows[-1][:2] == ["total", label]
    assert [row[0] for row in rows[:5]] == ["7BSO", "PBA", "SENSE", "TKO", "HBO"]


def test_csv_download_is_scoped_to_the_user(client, figures):
    client.force_login(CaseworkerFactory(organisation=figures["aalst"]))
    rows = read_csv(download(client, "outflow", "csv", year=2025).content.decode("utf-8-sig"))
    assert rows[-1][:4] == ["total", "Eindtotaal", "1", "1"]


def test_xlsx_download_has_labels_and_numbers(client, figures):
    client.force_login(AdministratorFactory())
    response = download(client, "outflow", "xlsx", year=2025)
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    total = next(row for row in rows if row[0] == "Eindtotaal")
    assert total[1:5] == (3, 3, 1.0, 2)
    assert total[5] == pytest.approx(2 / 3, abs=1e-4)
    assert any(c.number_format == "0.00%" for row in sheet.iter_rows() for c in row)


def test_whole_page_downloads_as_one_workbook(client, figures):
    client.force_login(AdministratorFactory())
    workbook = load_workbook(io.BytesIO(download(client, "all", "xlsx", year=2025).content))
    # funnel, starts x3, early stops, interruptions, diplomas x3, outflow x3, each named for
    # what it holds; a name too long for Excel's 31 characters ends at a whole word with "…"
    assert workbook.sheetnames == [
        "Trechter",
        "Starts - OKOT-type",
        "Starts - Geslacht",
        "Starts - Leeftijd bij de start",
        "Stopzettingen - Reden",
        "Onderbrekingen",
        "Diploma’s - OKOT-type",
        "Diploma’s - Geslacht",
        "Diploma’s - Leeftijd bij de…",
        "Uitstroom - OKOT-type",
        "Uitstroom - Leeftijd bij de…",
        "Uitstroom - Geslacht",
    ]


def whole_words_of(name: str, full: str) -> bool:
    """Whether `name` is `full`, or its first whole words followed by "…"."""
    if name == full:
        return True
    head = name.removesuffix("…")
    return name.endswith("…") and full.startswith(head) and full[len(head)] == " "


@pytest.mark.parametrize("language", ["nl-be", "en"])
def test_sheet_names_are_whole_words_unique_and_fit_excel(client, figures, language):
    client.force_login(AdministratorFactory())
    response = download(client, "all", "xlsx", year=2025, language=language)
    workbook = load_workbook(io.BytesIO(response.content))
    names = workbook.sheetnames
    assert len({name.casefold() for name in names}) == len(names) == 12
    for name in names:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        if " - " in name:  # the table's short name and its breakdown, headed in column A
            breakdown = workbook[name]["A4"].value
            assert whole_words_of(name, f"{name.split(' - ')[0]} - {breakdown}")
    if language == "en":
        assert names[8] == "Diplomas - Age at start"


def table_named(title: str, group_label: str = "Group", by: str = "") -> Table:
    return Table(
        slug="x",
        title=title,
        group_label=group_label,
        by=by,
        columns=[Column("n", "n")],
        rows=[Row("a", "a", {"n": 1}), Row("total", "Total", {"n": 1}, is_total=True)],
    )


def test_sheet_names_lose_what_excel_forbids_and_stay_unique():
    long = "Trajectories per region: who/what [2025]? *all* of them\\"
    tables = [
        table_named(long),
        table_named(long),
        table_named(long.upper()),
        table_named("'Who/what: [2025]?'"),
    ]
    names = load_workbook(io.BytesIO(to_xlsx(tables))).sheetnames
    assert names == [
        "Trajectories per region…",  # "region who-what 2025 all of them-" did not fit
        "Trajectories per region… (2)",
        "TRAJECTORIES PER REGION… (3)",  # Excel takes it for the first one
        "Who-what 2025",
    ]


def test_text_no_cell_holds_is_left_out_and_the_rest_kept():
    """A control character, which XML refuses, in a name typed, imported or sent through
    the API: openpyxl refused the cell, and the download was a 500."""
    table = table_named("Trajectories\x07", group_label="OCMW")
    table.rows[0] = Row("7", "OCMW\x01 Gent\x1f", {"n": 1})
    table.note = "Note\x0b"

    sheet = load_workbook(io.BytesIO(to_xlsx([table], subtitle="Gent\x08, 2025"))).active

    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert cells == ["Trajectories", "Gent, 2025", "OCMW", "n", "OCMW Gent", 1, "Total", 1, "Note"]


@pytest.mark.parametrize(("label", "cell"), [("2025", 2025), ("²", "²"), ("2025²", "2025²")])
def test_a_label_of_digits_is_a_number_and_others_text(label, cell):
    """A "²" is a digit to `isdigit()`, and none to `int()`."""
    table = table_named("Trend")
    table.rows[0] = Row(label, label, {"n": 1})

    sheet = load_workbook(io.BytesIO(to_xlsx([table]))).active

    assert sheet["A4"].value == cell


def test_a_name_of_one_long_word_is_cut_where_it_must():
    (name,) = load_workbook(io.BytesIO(to_xlsx([table_named("x" * 40)]))).sheetnames
    assert name == "x" * 30 + "…"


@pytest.mark.parametrize(
    ("table", "fmt", "query"),
    [
        ("nothing", "csv", {}),
        ("starts", "pdf", {}),
        ("starts", "csv", {"by": "reason"}),
        ("starts", "csv", {"by": "shoe-size"}),
        ("all", "csv", {}),
    ],
)
def test_unknown_downloads_are_not_found(client, figures, table, fmt, query):
    client.force_login(AdministratorFactory())
    url = reverse("referrals:report_export", args=[table, fmt])
    assert client.get(url, query).status_code == 404


def test_province_stays_out_of_the_limburg_download(client, figures):
    hasselt = OcmwFactory(municipality="Hasselt", province=Province.LIMBURG)
    trajectory(hasselt, OkotType.TKO, born=datetime.date(1985, 1, 1), serial=9)
    client.force_login(CaseworkerFactory(organisation=hasselt))
    rows = read_csv(download(client, "outflow", "csv", year=2025).content.decode("utf-8-sig"))
    assert {row[0]: row[2] for row in rows[1:]} == {
        "7BSO": "0", "PBA": "0", "SENSE": "0", "TKO": "1", "HBO": "0", "total": "1",
    }  # fmt: skip


def test_xlsx_says_which_filters_made_it(client, figures):
    client.force_login(AdministratorFactory())
    query = {"year": 2025, "ocmw": figures["gent"].pk, "okot_type": OkotType.PBA}
    sheet = load_workbook(io.BytesIO(download(client, "outflow", "xlsx", **query).content)).active
    assert sheet["A1"].value == "Uitstroom naar werk na een positief einde"
    assert sheet["A2"].value == "2025 · OCMW Gent · professionele bachelor (PBA)"
