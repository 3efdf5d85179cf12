"""Importing existing trajectories: what a good file writes, that a second run changes
nothing, that a dry run writes nothing, and that the database is read in bulk.

Bad rows are in test_rows.py, file formats and the command line in
test_files.py, the admin upload in test_admin.py."""

import datetime

import pytest
from django.db.models import F

from notifications.models import Notification
from referrals import imports
from referrals.enums import State
from referrals.models import Client, OutcomeCheck, Referral, ReferralEvent
from referrals.models.followup import checkup_bit
from referrals.signals import referral_event
from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, ReferralFactory, TrainingFactory, make_insz

from .rows import (
    AGREED_ON,
    END,
    INTAKE_ON,
    NOW,
    START,
    STATE_VALUES,
    errors_of,
    every_state,
    import_csv,
    insz,
    local,
    row,
    write_csv,
)

pytestmark = pytest.mark.django_db

# --- a good file -----------------------------------------------------------------------------


def test_a_valid_file_imports_a_referral_in_every_state(tmp_path, catalogue, administrator):
    result = import_csv(tmp_path, every_state(), user=administrator)

    assert errors_of(result) == []
    assert (result.imported, result.already_imported, result.clients_created) == (12, 0, 12)
    assert not Referral.objects.exclude(ocmw=F("client__ocmw")).exists()  # the client's OCMW
    states = dict(Referral.objects.values_list("external_id", "state"))
    assert states == {
        **{f"imp-{state}": state for state in STATE_VALUES},
        "imp-closed-unadmitted": State.CLOSED,
    }
    assert set(Referral.objects.values_list("training", flat=True)) == {catalogue.pk}


def test_each_imported_referral_has_one_import_history_line(tmp_path, catalogue, administrator):
    import_csv(tmp_path, every_state(), user=administrator)

    for referral in Referral.objects.all():
        (event,) = referral.events.all()
        assert event.transition == "import"
        assert (event.from_state, event.to_state) == ("", referral.state)
        assert event.actor == administrator
        assert event.at == NOW
        assert event.data["external_id"] == referral.external_id
        assert event.data["state"] == referral.state
        assert not event.data.keys() & {"insz", "first_name", "last_name", "gender"}


def test_an_ended_row_sets_every_field_and_its_outcome_check(tmp_path, catalogue, administrator):
    import_csv(tmp_path, [row("imp-9", "ended")], user=administrator)

    referral = Referral.objects.get(external_id="imp-9")
    assert referral.agreed_on == datetime.date(2024, 9, 2)
    assert referral.intake_at == local(INTAKE_ON, 9)
    assert referral.start_date == datetime.date(2024, 10, 1)
    assert referral.end_date == datetime.date(2025, 1, 31)
    assert (referral.end_result, referral.stop_reason) == ("passed", "")
    assert referral.created_at == local(AGREED_ON)
    assert referral.state_changed_at == local(END)
    assert referral.created_by == administrator
    assert referral.applied_on is None
    (check,) = OutcomeCheck.objects.filter(referral=referral)
    assert (check.months, check.at_work) == (3, "yes")
    assert check.checked_on == datetime.date(2025, 4, 30)
    assert check.checked_by == administrator
    assert referral.checkups_recorded == checkup_bit(3)  # marked, as the app marks one
    (event,) = referral.events.all()
    assert event.data == {  # the trajectory, without the person: no INSZ, name or gender
        "external_id": "imp-9",
        "ocmw": "OCMW Gent",
        "training_type": "HBO",
        "training_title": "Verpleegkunde HBO5",
        "state": "ended",
        "agreed_on": AGREED_ON,
        "intake_on": INTAKE_ON,
        "start_date": START,
        "end_date": END,
        "end_result": "passed",
        "stop_reason": "",
        # The file has no column obtained: a passed end obtained the diploma on its end date.
        "obtained": "diploma",
        "obtained_on": END,
        "work_3m": "yes",
        "work_6m": "",
        "work_9m": "",
        "work_12m": "",
    }


def test_a_closure_after_a_stopped_training_keeps_its_stop_reason(tmp_path, catalogue):
    import_csv(tmp_path, [row("imp-1", "closed")])

    referral = Referral.objects.get()
    assert (referral.state, referral.end_result, referral.stop_reason) == (
        "closed",
        "stopped_early",
        "illness",
    )
    assert referral.events.get().actor is None


