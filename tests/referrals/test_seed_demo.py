"""`manage.py seed_demo`: what `make demo` shows must exist, be reachable and stay put."""

import base64
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.models import Organisation, Role, User
from accounts.two_factor import verify
from notifications.models import Kind, Notification
from referrals.enums import (
    SCHOOL_YEAR_RECORDED,
    VDAB_REGISTRATION,
    VDAB_REGISTRATION_STATES,
    EndResult,
    Obtained,
    OkotType,
    SchoolYearResult,
    State,
    TrainingMode,
)
from referrals.models import (
    Client,
    Consent,
    GuidanceNote,
    InfoSession,
    Interruption,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    SchoolYear,
    StartMoment,
    TemporaryWorkExperience,
    Training,
)
from referrals.models.followup import school_year_label

# `db`, not the django_db mark: the demo data's transaction opens first (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("db")

PASSWORD = "demo-test-password"
DEMO_USERS = {
    "ocmw-gent": Role.CASEWORKER,
    "ocmw-aalst": Role.CASEWORKER,
    "vdab-gent": Role.COUNSELLOR,
    "netwerk-oost": Role.NETWORK_MANAGER,
    "beheerder": Role.ADMINISTRATOR,
}
SEEDED_MODELS = [
    Organisation,
    User,
    Training,
    StartMoment,
    InfoSession,
    Client,
    Consent,
    TemporaryWorkExperience,
    Referral,
    ReferralEvent,
    GuidanceNote,
    OutcomeCheck,
]


def log_in(username: str, password: str):
    """The user the login form would accept (the lockout's backend needs its request)."""
    request = RequestFactory().post(reverse("login"))
    return authenticate(request, username=username, password=password)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def age_band(age: int) -> str:
    return "-25" if age < 25 else "25-40" if age < 40 else "40-55" if age < 55 else "55+"


@pytest.fixture(autouse=True)
def demo_data_where_asked(request, shared_rows) -> None:
    """The demo data, seeded once (it takes seconds) and kept for the tests that ask for
    `seeded`; an empty database for the others (see SharedRows in tests/conftest.py)."""
    if "seeded" in request.fixturenames:
        shared_rows.make(lambda: seed(password=PASSWORD))
    else:
        shared_rows.roll_back()


@pytest.fixture
def seeded(shared_rows) -> str:
    """The database with the demo data, seeded with PASSWORD; the seed's output."""
    return shared_rows.rows


def test_demo_users_log_in_with_the_given_password_and_have_their_role(seeded):
    for username, group in DEMO_USERS.items():
        user = log_in(username=username, password=PASSWORD)
        assert user is not None, username
        assert list(user.groups.values_list("name", flat=True)) == [group]
    assert User.objects.get(username="ocmw-gent").is_caseworker
    assert User.objects.get(username="ocmw-aalst").is_caseworker
    assert User.objects.get(username="vdab-gent").is_counsellor
    assert User.objects.get(username="netwerk-oost").is_network_manager
    admin = User.objects.get(username="beheerder")
    assert (admin.is_staff, admin.is_superuser, admin.organisation) == (True, True, None)


def test_creates_the_two_ocmws_and_vdab_oost_vlaanderen(seeded):
    assert set(Organisation.objects.values_list("name", "kind", "municipality", "province")) == {
        ("OCMW Gent", "ocmw", "Gent", "oost_vlaanderen"),
        ("OCMW Aalst", "ocmw", "Aalst", "oost_vlaanderen"),
        ("VDAB Oost-Vlaanderen", "vdab", "Gent", "oost_vlaanderen"),
    }


def test_catalogue_has_active_trainings_of_every_okot_type_and_one_inactive(seeded):
    active = Training.objects.filter(active=True)
    assert set(active.values_list("okot_type", flat=True)) == set(OkotType.values)
    assert Training.objects.filter(active=False).count() == 1
    assert set(Training.objects.values_list("contact_counsellor__username", flat=True)) == {
        "vdab-gent"
    }


def test_catalogue_shows_what_the_guide_says_and_one_training_no_longer_offered(seeded):
    today = timezone.localdate()
    offered = Training.objects.offered()
    past_its_last_start = Training.objects.active().exclude(pk__in=offered)
    assert [t.title for t in past_its_last_start] == ["7BSO Kinderzorg"]
    nursing = offered.get(title="HBO5 Verpleegkunde", location="Gent")
    assert nursing.mode == TrainingMode.MIXED
    assert nursing.shortage_occupation and nursing.shortage_list_year == today.year
    starts = list(nursing.start_moments.values_list("starts_on", flat=True))
    assert min(starts) < today < max(starts)
    assert nursing.info_sessions.filter(starts_at__gte=timezone.now()).exists()
    assert offered.filter(start_moments__isnull=True).exists()  # kept offered without any
    assert InfoSession.objects.filter(online=True).exists()
    for row in [*Training.objects.all(), *StartMoment.objects.all(), *InfoSession.objects.all()]:
        row.full_clean()


