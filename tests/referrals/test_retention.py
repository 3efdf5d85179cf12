"""The retention: who is due, in batches and once, what a dry run says, the audit row per
client, the command, the task and its monthly beat entry.

What it removes is tests/referrals/test_retention_data.py; that the figures stay is
tests/referrals/reports/test_retention.py; the pages of a pseudonymised client are
tests/referrals/test_retention_pages.py."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.forms import model_to_dict

from audit.models import Entry, Kind
from referrals import tasks
from referrals.enums import FINAL_STATES, State
from referrals.models import Client, Referral, TemporaryWorkExperience
from referrals.services import apply_retention, clients_due_for_retention, retention
from referrals.signals import clients_pseudonymised
from tests.accounts.factories import AdministratorFactory, OcmwFactory
from tests.referrals.factories import ClientFactory, ReferralFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime.datetime(2031, 6, 2, 9, 0, tzinfo=BRUSSELS)
CUTOFF = datetime.datetime(2026, 6, 2, 9, 0, tzinfo=BRUSSELS)  # five years before
LONG_AGO = CUTOFF - datetime.timedelta(days=1)
RECENTLY = CUTOFF + datetime.timedelta(days=1)
OPEN_STATES = [state for state in State.values if state not in FINAL_STATES]


@pytest.fixture(autouse=True)
def five_years(settings):
    settings.OKOT_RETENTION_YEARS = 5


def referral_of(client, state, changed_at):
    """A referral of `client` in `state` since `changed_at`, written straight to the table."""
    referral = ReferralFactory(client=client)
    Referral.objects.filter(pk=referral.pk).update(state=state, state_changed_at=changed_at)
    return referral


def client_changed_at(moment, **kwargs) -> Client:
    client = ClientFactory(**kwargs)
    Client.objects.filter(pk=client.pk).update(updated_at=moment)
    return client


def due_ids() -> set[int]:
    return set(clients_due_for_retention(NOW).values_list("pk", flat=True))


# --- who is due -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", FINAL_STATES)
def test_a_client_whose_referral_reached_a_final_state_long_ago_is_due(state):
    client = ClientFactory()
    referral_of(client, state, LONG_AGO)

    assert due_ids() == {client.pk}


@pytest.mark.parametrize("state", FINAL_STATES)
def test_a_client_whose_referral_reached_a_final_state_recently_is_kept(state):
    referral_of(ClientFactory(), state, RECENTLY)

    assert due_ids() == set()


def test_the_cutoff_itself_is_recent():
    referral_of(ClientFactory(), State.CLOSED, CUTOFF)

    assert due_ids() == set()


@pytest.mark.parametrize("state", OPEN_STATES)
def test_a_client_with_an_open_referral_is_kept_however_old_it_is(state):
    client = ClientFactory()
    referral_of(client, State.CLOSED, LONG_AGO)
    referral_of(client, state, LONG_AGO)

    assert due_ids() == set()


def test_the_last_referral_counts_not_the_first():
    client = ClientFactory()
    referral_of(client, State.CLOSED, LONG_AGO - datetime.timedelta(days=2000))
    referral_of(client, State.WITHDRAWN, RECENTLY)

    assert due_ids() == set()


@pytest.mark.parametrize(
    ("changed_at", "due"), [(LONG_AGO, True), (RECENTLY, False)], ids=["long-ago", "recently"]
)
def test_a_client_never_referred_is_due_when_the_file_has_not_changed_for_as_long(changed_at, due):
    client = client_changed_at(changed_at)

    assert due_ids() == ({client.pk} if due else set())


@pytest.mark.parametrize(
    ("end_date", "due"),
    [(None, False), (RECENTLY.date(), False), (LONG_AGO.date(), True)],
    ids=["ongoing", "ended-since", "ended-before"],
)
def test_a_temporary_work_experience_that_runs_or_ended_since_keeps_the_client(end_date, due):
    client = ClientFactory()
    referral_of(client, State.CLOSED, LONG_AGO)
    TemporaryWorkExperience.objects.create(
        client=client, start_date=datetime.date(2020, 1, 1), end_date=end_date
    )

    assert due_ids() == ({client.pk} if due else set())


def test_years_overrides_the_setting():
    client = ClientFactory()
    referral_of(client, State.CLOSED, NOW - datetime.timedelta(days=3 * 366))

    assert set(clients_due_for_retention(NOW, years=3).values_list("pk", flat=True)) == {client.pk}
    assert due_ids() == set()


def test_a_person_still_followed_at_another_ocmw_is_kept_at_both():
    """The same INSZ at two OCMWs: pseudonymising one would make them two persons in the
    count of unique trainees."""
    gent = ClientFactory()
    aalst = ClientFactory(ocmw=OcmwFactory(municipality="Aalst"), insz=gent.insz)
    referral_of(gent, State.CLOSED, LONG_AGO)
    referral_of(aalst, State.IN_TRAINING, LONG_AGO)

    assert due_ids() == set()


def test_the_clients_of_one_person_share_their_marker():
    gent = ClientFactory()
    aalst = ClientFactory(ocmw=OcmwFactory(municipality="Aalst"), insz=gent.insz)
    other = ClientFactory()
    for client in (gent, aalst, other):
        referral_of(client, State.CLOSED, LONG_AGO)

    apply_retention(now=NOW, batch_size=1)

    markers = dict(Client.objects.values_list("pk", "insz"))
    assert markers[gent.pk] == markers[aalst.pk] == f"~{min(gent.pk, aalst.pk)}"
    assert markers[other.pk] == f"~{other.pk}"


def test_a_persons_clients_are_never_split_over_batches():
    due = [(1, "a", "G"), (2, "b", "G"), (3, "a", "A"), (4, "c", "G"), (5, "b", "A")]

    batches = list(retention._batches(due, 1))

    assert batches == [[1, 3], [2, 5], [4]]


def test_a_referral_registered_after_the_list_was_made_keeps_its_client(monkeypatch):
    """Each batch asks again, inside its transaction, who is due."""
    late, other = ClientFactory(), ClientFactory()
    referral_of(late, State.CLOSED, LONG_AGO)
    referral_of(other, State.CLOSED, LONG_AGO)
    due = retention.clients_due_for_retention
    calls = []

    def meanwhile(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first batch asks again
            ReferralFactory(client=late)
        return due(*args, **kwargs)

    monkeypatch.setattr(retention, "clients_due_for_retention", meanwhile)

    result = apply_retention(now=NOW)

    assert [client.pk for client in result.clients] == [other.pk]
    late.refresh_from_db()
    assert not late.is_pseudonymised


# --- a run: batches, once, the audit trail ------------------------------------------------


def test_a_run_pseudonymises_every_client_due_in_batches():
    clients = [ClientFactory() for _n in range(5)]
    for client in clients:
        referral_of(client, State.CLOSED, LONG_AGO)
        referral_of(client, State.DECLINED, LONG_AGO)

    result = apply_retention(now=NOW, batch_size=2)

    assert sorted(c.pk for c in result.clients) == sorted(c.pk for c in clients)
    assert result.referrals == 10
    assert Client.objects.filter(pseudonymised_at=NOW).count() == 5


def test_each_pseudonymised_client_leaves_an_audit_row():
    client = ClientFactory()
    for state in FINAL_STATES:
        referral_of(client, state, LONG_AGO)
    never_referred = client_changed_at(LONG_AGO)

    apply_retention(now=NOW)

    rows = Entry.objects.filter(kind=Kind.RETENTION)
    assert sorted(rows.values_list("client_id", "detail", "actor")) == sorted(
        [(client.pk, {"referrals": 3}, None), (never_referred.pk, {"referrals": 0}, None)]
    )


def test_a_failure_midway_leaves_the_batch_untouched(monkeypatch):
    """Client, referrals and audit rows commit together or not at all."""
    client = ClientFactory()
    referral = referral_of(client, State.WITHDRAWN, LONG_AGO)
    Referral.objects.filter(pk=referral.pk).update(withdraw_reason="Verhuisd naar Zwolle")

    def fails(**kwargs):
        raise RuntimeError("boom")

    clients_pseudonymised.connect(fails, dispatch_uid="test-fails")
    try:
        with pytest.raises(RuntimeError):
            apply_retention(now=NOW)
    finally:
        clients_pseudonymised.disconnect(dispatch_uid="test-fails")

    client.refresh_from_db()
    referral.refresh_from_db()
    assert not client.is_pseudonymised
    assert referral.withdraw_reason == "Verhuisd naar Zwolle"
    assert not Entry.objects.filter(kind=Kind.RETENTION).exists()


def test_running_it_again_changes_nothing():
    client = ClientFactory()
    referral_of(client, State.CLOSED, LONG_AGO)
    apply_retention(now=NOW)
    client.refresh_from_db()
    after_first = model_to_dict(client)

    again = apply_retention(now=NOW + datetime.timedelta(days=31))

    client.refresh_from_db()
    assert again.clients == []
    assert model_to_dict(client) == after_first
    assert client.pseudonymised_at == NOW
    assert Entry.objects.filter(kind=Kind.RETENTION).count() == 1


def test_a_pseudonymised_client_saved_again_keeps_gender_and_marker():
    """save() derives birth date and gender from the INSZ, which is a marker now."""
    client = ClientFactory()
    gender = client.gender
    retention.client_pseudonymise(client=client, now=NOW)

    client.refresh_from_db()
    client.save()

    client.refresh_from_db()
    assert (client.insz, client.gender, client.birth_date) == (f"~{client.pk}", gender, None)


# --- dry run and command --------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_lists_who_would_go():
    client = ClientFactory()
    referral = referral_of(client, State.CLOSED, LONG_AGO)
    Referral.objects.filter(pk=referral.pk).update(handover_notes="Bellen na 17 uur")
    kept = ClientFactory()
    referral_of(kept, State.ADMITTED, LONG_AGO)
    before = [model_to_dict(c) for c in Client.objects.order_by("pk")]

    result = apply_retention(now=NOW, dry_run=True)

    assert [(c.pk, c.ocmw, c.referrals, c.last_closed) for c in result.clients] == [
        (client.pk, client.ocmw.name, 1, LONG_AGO)
    ]
    assert (result.dry_run, result.stale_open) == (True, 1)
    assert [model_to_dict(c) for c in Client.objects.order_by("pk")] == before
    assert Referral.objects.get(pk=referral.pk).handover_notes == "Bellen na 17 uur"
    assert not Entry.objects.exists()


def run_command(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_command_lists_ids_and_ocmws_never_names(in_english):
    client = ClientFactory(first_name="Zorbalina", last_name="Quetzal")
    referral_of(client, State.CLOSED, LONG_AGO)
    changed_on = datetime.date(2025, 4, 27)
    never_referred = client_changed_at(datetime.datetime(2025, 4, 27, 12, tzinfo=BRUSSELS))

    output = run_command("--dry-run")

    assert f"client {client.pk}, {client.ocmw.name}: 1 referral, not open since 2026-06-01" in (
        output
    )
    assert (
        f"client {never_referred.pk}, {never_referred.ocmw.name}: never referred, file last "
        f"changed on {changed_on.isoformat()}"
    ) in output
    assert "Dry run: 2 clients (1 referrals) would be pseudonymised" in output
    assert "Nothing was written." in output
    for personal in ("Zorbalina", "Quetzal", client.insz, never_referred.last_name):
        assert personal not in output
    assert not Client.objects.filter(pseudonymised_at__isnull=False).exists()


def test_the_command_pseudonymises_and_says_how_many(in_english):
    referral_of(ClientFactory(), State.CLOSED, LONG_AGO)
    referral_of(ClientFactory(), State.IN_TRAINING, LONG_AGO)

    output = run_command()

    assert "1 client (1 referrals) pseudonymised" in output
    assert "1 referral is still open but unchanged since before then" in output
    assert Client.objects.filter(pseudonymised_at__isnull=False).count() == 1


def test_the_command_takes_years():
    client = ClientFactory()
    referral_of(client, State.CLOSED, NOW - datetime.timedelta(days=2 * 366))

    run_command("--years", "2")

    client.refresh_from_db()
    assert client.is_pseudonymised


@pytest.mark.parametrize("years", ["0", "-3"])
def test_the_command_refuses_fewer_than_one_year(years, in_english):
    with pytest.raises(CommandError, match="--years must be 1 or more."):
        run_command("--years", years)


# --- the task and beat ----------------------------------------------------------------------


def test_the_task_applies_the_retention():
    client = ClientFactory()
    referral_of(client, State.CLOSED, LONG_AGO)

    with time_machine.travel(NOW, tick=False):
        pseudonymised = tasks.apply_retention.delay().get()

    client.refresh_from_db()
    assert (pseudonymised, client.is_pseudonymised) == (1, True)


def test_beat_applies_the_retention_on_the_first_of_each_month():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]

    assert entry["task"] == tasks.apply_retention.name == "referrals.tasks.apply_retention"
    assert entry["schedule"].day_of_month == {1}
    assert entry["schedule"].month_of_year == set(range(1, 13))
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {0})


def test_the_default_is_five_years():
    from config.settings import base

    assert base.OKOT_RETENTION_YEARS == 5


def test_a_client_passed_twice_is_pseudonymised_once():
    """The objects a caller holds may be stale: the service reads them again."""
    client = ClientFactory()
    stale = Client.objects.get(pk=client.pk)
    retention.client_pseudonymise(client=client, now=NOW)

    assert retention.client_pseudonymise(client=stale, now=NOW) == 0
    assert Entry.objects.filter(kind=Kind.RETENTION).count() == 1


# --- the trail's own retention, in the same run ------------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry run"])
def test_the_run_applies_the_trails_own_retention_too(settings, dry_run):
    settings.OKOT_AUDIT_RETENTION_DAYS = 30
    old = Entry.objects.create(kind=Kind.VIEW, at=NOW - datetime.timedelta(days=31), client_id=1)
    recent = Entry.objects.create(kind=Kind.VIEW, at=NOW - datetime.timedelta(days=29))

    result = apply_retention(now=NOW, dry_run=dry_run)

    assert result.purged["audit.Entry"] == 1
    assert Entry.objects.filter(pk=old.pk).exists() is dry_run
    assert Entry.objects.filter(pk=recent.pk).exists()


def test_the_command_says_what_the_trails_retention_deleted(settings, in_english):
    settings.OKOT_AUDIT_RETENTION_DAYS = 30
    Entry.objects.create(kind=Kind.VIEW, at=NOW - datetime.timedelta(days=31))

    output = run_command()

    assert "Past their own retention, deleted: audit.Entry 1" in output


def test_the_admins_own_log_forgets_the_names():
    client = ClientFactory(first_name="Zorro", last_name="Vandersmissen")
    referral = referral_of(client, State.CLOSED, LONG_AGO)
    admin_user = AdministratorFactory()
    LogEntry.objects.log_actions(
        user_id=admin_user.pk, queryset=[client, referral], action_flag=CHANGE
    )

    retention.client_pseudonymise(client=client, now=NOW)

    assert set(LogEntry.objects.values_list("object_repr", flat=True)) == {retention.PSEUDONYM}
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 2  # what and when stay
