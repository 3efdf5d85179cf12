"""Importing existing trajectories: every bad row is reported with its line number and its
reason, every error of the file at once, and a file with any bad row imports nothing."""

import pytest

from referrals.enums import State
from referrals.models import Client, Referral
from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state

from .rows import (
    AGREED_ON,
    END,
    INTAKE_ON,
    START,
    errors_of,
    import_csv,
    insz,
    row,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ocmw_gent", "training")]


# --- bad rows --------------------------------------------------------------------------------

BAD_ROWS = {
    "unknown OCMW": (
        {"ocmw": "OCMW Nergensland"},
        "ocmw: unknown OCMW “OCMW Nergensland”.",
    ),
    "invalid INSZ": (
        {"insz": "85.03.12-001.00"},
        "insz: This is not a valid national number (INSZ): "
        "The check digits do not match; look for a typing error.",
    ),
    "no first name": ({"first_name": ""}, "first_name: This field is required."),
    "no last name": ({"last_name": " "}, "last_name: This field is required."),
    "no external id": ({"external_id": ""}, "external_id: This field is required."),
    "a tab in a first name": (
        {"first_name": "Sa\tra"},
        "first_name: Remove the tab, line break or other invisible control character "
        "from this text.",
    ),
    "a line break in a last name": (
        {"last_name": "Pee\nters"},
        "last_name: Remove the tab, line break or other invisible control character "
        "from this text.",
    ),
    "unknown training": (
        {"training_title": "Lasser"},
        "training_title: no training “Lasser” of type HBO in the catalogue; "
        "add it to the catalogue first.",
    ),
    "unknown training type": (
        {"training_type": "BSO"},
        "training_type: Unknown value “BSO”; use one of: 7BSO, PBA, SENSE, TKO, HBO.",
    ),
    "unknown state": (
        {"state": "started"},
        "state: Unknown value “started”; use one of: informed, candidate, agreed, declined, "
        "intake_planned, admitted, not_admitted, in_training, ended, closed, withdrawn.",
    ),
    "unknown gender": ({"gender": "F"}, "gender: Unknown value “F”; use one of: M, V, X."),
    "unknown end result": (
        {"state": "ended", "end_result": "geslaagd"},
        "end_result: Unknown value “geslaagd”; use one of: "
        "passed, failed, stopped_early, stopped_employment.",
    ),
    "unknown stop reason": (
        {"state": "closed", "stop_reason": "ziek"},
        "stop_reason: Unknown value “ziek”; use one of: lasting_work, moved, illness, "
        "maternity, other_compelling, no_valid_reason, insufficient_progress, other_vdab.",
    ),
    "unknown work value": (
        {"state": "ended", "work_3m": "ja"},
        "work_3m: Unknown value “ja”; use one of: yes, no.",
    ),
    "not an ISO date": (
        {"agreed_on": "02/09/2024"},
        "agreed_on: Give the date as YYYY-MM-DD.",
    ),
    "agreed without agreement date": (
        {"agreed_on": ""},
        "agreed_on: Required in state “agreed”.",
    ),
    "intake planned without intake date": (
        {"state": "intake_planned", "intake_on": ""},
        "intake_on: Required in state “intake_planned”.",
    ),
    "in training without start date": (
        {"state": "in_training", "start_date": ""},
        "start_date: Required in state “in_training”.",
    ),
    "ended without end result": (
        {"state": "ended", "end_result": "", "work_3m": ""},
        "end_result: Required in state “ended”.",
    ),
    "end date in state agreed": (
        {"end_date": END},
        "end_date: Leave empty in state “agreed”: the referral did not get that far.",
    ),
    "agreement date for a candidate": (
        {"state": "candidate", "agreed_on": AGREED_ON},
        "agreed_on: Leave empty in state “candidate”: the referral did not get that far.",
    ),
    "agreement date for a declined candidacy": (
        {"state": "declined", "agreed_on": AGREED_ON},
        "agreed_on: Leave empty in state “declined”: the referral did not get that far.",
    ),
    "closed with end data but no start": (
        {"state": "closed", "start_date": "", "end_result": "failed", "stop_reason": ""},
        "start_date: Required in state “closed”.",
    ),
    "closed after not admitted without intake": (
        {"state": "closed", "start_date": "", "end_date": "", "end_result": "", "stop_reason": ""},
        "intake_on: Required in state “closed”.",
    ),
    "withdrawn with a start date": (
        {"state": "withdrawn", "start_date": START},
        "start_date: Leave empty in state “withdrawn”: the referral did not get that far.",
    ),
    "withdrawn with an intake but no agreement": (
        {"state": "withdrawn", "agreed_on": "", "intake_on": INTAKE_ON},
        "agreed_on: Required when intake_on is given.",
    ),
    "stopped early without a reason": (
        {"state": "closed", "stop_reason": ""},
        "stop_reason: Required when the end result is stopped_early.",
    ),
    "a stop reason with a pass": (
        {"state": "closed", "end_result": "passed"},
        "stop_reason: Only for the end result stopped_early.",
    ),
    "start before the intake": (
        {"state": "in_training", "start_date": "2024-09-10"},
        "start_date: Lies before intake_on (2024-09-16); "
        "dates follow agreed_on ≤ intake_on ≤ start_date ≤ end_date.",
    ),
    "intake before the agreement": (
        {"state": "admitted", "intake_on": "2024-08-30"},
        "intake_on: Lies before agreed_on (2024-09-02); "
        "dates follow agreed_on ≤ intake_on ≤ start_date ≤ end_date.",
    ),
    "agreement in the future": ({"agreed_on": "2025-06-17"}, "agreed_on: Lies in the future."),
    "past intake of an admitted client in the future": (
        {"state": "admitted", "agreed_on": "2025-06-02", "intake_on": "2025-06-20"},
        "intake_on: Lies in the future.",
    ),
    "work check-up not due yet": (
        {"state": "ended", "work_6m": "no"},
        "work_6m: This check-up is only due on 2025-07-31.",
    ),
    "work after a negative end": (
        {"state": "ended", "end_result": "failed"},
        "work_3m: Only after a positive end (passed, stopped_employment).",
    ),
    "work in state in training": (
        {"state": "in_training", "work_3m": "yes"},
        "work_3m: Leave empty in state “in_training”: the referral did not get that far.",
    ),
    "gender other than the insz says": (
        {"gender": "V"},  # serial 1 is odd: a man
        "gender: The national number gives gender M.",
    ),
}


@pytest.mark.parametrize(("values", "message"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(tmp_path, values, message):
    bad = row(**{"external_id": "imp-2", "serial": 1, **values})
    rows = [row("imp-1", serial=11), bad, row("imp-3", serial=13)]

    result = import_csv(tmp_path, rows)

    assert errors_of(result) == [(3, message)]
    assert result.imported == 0
    assert not Referral.objects.exists()
    assert not Client.objects.exists()


def test_every_error_of_the_file_is_reported(tmp_path):
    rows = [
        row("imp-1", first_name="", agreed_on="2025-13-01"),
        row("imp-2", serial=2),
        row("imp-3", "candidate", serial=3, ocmw="OCMW Mars"),
    ]

    result = import_csv(tmp_path, rows)

    assert errors_of(result) == [
        (2, "first_name: This field is required."),
        (2, "agreed_on: Give the date as YYYY-MM-DD."),
        (4, "ocmw: unknown OCMW “OCMW Mars”."),
    ]
    assert str(result.errors[2]) == "line 4: ocmw: unknown OCMW “OCMW Mars”."


def test_a_value_on_many_rows_is_checked_on_each(tmp_path):
    """Codes and dates are cleaned once a file: the same bad value is still every row's error,
    and the same good one still checked against each row's other columns."""
    rows = [
        row("imp-1", state="started"),
        row("imp-2", serial=2, state="started", gender="F"),
        row("imp-3", "candidate", serial=3, agreed_on=AGREED_ON),
        row("imp-4", serial=4, agreed_on=AGREED_ON),
    ]

    result = import_csv(tmp_path, rows)

    unknown_state = (
        "state: Unknown value “started”; use one of: informed, candidate, agreed, declined, "
        "intake_planned, admitted, not_admitted, in_training, ended, closed, withdrawn."
    )
    assert errors_of(result) == [
        (2, unknown_state),
        (3, "gender: Unknown value “F”; use one of: M, V, X."),
        (3, unknown_state),
        (4, "agreed_on: Leave empty in state “candidate”: the referral did not get that far."),
    ]


def test_a_check_up_is_due_months_after_the_end_clipped_to_the_month(tmp_path, monkeypatch):
    def no_referral_needed(self, months):
        raise AssertionError("checking a row needs no Referral")

    monkeypatch.setattr(Referral, "outcome_due_date", no_referral_needed)
    ended = {"state": "ended", "end_date": "2025-03-31", "work_3m": "yes"}

    result = import_csv(tmp_path, [row(**ended)], dry_run=True)

    assert errors_of(result) == [(2, "work_3m: This check-up is only due on 2025-06-30.")]


def test_an_ocmw_name_that_differs_only_in_case_is_ambiguous(tmp_path):
    OcmwFactory(municipality="Gent", name="OCMW GENT")

    result = import_csv(tmp_path, [row(ocmw="ocmw gent")])

    assert errors_of(result) == [
        (
            2,
            "ocmw: more than one OCMW is named “ocmw gent” (OCMW GENT, OCMW Gent); "
            "give them distinct names first.",
        )
    ]
    assert not Referral.objects.exists()


def test_a_known_insz_with_another_name_is_an_error(tmp_path, ocmw_gent):
    client = ClientFactory(ocmw=ocmw_gent, insz=insz(4), first_name="Lien", last_name="Claes")

    result = import_csv(tmp_path, [row("imp-1", serial=2), row("imp-2", serial=4)])

    assert errors_of(result) == [
        (
            3,
            "insz: this OCMW already has a client with this national number and another "
            "name. Check both with the client.",
        )
    ]
    assert client.last_name not in str(result.errors[0])
    assert not Referral.objects.exists()
    assert Client.objects.get() == client


def test_one_insz_with_two_names_in_the_file_is_an_error_on_the_later_line(tmp_path):
    rows = [
        row("imp-1", serial=4),
        row("imp-2", "declined", serial=4, first_name=" SARA "),
        row("imp-3", "declined", serial=4, last_name="Peeters-Claes"),
    ]

    result = import_csv(tmp_path, rows)

    assert errors_of(result) == [
        (
            4,
            "insz: line 2 has this national number with another name. Check both with the client.",
        )
    ]
    assert not Client.objects.exists()


def test_one_insz_may_have_another_name_in_another_ocmw(tmp_path):
    OcmwFactory(municipality="Aalst")
    rows = [row("imp-1", serial=4), row("imp-2", serial=4, ocmw="OCMW Aalst", first_name="Lien")]

    result = import_csv(tmp_path, rows)

    assert (errors_of(result), result.clients_created) == ([], 2)


def test_a_vdab_office_is_not_an_ocmw(tmp_path, counsellor):
    result = import_csv(tmp_path, [row(ocmw=counsellor.organisation.name)])

    assert errors_of(result) == [(2, f"ocmw: unknown OCMW “{counsellor.organisation.name}”.")]


def test_an_ambiguous_training_title_is_an_error(tmp_path):
    TrainingFactory(okot_type="HBO", title="Verpleegkunde HBO5", location="Aalst")

    result = import_csv(tmp_path, [row()])

    assert errors_of(result) == [
        (
            2,
            "training_title: more than one training “Verpleegkunde HBO5” of type HBO "
            "(Gent, Aalst); give them distinct titles in the catalogue first.",
        )
    ]


def test_a_duplicate_external_id_is_an_error_on_the_later_line(tmp_path):
    rows = [row("imp-1"), row("imp-2", "declined", serial=2), row("imp-1", serial=3)]

    result = import_csv(tmp_path, rows)

    assert errors_of(result) == [(4, "external_id: “imp-1” is also on line 2.")]
    assert not Referral.objects.exists()


def test_a_second_open_referral_for_client_and_training_in_the_file_is_an_error(tmp_path):
    rows = [
        row("imp-1", "closed"),
        row("imp-2", "admitted"),
        row("imp-3", "declined"),
        row("imp-4", "in_training"),
    ]

    result = import_csv(tmp_path, rows)

    assert errors_of(result) == [
        (5, "This client already has an open referral for this training on line 3.")
    ]


def test_an_open_referral_in_the_database_blocks_another_one(tmp_path, ocmw_gent, training):
    client = ClientFactory(ocmw=ocmw_gent, insz=insz(1), first_name="Sara", last_name="Peeters")
    referral_in_state(State.AGREED, client=client, training=training)

    result = import_csv(tmp_path, [row("imp-1", "withdrawn"), row("imp-2", "candidate")])

    assert errors_of(result) == [(3, "This client already has an open referral for this training.")]
    assert Referral.objects.count() == 1