def test_clients_have_valid_insz_and_consent_but_one_who_withdrew_it(seeded):
    for client in Client.objects.all():
        client.full_clean()
        assert client.birth_date and client.gender in ("M", "V")
        assert client.has_consent is (client.consent_withdrawn_on() is None)
    assert Client.objects.filter(consent_vdab=False).count() == 1
    assert Client.objects.filter(ocmw__name="OCMW Gent").count() >= 20
    assert Client.objects.filter(ocmw__name="OCMW Aalst").count() >= 10


def test_referrals_reach_every_state(seeded):
    assert set(Referral.objects.values_list("state", flat=True)) == set(State.values)


def test_every_referral_has_a_history_that_ends_in_its_state(seeded):
    referrals = Referral.objects.annotate(n_events=Count("events"))
    assert not referrals.filter(n_events=0).exists()
    for referral in referrals.prefetch_related("events"):
        events = list(referral.events.all())
        assert events[0].transition == "create"
        assert events[-1].to_state == referral.state


def test_each_step_is_taken_by_the_side_that_takes_it(seeded):
    events = ReferralEvent.objects.select_related("actor", "referral__client__ocmw")
    for event in events.filter(transition__in=["agree", "decline"]):
        assert event.actor.is_caseworker
        assert event.actor.organisation == event.referral.client.ocmw
    vdab_steps = ["plan_intake", "admit", "reject", "start", "end"]
    assert {e.actor.username for e in events.filter(transition__in=vdab_steps)} == {"vdab-gent"}
    applied_by = {e.actor.username for e in events.filter(transition="apply")}
    assert applied_by == {"ocmw-gent", "ocmw-aalst", "vdab-gent"}


def test_started_trainees_cover_every_end_result_and_age_band(seeded):
    started = Referral.objects.exclude(start_date=None).select_related("client")
    assert {r.end_result for r in started} == {"", *EndResult.values}
    assert {age_band(r.client.age_on(r.start_date)) for r in started} == {
        "-25",
        "25-40",
        "40-55",
        "55+",
    }
    assert {r.start_date.year for r in started} >= {2024, 2025, 2026}
    stopped_early = started.filter(end_result=EndResult.STOPPED_EARLY)
    assert not stopped_early.filter(stop_reason="").exists()


def test_multi_year_trajectories_have_their_school_years_and_one_a_certificate_of_part(seeded):
    years = SchoolYear.objects.select_related("referral")
    per_referral = {}
    for school_year in years:
        per_referral.setdefault(school_year.referral, []).append(school_year)
    assert any(len(found) >= 2 for found in per_referral.values())
    assert {y.result for y in years} == set(SchoolYearResult.values)
    assert {y.recorded_by.username for y in years} == {"vdab-gent"}
    for referral, found in per_referral.items():
        assert len({y.year for y in found}) == len(found)
        assert min(y.year for y in found) >= referral.start_date.year - 1
    partial = Referral.objects.get(obtained=Obtained.PARTIAL)
    assert partial.end_result != EndResult.PASSED and partial.obtained_on
    assert (
        Referral.objects.filter(obtained=Obtained.DIPLOMA)
        .exclude(obtained_on=F("end_date"))
        .exists()
    )  # a diploma awarded after the deliberation


def test_outcome_checks_only_follow_positive_ends_once_due(seeded):
    outcomes = OutcomeCheck.objects.select_related("referral")
    assert {o.at_work for o in outcomes} == {"yes", "no"}
    for outcome in outcomes:
        assert outcome.referral.has_positive_end
        assert outcome.checked_on >= outcome.referral.outcome_due_date(outcome.months)


def test_one_trainee_is_interrupted_now_and_others_resumed(seeded):
    running = Interruption.objects.running().select_related("referral")
    assert [i.referral.state for i in running] == [State.IN_TRAINING]
    resumed = Interruption.objects.exclude(to_date=None).select_related("referral")
    assert resumed
    for interruption in resumed:
        referral = interruption.referral
        assert referral.start_date <= interruption.from_date <= interruption.to_date
        # The expected end moved on by the days interrupted.
        assert referral.expected_end_date > referral.start_date
    transitions = set(ReferralEvent.objects.values_list("transition", flat=True))
    assert {"interruption_recorded", "interruption_ended"} <= transitions


