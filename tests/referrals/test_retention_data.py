"""What the retention removes: after it, no text or JSON column of any table holds a value
of the pseudonymised client's (names, INSZ, contact details, notes, what was typed about
them), and what the figures read is still there.

The client's story is walked through the real services, so that every row those write
(history lines, guidance notes, VDAB's candidacy, the messages) is there to be searched:
a candidacy VDAB registered with the name typed otherwise, a formal agreement with a warm
handover, an intake, a screening, a start, a guidance note, a positive end with check-ups
and a close; a second referral withdrawn, a third declined, a fourth not admitted."""

import dataclasses
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.functions import Cast
from django.utils import translation

from notifications.models import Notification
from referrals import services
from referrals.enums import AtWork, CandidacyOutcome, EndResult, Gender, State
from referrals.imports.checks import RowError
from referrals.models import (
    Candidacy,
    Client,
    GuidanceNote,
    ImportJob,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    TemporaryWorkExperience,
)
from referrals.services import apply_retention
from referrals.services.retention import CLIENT_TEXTS, PSEUDONYM, REFERRAL_TEXTS
from tests.referrals.factories import (
    ClientFactory,
    TrainingFactory,
    referral_in_state,
    take_step,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
THEN = datetime.datetime(2024, 9, 2, 10, tzinfo=BRUSSELS)
NOW = datetime.datetime(2030, 9, 2, 10, tzinfo=BRUSSELS)

# Words nobody else in the database has (ASCII: JSON escapes the rest).
PERSON = {
    "first_name": "Zorbalina",
    "last_name": "Quetzalvelde",
    "phone": "0471 98 76 54",
    "email": "zorbalina.q@example.org",
    "street": "Kwakkelstraat 77",
    "municipality": "Drongenhoekske",
    "vdab_client_number": "VDAB778812",
    "notes": "Schuldbemiddeling Kwakkelnota loopt",
}
TYPED = {  # what the caseworker and the counsellor wrote about the person
    "handover": "Kwakkelhandover: bellen na vier uur",
    "caseworker_phone": "09 111 22 33",
    "intake_place": "Kwakkelcampus lokaal 4",
    "screening": "Kwakkelscreening motivatie sterk",
    "location": "Kwakkellocatie Gent",
    "note": "Kwakkelbegeleiding: veel afwezig",
    "withdraw": "Kwakkelreden intrekking",
    "decline": "Kwakkelreden weigering",
    "reject": "Kwakkelreden niet toegelaten",
    "employer": "Kwakkelkringloop",
    "typed_name": "Zorbalinah",
}


def rows_holding(value: str) -> list[tuple[str, str, object]]:
    """(model, column, pk) of every row of every table with `value` in a text or JSON
    column, whatever the case."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = model._meta.concrete_fields
        texts = [f for f in fields if isinstance(f, models.CharField | models.TextField)]
        jsons = [f for f in fields if isinstance(f, models.JSONField)]
        rows = model._base_manager.all()
        rows = rows.annotate(**{f"{f.name}__text": Cast(f.name, models.TextField()) for f in jsons})
        for name in [f.attname for f in texts] + [f"{f.name}__text" for f in jsons]:
            for pk in rows.filter(**{f"{name}__icontains": value}).values_list("pk", flat=True):
                found.append((model._meta.label, name, pk))
    return found


@pytest.fixture
def story(ocmw_gent, caseworker, counsellor, training):
    """The person's file and referrals, written in 2024."""
    with time_machine.travel(THEN, tick=False):
        person = ClientFactory(ocmw=ocmw_gent, **PERSON)
        TemporaryWorkExperience.objects.create(
            client=person,
            start_date=datetime.date(2023, 1, 1),
            end_date=datetime.date(2023, 12, 31),
            employer=TYPED["employer"],
        )
        candidacy = services.referral_register_candidacy(
            user=counsellor,
            ocmw=ocmw_gent,
            insz=person.insz,
            first_name=TYPED["typed_name"],
            last_name=PERSON["last_name"],
            training=training,
        )
        assert candidacy.outcome == CandidacyOutcome.NAME_DIFFERS
        main = candidacy.referral
        screening = dict.fromkeys(
            ["motivation", "preconditions", "path_fit", "learning_ability"], TYPED["screening"]
        )
        take_step(
            "agree",
            main,
            caseworker,
            handover_notes=TYPED["handover"],
            caseworker_phone=TYPED["caseworker_phone"],
        )
        take_step("plan_intake", main, counsellor, place=TYPED["intake_place"])
        take_step(
            "admit", main, counsellor, screening=screening, probable_location=TYPED["location"]
        )
        take_step("start", main, counsellor)
        services.guidance_note_add(
            referral=main,
            user=counsellor,
            topic="attendance",
            note=TYPED["note"],
            written_on=datetime.date(2024, 7, 1),
        )
        take_step("end", main, counsellor, result=EndResult.PASSED)
        take_step("close", main, caseworker)
        OutcomeCheck.objects.create(referral=main, months=3, at_work=AtWork.YES)
        others = [
            referral_in_state(
                State.WITHDRAWN,
                client=person,
                caseworker=caseworker,
                withdraw__reason=TYPED["withdraw"],
            ),
            referral_in_state(
                State.DECLINED,
                client=person,
                caseworker=caseworker,
                decline__reason=TYPED["decline"],
            ),
            referral_in_state(
                State.NOT_ADMITTED,
                client=person,
                caseworker=caseworker,
                counsellor=counsellor,
                reject__reason=TYPED["reject"],
                reject__screening=screening,
            ),
        ]
        take_step("close", others[-1], caseworker)
    return person, [main, *others]


def test_before_the_retention_the_search_finds_the_person_everywhere(story):
    """Else the test below would prove nothing."""
    tables = {label for label, _column, _pk in rows_holding(PERSON["last_name"])}
    tables |= {label for label, _column, _pk in rows_holding(TYPED["typed_name"])}

    assert {"referrals.Client", "referrals.Candidacy", "notifications.Notification"} <= tables
    for value in [*PERSON.values(), *TYPED.values(), story[0].insz]:
        assert rows_holding(value), value


def test_no_value_of_the_person_is_left_anywhere(story):
    person, _referrals = story

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    for value in [*PERSON.values(), *TYPED.values(), person.insz]:
        assert rows_holding(value) == [], value


def test_the_client_keeps_gender_ocmw_and_dates_only(story):
    person, _referrals = story
    before = Client.objects.get(pk=person.pk)

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    after = Client.objects.get(pk=person.pk)
    assert (after.first_name, after.last_name, after.insz) == (
        PSEUDONYM,
        PSEUDONYM,
        f"~{person.pk}",
    )
    assert {name: getattr(after, name) for name in CLIENT_TEXTS} == {
        **dict.fromkeys(CLIENT_TEXTS, ""),
        "first_name": PSEUDONYM,
        "last_name": PSEUDONYM,
        "insz": f"~{person.pk}",
    }
    assert after.birth_date is None
    assert (after.gender, after.ocmw_id, after.created_at) == (
        before.gender,
        before.ocmw_id,
        before.created_at,
    )
    assert after.gender in (Gender.MALE, Gender.FEMALE)
    assert after.pseudonymised_at == NOW


def test_the_referrals_keep_dates_results_and_check_ups_and_lose_their_texts(story):
    _person, referrals = story
    kept = ["state", "state_changed_at", "agreed_on", "intake_at", "start_date", "end_date"]
    kept += ["end_result", "stop_reason", "continued_by", "caseworker_id", "training_id"]
    before = {r.pk: {name: getattr(r, name) for name in kept} for r in Referral.objects.all()}
    main = referrals[0]
    age = main.client.age_on(main.start_date)

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    after = Referral.objects.all()
    assert {r.pk: {name: getattr(r, name) for name in kept} for r in after} == before
    for referral in after:
        assert {name: getattr(referral, name) for name in REFERRAL_TEXTS} == dict.fromkeys(
            REFERRAL_TEXTS, ""
        )
    assert Referral.objects.get(pk=main.pk).age_at_start == age
    assert list(OutcomeCheck.objects.values_list("months", "at_work")) == [(3, AtWork.YES)]


def test_the_history_keeps_its_steps_and_dates_without_the_texts(story):
    def lines():
        return list(
            ReferralEvent.objects.order_by("pk").values_list(
                "transition", "from_state", "to_state", "at", "actor"
            )
        )

    before = lines()
    start = ReferralEvent.objects.get(transition="start")

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    assert lines() == before
    assert not ReferralEvent.objects.exclude(reason="").exists()
    assert ReferralEvent.objects.get(pk=start.pk).data == start.data  # a date only


def test_notes_candidacies_experiences_and_messages_lose_their_texts(story):
    person, _referrals = story
    notifications = Notification.objects.filter(referral__client=person)
    assert notifications.filter(status=Notification.Status.PENDING).exists()

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    assert list(GuidanceNote.objects.values_list("note", "topic")) == [("", "attendance")]
    assert list(Candidacy.objects.values_list("insz", "first_name", "last_name")) == [
        ("", PSEUDONYM, PSEUDONYM)
    ]
    assert list(TemporaryWorkExperience.objects.values_list("employer", flat=True)) == [""]
    assert notifications.exists()
    assert not notifications.exclude(body="", body_html="").exists()
    for notification in notifications.select_related("recipient"):
        with translation.override(notification.recipient.language or settings.LANGUAGE_CODE):
            assert notification.subject == str(notification.get_kind_display())
    assert not notifications.filter(
        status__in=[Notification.Status.PENDING, Notification.Status.SENDING]
    ).exists()


def test_other_clients_are_left_alone(story, ocmw_gent, caseworker):
    other = ClientFactory(ocmw=ocmw_gent, first_name="Bertholda")
    referral = referral_in_state(
        State.WITHDRAWN, client=other, caseworker=caseworker, withdraw__reason="Bertholdareden"
    )

    with time_machine.travel(NOW, tick=False):
        apply_retention()

    referral.refresh_from_db()
    assert Client.objects.get(pk=other.pk).first_name == "Bertholda"
    assert referral.withdraw_reason == "Bertholdareden"
    assert rows_holding("Bertholdareden")


def test_old_candidacies_that_registered_nothing_lose_what_vdab_typed(counsellor, ocmw_gent):
    training = TrainingFactory()

    def candidacy(at):
        return Candidacy.objects.create(
            registered_by=counsellor,
            registered_at=at,
            ocmw=ocmw_gent,
            training=training,
            insz="90010112345",
            first_name="Kwakkeltypist",
            last_name="Kwakkel",
            outcome=CandidacyOutcome.LIMITED,
        )

    old, recent = candidacy(THEN), candidacy(NOW - datetime.timedelta(days=30))

    with time_machine.travel(NOW, tick=False):
        result = apply_retention()

    assert result.candidacies == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.insz, old.first_name, old.last_name) == ("", PSEUDONYM, PSEUDONYM)
    assert (recent.insz, recent.first_name) == ("90010112345", "Kwakkeltypist")


def test_old_import_errors_lose_their_messages_keep_their_lines(administrator):
    def job(at):
        errors = [RowError(4, "insz: Kwakkelimport 90010112345 is not valid")]
        return ImportJob.objects.create(
            started_by=administrator,
            created_at=at,
            file_name="trajecten.csv",
            checksum="0" * 64,
            language="nl",
            status="done",
            result={"imported": 0, "errors": [dataclasses.asdict(e) for e in errors]},
        )

    old, recent = job(THEN), job(NOW - datetime.timedelta(days=30))

    with time_machine.travel(NOW, tick=False):
        first = apply_retention()
        again = apply_retention()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (first.import_jobs, again.import_jobs) == (1, 0)
    assert old.result == {"imported": 0, "errors": [{"line": 4, "message": PSEUDONYM}]}
    assert "Kwakkelimport" in recent.result["errors"][0]["message"]