def test_a_planned_intake_may_lie_ahead_but_the_state_changed_by_now(tmp_path, catalogue):
    import_csv(tmp_path, [row("imp-1", "intake_planned")])

    referral = Referral.objects.get()
    assert referral.intake_at == local("2025-06-20", 9)
    assert referral.created_at == local("2025-06-02")
    assert referral.state_changed_at == NOW


def test_a_row_without_dates_is_created_now(tmp_path, catalogue):
    import_csv(tmp_path, [row("imp-1", "candidate")])

    referral = Referral.objects.get()
    assert referral.created_at == referral.state_changed_at == NOW
    assert referral.agreed_on is None and referral.intake_at is None


def test_new_clients_get_their_birth_date_and_gender_from_the_insz(tmp_path, catalogue):
    bis_without_gender = make_insz(datetime.date(1990, 4, 5), 12, month_offset=20)
    import_csv(
        tmp_path,
        [
            row("imp-1", serial=2),  # an odd serial would be a man: 2 is a woman
            row("imp-2", serial=3, first_name="Omar", last_name="Haddad", gender="M"),
            row("imp-3", insz=bis_without_gender, first_name="Ana", gender="X"),
        ],
    )

    clients = {c.first_name: c for c in Client.objects.all()}
    assert (clients["Sara"].last_name, clients["Sara"].insz) == ("Peeters", insz(2))
    assert clients["Sara"].birth_date == datetime.date(1985, 3, 12)
    assert [clients[name].gender for name in ("Sara", "Omar", "Ana")] == ["V", "M", "X"]
    assert {c.ocmw.name for c in clients.values()} == {"OCMW Gent"}


def test_an_existing_client_is_found_by_insz_and_keeps_its_data(tmp_path, catalogue, ocmw_gent):
    client = ClientFactory(ocmw=ocmw_gent, insz=insz(4), first_name="Lien", last_name="Claes")
    other_ocmw = ClientFactory(ocmw=OcmwFactory(municipality="Aalst"), insz=insz(4))
    name = {"first_name": " lien", "last_name": "CLAES "}  # case and spaces do not count

    result = import_csv(
        tmp_path, [row("imp-1", serial=4, **name), row("imp-2", "declined", serial=4, **name)]
    )

    assert result.clients_created == 0
    assert set(Referral.objects.values_list("client", "ocmw")) == {(client.pk, ocmw_gent.pk)}
    client.refresh_from_db()
    assert (client.first_name, client.last_name) == ("Lien", "Claes")
    assert not other_ocmw.referrals.exists()


def test_rows_of_one_new_client_share_that_client(tmp_path, catalogue):
    other = TrainingFactory(okot_type="PBA", title="Bachelor Sociaal Werk")
    rows = [
        row("imp-1"),
        row("imp-2", "candidate", training_type="PBA", training_title=other.title),
    ]

    result = import_csv(tmp_path, rows)

    assert (result.imported, result.clients_created, Client.objects.count()) == (2, 1, 1)


def test_trainings_and_ocmws_match_regardless_of_case_and_spaces(tmp_path, catalogue):
    result = import_csv(
        tmp_path,
        [row(ocmw="ocmw GENT", training_type="hbo", training_title="  verpleegkunde  hbo5 ")],
    )

    assert errors_of(result) == []
    assert Referral.objects.get().training == catalogue


def test_an_inactive_training_is_found_for_old_trajectories(tmp_path, ocmw_gent):
    old = TrainingFactory(okot_type="TKO", title="Secundair diploma", active=False)

    import_csv(tmp_path, [row("imp-1", "closed", training_type="TKO", training_title=old.title)])

    assert Referral.objects.get().training == old


def test_importing_tells_nobody(tmp_path, catalogue):
    sent = []

    def spy(sender, **kwargs):
        sent.append(kwargs)

    referral_event.connect(spy)
    try:
        import_csv(tmp_path, every_state())
    finally:
        referral_event.disconnect(spy)

    assert sent == []
    assert Referral.objects.count() == 12
    assert not Notification.objects.exists()


# --- importing again -------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(tmp_path, catalogue, administrator):
    first = import_csv(tmp_path, every_state(), user=administrator)
    counts = [m.objects.count() for m in (Client, Referral, ReferralEvent, OutcomeCheck)]

    again = import_csv(tmp_path, every_state(), user=administrator)

    assert (first.imported, first.already_imported) == (12, 0)
    assert (again.imported, again.already_imported, again.errors) == (0, 12, [])
    assert [m.objects.count() for m in (Client, Referral, ReferralEvent, OutcomeCheck)] == counts
    assert again.summary() == "0 imported, 12 already imported."


