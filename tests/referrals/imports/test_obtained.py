"""What an end obtained, in an import: files without the optional columns obtained and
obtained_on keep working (a passed end obtained the diploma on its end date, any other end
nothing); files with them record what they say, refused per row as the `end` step refuses
it."""

import datetime

import pytest

from referrals import imports
from referrals.enums import Obtained
from referrals.models import Referral

from .rows import END, START, errors_of, import_csv, row, write_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocmw_gent", "training")]

NEW = imports.ALL_COLUMNS  # a file with the optional columns


def imported(tmp_path, columns=None, **values) -> Referral:
    result = import_csv(tmp_path, [row("imp-1", **values)], columns=columns)
    assert errors_of(result) == []
    return Referral.objects.get(external_id="imp-1")


@pytest.mark.parametrize("columns", [None, NEW], ids=["old file", "new file, empty cells"])
@pytest.mark.parametrize(
    ("state", "result", "reason", "expected"),
    [
        ("ended", "passed", "", (Obtained.DIPLOMA, datetime.date.fromisoformat(END))),
        ("closed", "failed", "", (Obtained.NONE, None)),
        ("closed", "stopped_early", "illness", (Obtained.NONE, None)),
        ("ended", "stopped_employment", "", (Obtained.NONE, None)),
    ],
)
def test_without_what_was_obtained_a_passed_end_is_a_diploma_on_the_end_date(
    tmp_path, columns, state, result, reason, expected
):
    values = {"end_result": result, "stop_reason": reason, "work_3m": ""}
    referral = imported(tmp_path, columns, state=state, **values)

    assert (referral.obtained, referral.obtained_on) == expected


@pytest.mark.parametrize("state", ["informed", "agreed", "in_training", "withdrawn"])
def test_a_referral_that_did_not_end_obtained_nothing_yet(tmp_path, state):
    referral = imported(tmp_path, NEW, state=state)

    assert (referral.obtained, referral.obtained_on) == ("", None)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"end_result": "stopped_early", "stop_reason": "illness", "obtained": "partial"},
            (Obtained.PARTIAL, datetime.date(2024, 12, 20)),
        ),
        ({"end_result": "passed", "obtained": "Partial"}, (Obtained.PARTIAL, None)),
        ({"end_result": "passed", "obtained": "diploma"}, (Obtained.DIPLOMA, None)),
        ({"end_result": "failed", "obtained": "none"}, (Obtained.NONE, None)),
    ],
    ids=["partial after an early stop", "partial after passing", "diploma", "nothing"],
)
def test_a_new_file_records_what_was_obtained(tmp_path, values, expected):
    values = {"stop_reason": "", **values}  # the closed row's own is for stopped_early
    if expected[0] != Obtained.NONE:
        values = {"obtained_on": "2024-12-20", **values}
        expected = (expected[0], datetime.date(2024, 12, 20))
    referral = imported(tmp_path, NEW, state="closed", **values)

    assert (referral.obtained, referral.obtained_on) == expected
    assert referral.events.get().data["obtained"] == expected[0]


BAD_OBTAINED = {
    "unknown value": (
        {"obtained": "diplome", "obtained_on": END},
        "obtained: Unknown value “diplome”; use one of: diploma, partial, none.",
    ),
    "diploma without passing": (
        {"end_result": "failed", "obtained": "diploma", "obtained_on": END},
        "obtained: A diploma is only obtained by passing the training.",
    ),
    "passed with nothing": (
        {"obtained": "none"},
        "obtained: A passed training obtains the diploma or a certificate of part of it.",
    ),
    "no date": ({"obtained": "diploma"}, "obtained_on: Give the day it was obtained."),
    "a date with nothing": (
        {"end_result": "failed", "obtained": "none", "obtained_on": END},
        "obtained_on: Leave the date empty when nothing was obtained.",
    ),
    "a date alone": ({"obtained_on": END}, "obtained_on: Only with a value in column obtained."),
    "before the start": (
        {"obtained": "diploma", "obtained_on": "2024-09-30"},
        "obtained_on: It cannot be obtained before the start.",
    ),
    "in the future": (
        {"obtained": "diploma", "obtained_on": "2025-06-17"},
        "obtained_on: This date lies in the future.",
    ),
    "not a date": (
        {"obtained": "diploma", "obtained_on": "17/06/2025"},
        "obtained_on: Give the date as YYYY-MM-DD.",
    ),
    "before the end": (
        {"state": "in_training", "end_date": "", "end_result": "", "obtained": "partial"},
        "obtained: Leave empty in state “in_training”: the referral did not get that far.",
    ),
}


@pytest.mark.parametrize(("values", "message"), BAD_OBTAINED.values(), ids=BAD_OBTAINED.keys())
def test_what_was_obtained_is_checked_per_row(tmp_path, values, message):
    values = {"state": "ended", "end_result": "passed", "work_3m": "", **values}
    rows = [row("imp-1", serial=11), row("imp-2", serial=1, **values)]

    result = import_csv(tmp_path, rows, columns=NEW)

    assert message in [text for line, text in errors_of(result) if line == 3]
    assert result.imported == 0


def test_an_xlsx_file_with_the_new_columns_in_any_order_and_date_cells(tmp_path):
    header = [*reversed(imports.ALL_COLUMNS)]
    values = row("imp-1", "ended", obtained="partial", work_3m="")
    values["obtained_on"] = datetime.date(2024, 11, 30)
    path = write_xlsx(tmp_path / "referrals.xlsx", [header, [values[n] for n in header]])

    rows = imports.read_rows(path.name, path.read_bytes())
    result = imports.referral_import(rows=rows, user=None)

    assert errors_of(result) == []
    referral = Referral.objects.get()
    assert (referral.obtained, referral.obtained_on) == ("partial", datetime.date(2024, 11, 30))
    assert referral.start_date == datetime.date.fromisoformat(START)
