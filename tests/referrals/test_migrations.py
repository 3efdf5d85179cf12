"""Migrations: what they do to rows that exist when they run, and what stops them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from tests.migrating import migrate

BEFORE = [("referrals", "0002_roles_and_entry_conditions")]
AFTER = [("referrals", "0003_referral_applied_on")]


def ocmw_and_training(apps):
    """An OCMW and a training as the historical models at that migration know them."""
    Organisation = apps.get_model("accounts", "Organisation")
    Training = apps.get_model("referrals", "Training")
    ocmw = Organisation.objects.create(name="OCMW Migratie", kind="ocmw", province="limburg")
    training = Training.objects.create(
        title="Migratie",
        okot_type="PBA",
        institution="X",
        location="Y",
        province="limburg",
        duration_months=12,
    )
    return ocmw, training


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_applied_on_is_backfilled_from_the_apply_history_line_in_brussels_time(back_to_latest):
    apps = migrate(BEFORE)
    Client = apps.get_model("referrals", "Client")
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    ocmw, training = ocmw_and_training(apps)

    def referral(n: int, state: str):
        client = Client.objects.create(
            ocmw=ocmw, first_name="A", last_name=f"B{n}", insz=f"9001010{n:02d}00"
        )
        return Referral.objects.create(client=client, training=training, state=state)

    applied = referral(1, "agreed")
    # 23:30 UTC on 31 January is already 1 February in Brussels.
    at = datetime.datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    ReferralEvent.objects.create(referral=applied, at=at, transition="create", to_state="informed")
    ReferralEvent.objects.create(
        referral=applied, at=at, transition="apply", from_state="informed", to_state="candidate"
    )
    never_applied = referral(2, "informed")

    apps = migrate(AFTER)
    Referral = apps.get_model("referrals", "Referral")

    assert Referral.objects.get(pk=applied.pk).applied_on == datetime.date(2025, 2, 1)
    assert Referral.objects.get(pk=never_applied.pk).applied_on is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_texts_longer_than_their_new_limit_stop_the_migration_and_stay_whole(back_to_latest):
    """The limits are not applied over longer texts (the database would refuse them in
    words nobody can act on) and never cut them: the migration names the rows and stops."""
    apps = migrate([("referrals", "0004_report_indexes")])
    Organisation = apps.get_model("accounts", "Organisation")
    Client = apps.get_model("referrals", "Client")
    ocmw = Organisation.objects.create(name="OCMW Lang", kind="ocmw", province="limburg")
    Client.objects.create(
        ocmw=ocmw, first_name="A", last_name="B", insz="90010100100", notes="x" * 5000
    )
    long = Client.objects.create(
        ocmw=ocmw, first_name="C", last_name="D", insz="90010100200", notes="x" * 5001
    )

    with pytest.raises(CommandError) as stopped:
        migrate([("referrals", "0006_text_limits")])

    assert f"referrals.Client.notes: 1 longer than 5000 characters (ids {long.pk})" in str(
        stopped.value
    )
    assert Client.objects.get(pk=long.pk).notes == "x" * 5001
    Client.objects.filter(pk=long.pk).update(notes="x" * 5000)

    apps = migrate([("referrals", "0006_text_limits")])

    assert apps.get_model("referrals", "Client").objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_candidacies_refused_as_already_open_are_linked_to_the_referral_open_then(
    back_to_latest,
):
    apps = migrate([("referrals", "0006_text_limits")])
    User = apps.get_model("accounts", "User")
    Client = apps.get_model("referrals", "Client")
    Referral = apps.get_model("referrals", "Referral")
    Candidacy = apps.get_model("referrals", "Candidacy")
    ocmw, training = ocmw_and_training(apps)
    counsellor = User.objects.create(username="vdab-migratie")
    person = Client.objects.create(ocmw=ocmw, first_name="A", last_name="B", insz="90010100100")
    then = datetime.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("UTC"))
    older = Referral.objects.create(
        client=person, training=training, state="declined", created_at=then.replace(month=1)
    )
    open_then = Referral.objects.create(
        client=person, training=training, state="candidate", created_at=then.replace(month=2)
    )

    def candidacy(outcome, insz="90010100100"):
        return Candidacy.objects.create(
            registered_by=counsellor,
            registered_at=then,
            ocmw=ocmw,
            training=training,
            insz=insz,
            first_name="A",
            last_name="B",
            outcome=outcome,
        )

    already_open = candidacy("already_open")
    limited = candidacy("limited")

    apps = migrate([("referrals", "0007_candidacy_referral_many")])
    Candidacy = apps.get_model("referrals", "Candidacy")

    assert Candidacy.objects.get(pk=already_open.pk).referral_id == open_then.pk != older.pk
    assert Candidacy.objects.get(pk=limited.pk).referral_id is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_client_who_consents_gets_the_history_row_of_that_consent(back_to_latest):
    apps = migrate([("referrals", "0009_retention")])
    Organisation = apps.get_model("accounts", "Organisation")
    Client = apps.get_model("referrals", "Client")
    ocmw = Organisation.objects.create(name="OCMW Migratie", kind="ocmw", province="limburg")

    def client(n: int, consent_vdab: bool, consent_date):
        return Client.objects.create(
            ocmw=ocmw,
            first_name="A",
            last_name=f"B{n}",
            insz=f"9001010{n:02d}00",
            consent_vdab=consent_vdab,
            consent_date=consent_date,
        )

    consents = client(1, True, datetime.date(2024, 5, 6))
    never = client(2, False, None)
    unticked = client(3, False, datetime.date(2023, 1, 2))  # the old way of withdrawing

    apps = migrate([("referrals", "0010_consent")])
    Consent = apps.get_model("referrals", "Consent")

    assert list(
        Consent.objects.values_list(
            "client_id", "scope", "given_on", "recorded_by", "withdrawn_on", "document_reference"
        )
    ) == [(consents.pk, "okot", datetime.date(2024, 5, 6), None, None, "")]
    assert not Consent.objects.filter(client_id__in=[never.pk, unticked.pk]).exists()
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="referrals", codename="view_consent")
    assert view.group_set.filter(name="Administrator").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ends_recorded_after_0011_get_what_they_obtained_before_the_constraints(back_to_latest):
    """0011 filled what the ends before it obtained; the end step did not record it until
    0012, which fills the ends recorded in between the same way, so that its constraints
    hold: passed the diploma on the end date, any other end nothing."""
    apps = migrate([("referrals", "0011_obtained")])
    Client = apps.get_model("referrals", "Client")
    Referral = apps.get_model("referrals", "Referral")
    ocmw, training = ocmw_and_training(apps)
    start, end = datetime.date(2024, 9, 2), datetime.date(2025, 6, 30)

    def referral(n: int, result: str, **fields):
        client = Client.objects.create(
            ocmw=ocmw, first_name="A", last_name=f"B{n}", insz=f"9001010{n:02d}00"
        )
        return Referral.objects.create(
            client=client,
            training=training,
            state="ended" if result else "in_training",
            start_date=start,
            end_date=end if result else None,
            end_result=result,
            **fields,
        ).pk

    passed, failed, training_on = referral(1, "passed"), referral(2, "failed"), referral(3, "")
    filled = referral(4, "stopped_early", obtained="partial", obtained_on=start)

    apps = migrate([("referrals", "0016_school_years")])
    Referral = apps.get_model("referrals", "Referral")
    found = dict(
        (pk, (obtained, on))
        for pk, obtained, on in Referral.objects.values_list("pk", "obtained", "obtained_on")
    )

    assert found == {
        passed: ("diploma", end),
        failed: ("none", None),
        training_on: ("", None),
        filled: ("partial", start),
    }
    Permission = apps.get_model("auth", "Permission")
    for codename in ("view_schoolyear", "delete_schoolyear"):
        permission = Permission.objects.get(content_type__app_label="referrals", codename=codename)
        assert permission.group_set.filter(name="Administrator").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_breaking_the_new_rules_stop_the_migration_and_stay_whole(back_to_latest):
    """0018 adds the steps' rules as constraints: a stored row that breaks one is named and
    nothing changes; corrected, the migration runs."""
    apps = migrate([("referrals", "0017_words")])
    Client = apps.get_model("referrals", "Client")
    Referral = apps.get_model("referrals", "Referral")
    ocmw, training = ocmw_and_training(apps)
    clients = [
        Client.objects.create(ocmw=ocmw, first_name="A", last_name=f"B{n}", insz=f"9001010{n}00")
        for n in (1, 2)
    ]
    start = datetime.date(2025, 9, 1)
    fine = Referral.objects.create(
        client=clients[0], training=training, state="in_training", start_date=start
    )
    backwards = Referral.objects.create(
        client=clients[1],
        training=training,
        state="in_training",
        agreed_on=start + datetime.timedelta(days=3),
        start_date=start,
    )

    with pytest.raises(CommandError) as stopped:
        migrate([("referrals", "0018_rules_in_the_database")])

    message = str(stopped.value)
    assert "referrals.Referral referral_start_not_before_agreed: " in message
    assert f"(ids {backwards.pk})" in message and f"{fine.pk}," not in message
    assert Referral.objects.get(pk=backwards.pk).agreed_on == start + datetime.timedelta(days=3)
    Referral.objects.filter(pk=backwards.pk).update(agreed_on=start)

    apps = migrate([("referrals", "0018_rules_in_the_database")])

    assert apps.get_model("referrals", "Referral").objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_jobs_stuck_before_0044_end_failed_and_the_others_are_the_relays(back_to_latest):
    """A job not ended a day after it started was stuck (its worker lost, before the lock
    that lets the next one take it over): it ends failed, in its language, its file
    dropped, rather than be imported now, unasked. A younger one waits for its task, or
    for the relay, counted from when it started."""
    apps = migrate([("referrals", "0043_candidacy_search_indexes")])
    User = apps.get_model("accounts", "User")
    ImportJob = apps.get_model("referrals", "ImportJob")
    importer = User.objects.create(username="importeur")
    now = timezone.now()

    def job(status: str, age: datetime.timedelta, language: str = "nl"):
        return ImportJob.objects.create(
            started_by=importer,
            created_at=now - age,
            file_name="trajecten.csv",
            checksum="0" * 64,
            content=b"" if status in ("done", "failed") else b"external_id,...",
            language=language,
            status=status,
        )

    stuck = job("running", datetime.timedelta(days=2))
    stuck_in_english = job("queued", datetime.timedelta(days=30), language="en")
    recent = job("queued", datetime.timedelta(hours=20))
    done = job("done", datetime.timedelta(days=40))

    apps = migrate([("referrals", "0044_importjob_queued_at_attempts")])
    ImportJob = apps.get_model("referrals", "ImportJob")
    jobs = {row.pk: row for row in ImportJob.objects.all()}

    assert (jobs[stuck.pk].status, bytes(jobs[stuck.pk].content)) == ("failed", b"")
    assert jobs[stuck.pk].failure == (
        "De import werd niet afgewerkt: de worker die hem uitvoerde, viel weg. Laad het "
        "bestand opnieuw op; rijen die al geïmporteerd zijn, worden overgeslagen."
    )
    assert jobs[stuck.pk].finished_at is not None
    assert jobs[stuck_in_english.pk].failure == (
        "The import did not finish: the worker running it was lost. Upload the file again; "
        "rows already imported are skipped."
    )
    assert (jobs[recent.pk].status, jobs[recent.pk].failure) == ("queued", "")
    assert jobs[recent.pk].queued_at == recent.created_at
    assert bytes(jobs[recent.pk].content) == b"external_id,..."
    assert (jobs[done.pk].status, jobs[done.pk].failure, jobs[done.pk].finished_at) == (
        "done",
        "",
        None,
    )
    assert {row.attempts for row in jobs.values()} == {0}