def test_a_grown_file_imports_only_its_new_rows(tmp_path, catalogue):
    import_csv(tmp_path, [row("imp-1")])

    result = import_csv(tmp_path, [row("imp-1"), row("imp-2", "declined")])

    assert (result.imported, result.already_imported) == (1, 1)
    assert Referral.objects.count() == 2


# --- checking without writing, and in bulk ------------------------------------------------


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, catalogue):
    result = import_csv(tmp_path, every_state(), dry_run=True)

    assert (result.imported, result.already_imported, result.errors) == (12, 0, [])
    assert result.summary() == (
        "Dry run: 12 would be imported, 0 already imported. Nothing was written."
    )
    assert not Referral.objects.exists()
    assert not Client.objects.exists()


def test_a_dry_run_finds_what_only_the_database_knows(tmp_path, catalogue):
    result = import_csv(tmp_path, [row(ocmw="OCMW Brugge")], dry_run=True)

    assert errors_of(result) == [(2, "ocmw: unknown OCMW “OCMW Brugge”.")]


def test_a_large_file_is_checked_and_written_in_bulk(
    tmp_path, catalogue, ocmw_gent, django_assert_max_num_queries
):
    clients = ClientFactory.create_batch(300, ocmw=ocmw_gent)
    rows = [
        row(f"imp-{n}", "ended", insz=c.insz, first_name=c.first_name, last_name=c.last_name)
        for n, c in enumerate(clients)
    ]
    parsed = imports.read_rows("big.csv", write_csv(tmp_path / "big.csv", rows).read_bytes())

    # external ids, OCMWs, trainings, clients, their open referrals (and a savepoint)
    with django_assert_max_num_queries(7):
        result = imports.referral_import(rows=parsed, dry_run=True)
    # plus a few inserts per table (SQLite's batches hold about 30 referrals, PostgreSQL's 500)
    with django_assert_max_num_queries(30):
        imports.referral_import(rows=parsed)

    assert result.imported == 300
    assert OutcomeCheck.objects.count() == 300


def test_new_clients_are_added_in_bulk(tmp_path, catalogue, django_assert_max_num_queries):
    rows = [row(f"imp-{n}", "ended", serial=n) for n in range(1, 301)]
    parsed = imports.read_rows("big.csv", write_csv(tmp_path / "big.csv", rows).read_bytes())

    # checking as above, and a few inserts per table: not one per client
    with django_assert_max_num_queries(40):
        result = imports.referral_import(rows=parsed)

    assert (result.imported, result.clients_created) == (300, 300)
    assert Client.objects.filter(birth_date=datetime.date(1985, 3, 12)).count() == 300


def test_a_file_is_written_a_chunk_of_rows_at_a_time(tmp_path, catalogue, monkeypatch):
    monkeypatch.setattr(imports.write, "CHUNK", 2)
    other = TrainingFactory(okot_type="PBA", title="Bachelor Sociaal Werk")
    second = {"training_type": "PBA", "training_title": other.title}
    rows = [
        *every_state()[:4],
        row("imp-again", "candidate", serial=4, **second),  # a client of an earlier chunk
        row("imp-ended", "ended", serial=50),
    ]

    result = import_csv(tmp_path, rows)

    assert (result.imported, result.clients_created) == (6, 5)
    assert Client.objects.count() == 5
    assert Referral.objects.filter(client__insz=insz(4)).count() == 2
    assert ReferralEvent.objects.filter(transition="import").count() == 6
    assert OutcomeCheck.objects.get().referral.external_id == "imp-ended"


def test_a_referral_added_while_importing_undoes_the_whole_import(tmp_path, catalogue, monkeypatch):
    check_rows = imports.check_rows

    def someone_adds_imp_2_after_the_check(rows, progress=None):
        plan = check_rows(rows, progress)
        ReferralFactory(external_id="imp-2", training=catalogue)
        return plan

    monkeypatch.setattr(imports.write, "check_rows", someone_adds_imp_2_after_the_check)

    result = import_csv(tmp_path, [row("imp-1"), row("imp-2", "declined", serial=2)])

    assert errors_of(result) == [
        (None, "The referrals changed during the import; nothing was imported. Try again.")
    ]
    assert list(Referral.objects.values_list("external_id", flat=True)) == ["imp-2"]
    assert not Client.objects.filter(insz__in=[insz(1), insz(2)]).exists()
    assert not ReferralEvent.objects.exists()