def test_the_ongoing_work_experience_blocks_an_agreement(seeded):
    experience = TemporaryWorkExperience.objects.get(end_date=None)
    states = set(experience.client.referrals.values_list("state", flat=True))
    assert states <= {State.INFORMED, State.CANDIDATE}


def test_every_client_has_the_history_of_the_consent_the_caseworker_recorded(seeded):
    for client in Client.objects.prefetch_related("consents"):
        [consent] = client.consents.all()
        assert consent.recorded_by.is_caseworker
        assert consent.recorded_by.organisation == client.ocmw
        assert consent.document_reference
        holds = consent.withdrawn_on is None
        assert (client.consent_vdab, client.consent_date) == (
            (True, consent.given_on) if holds else (False, None)
        )


def test_the_withdrawn_consent_blocks_the_agreement_and_told_vdab(seeded):
    consent = Consent.objects.get(withdrawn_on__isnull=False)
    referrals = consent.client.referrals.filter(agreed_on__isnull=False)
    assert referrals.exists()
    told = Notification.objects.filter(kind=Kind.CONSENT_WITHDRAWN, referral__in=referrals)
    assert {n.recipient.username for n in told} == {"vdab-gent"}
    assert {n.channel for n in told} == {Notification.Channel.IN_APP}  # history: no e-mail


def test_vdab_registered_one_client_after_the_agreement_and_told_the_caseworker(seeded):
    (event,) = ReferralEvent.objects.filter(transition=VDAB_REGISTRATION)
    client = event.referral.client
    assert (client.registered_job_seeker, event.actor.username) == (True, "vdab-gent")
    assert client.vdab_client_number.isdigit()
    told = Notification.objects.get(kind=Kind.VDAB_REGISTERED, channel="in_app")
    assert told.recipient.is_caseworker
    # Others still wait for VDAB: the counsellor sees the form on their referrals.
    assert Referral.objects.filter(
        state__in=VDAB_REGISTRATION_STATES, client__registered_job_seeker=False
    ).exists()


def test_the_caseworker_was_told_of_each_school_year_in_the_app(seeded):
    events = ReferralEvent.objects.filter(transition=SCHOOL_YEAR_RECORDED)
    told = Notification.objects.filter(kind=Kind.SCHOOL_YEAR_RECORDED).select_related(
        "recipient", "referral__client"
    )
    assert events.exists()
    assert told.count() == events.count()
    assert {n.channel for n in told} == {Notification.Channel.IN_APP}  # history: no e-mail
    for message in told:
        assert message.recipient.is_caseworker
        assert message.recipient.organisation_id == message.referral.client.ocmw_id
    subjects = {(n.referral_id, n.created_at): n.subject for n in told}
    for event in events:
        assert school_year_label(event.data["year"]) in subjects[(event.referral_id, event.at)]


def test_second_run_changes_nothing(seeded):
    before = row_counts()
    out = seed(password=PASSWORD)
    assert row_counts() == before
    assert "0 new referrals" in out
    assert log_in(username="vdab-gent", password=PASSWORD) is not None


def test_without_password_new_users_get_a_printed_one_that_a_later_run_keeps():
    out = seed()
    password = re.search(r"Password for all demo users: (\S+)", out).group(1)
    assert len(password) >= 16
    assert log_in(username="ocmw-gent", password=password) is not None

    out = seed()
    assert "unchanged" in out
    assert log_in(username="ocmw-gent", password=password) is not None


def test_a_given_password_is_set_on_existing_users():
    seed()
    seed(password=PASSWORD)
    assert all(log_in(username=username, password=PASSWORD) is not None for username in DEMO_USERS)


def test_the_demo_administrator_gets_a_printed_second_factor_that_works(seeded):
    """`make demo` still lets the administrator in: the key printed with the password
    gives the codes an authenticator app would show, and each printed backup code works."""
    key = re.search(r"beheerder also needs a code: .*: ([A-Z2-7 ]+)$", seeded, re.M).group(1)
    backup_codes = re.search(r"backup code \(each works once\): (.+)$", seeded, re.M).group(1)
    beheerder = User.objects.get(username="beheerder")
    app = TOTP(base64.b32decode(key.replace(" ", "")))

    assert verify(beheerder, f"{app.token():06d}")[0] is not None
    assert verify(beheerder, backup_codes.split(", ")[0])[0] is not None
    assert "ocmw-gent also needs" not in seeded
