"""No e-mail carries personal data: for every kind of notification, written as the app
writes it, the e-mail's subject, text and HTML hold none of the client's values (in any
of the forms the site shows them) nor the referral's free texts; they say what happened,
which referral and training, and link to the app. The in-app message keeps showing what
its reader may see.

Generated from `Kind`: a kind without a line in SCENES fails here, so that a new kind
cannot mail what it should not."""

import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.utils import formats, timezone, translation
from stdnum.be import ssn

from audit.trail import mask_insz
from notifications import digest, outbox
from notifications.models import AT_ONCE, EmailFrequency, EmailPreference, Kind, Notification
from referrals import services
from referrals.enums import (
    CandidacyOutcome,
    DocumentKind,
    EndResult,
    GuidanceTopic,
    HandoverHow,
    InterruptionReason,
    SchoolYearResult,
    State,
    StopReason,
)
from referrals.models import Candidacy, GuidanceNote, Referral
from referrals.models.followup import school_year_of
from referrals.presenters import candidacy_of
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.referrals.factories import (
    PDF,
    ClientFactory,
    TrainingFactory,
    make_insz,
    referral_in_state,
)

pytestmark = pytest.mark.django_db

EMAIL, IN_APP = Notification.Channel.EMAIL, Notification.Channel.IN_APP
LANGUAGES = ["nl-be", "en"]

# Values no message text would hold by chance, so that finding one is a leak.
BORN = datetime.date(1987, 11, 23)
GPMI_DATE = datetime.date(2023, 9, 19)
MUNICIPALITY = "Spiere-Helkijn"
CLIENT = {
    "first_name": "Zenobia",
    "last_name": "Quattlebaum",
    "insz": make_insz(BORN, 173),
    "phone": "0499 87 65 43",
    "email": "zenobia.q@voorbeeld.example",
    "street": "Xaveriusboomgaard 77",
    "postal_code": "8587",
    "municipality": MUNICIPALITY,
    "vdab_client_number": "VD99173524",
    "notes": "Schuldbemiddeling bij Zuiderlicht vzw sinds maart",
    "gpmi": True,
    "gpmi_date": GPMI_DATE,
}
TYPED = {"first_name": "Zenobya", "last_name": "Kwattelbaum"}  # how VDAB typed the name
STEPS = {
    "agree__caseworker_phone": "09 381 72 64",
    "agree__handover_notes": "Xylofoonles op woensdag; spreekt Tigrinya thuis.",
    "decline__reason": "Verhuist naar Oostduinkerke-Bad eind volgende maand.",
    "withdraw__reason": "Opgenomen in het Zonnegloed-ziekenhuis voor onbepaalde tijd.",
    "plan_intake__place": "Lokaal Pimpernel, Wolvengracht 19",
    "reject__reason": "Leervermogen volgens de Quokka-toets onvoldoende.",
    "admit__probable_location": "Campus Hazelaarsdreef",
    "end__result": EndResult.STOPPED_EARLY,
    "end__stop_reason": StopReason.ILLNESS,
}
SCREENING = {
    "motivation": "Droomt van de Klaprooskliniek sinds haar twaalfde.",
    "preconditions": "Bakfiets geleend van buurvrouw Ottilie.",
    "path_fit": "Past in het traject Wilgenroosje.",
    "learning_ability": "Instaptoets Kameleon behaald met 71 procent.",
}
NOTE = "Drie dagen afwezig wegens de rechtszaak in Zottegem-Noord."
INTERRUPTION_NOTE = "Bevallen van een tweeling in het Zilverberk-ziekenhuis."


def date_forms(day: datetime.date) -> set[str]:
    """A date as the site shows it in either language, and the usual numeric forms."""
    forms = {day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d-%m-%Y")}
    forms |= {day.strftime("%d.%m.%Y"), f"{day.day}/{day.month}/{day.year}"}
    for language in LANGUAGES:
        with translation.override(language):
            forms |= {formats.date_format(day, f) for f in ("DATE_FORMAT", "SHORT_DATE_FORMAT")}
    return forms


def insz_forms(insz: str) -> set[str]:
    """The national number compact, as the site formats it, and in other usual ways."""
    return {
        insz,
        ssn.format(insz),  # 87.11.23-173.xx
        f"{insz[:6]}-{insz[6:9]}-{insz[9:]}",
        f"{insz[:6]} {insz[6:9]} {insz[9:]}",
        f"{insz[:6]}-{insz[6:9]}.{insz[9:]}",
    }


def labels(choice) -> set[str]:
    with_labels = set()
    for language in LANGUAGES:
        with translation.override(language):
            with_labels.add(str(choice.label))
    return with_labels


def personal_data(referral: Referral) -> set[str]:
    """Everything an e-mail must not carry about this referral's client."""
    client = referral.client
    values = {value for value in CLIENT.values() if isinstance(value, str)}
    values |= insz_forms(client.insz) | date_forms(BORN) | date_forms(GPMI_DATE)
    values |= {client.phone.replace(" ", ""), *TYPED.values(), "73524991"}
    values.add(client.ocmw.name)  # the OCMW tells where the client lives
    values |= {v for k, v in STEPS.items() if isinstance(v, str) and not k.startswith("end")}
    values |= set(SCREENING.values()) | {NOTE, INTERRUPTION_NOTE}
    values |= labels(StopReason.ILLNESS) | labels(EndResult.STOPPED_EARLY)
    values |= labels(InterruptionReason.MATERNITY)
    values |= labels(GuidanceTopic.DROPOUT_RISK)
    values |= labels(SchoolYearResult.REPEATS)
    return values


def leaks(message: Notification, referral: Referral) -> list[str]:
    text = "\n".join([message.subject, message.body, html.unescape(message.body_html)])
    return sorted(value for value in personal_data(referral) if value.lower() in text.lower())


# --- how the app writes each kind -------------------------------------------------------------


def after_step(referral: Referral, people: dict) -> dict:
    """What `outbox.write_for_event` passes: the step, who took it, whom the handover went
    to, the candidacy VDAB registered."""
    event = referral.events.last()
    return {
        "event": event,
        "actor": event.actor,
        "counsellors": [people["counsellor"]],
        "candidacy": candidacy_of(referral),
    }


def registered_by_vdab(referral: Referral, people: dict) -> dict:
    """A candidacy VDAB typed with another spelling of the name."""
    Candidacy.objects.create(
        registered_by=people["counsellor"],
        ocmw=referral.client.ocmw,
        training=referral.training,
        insz=referral.client.insz,
        outcome=CandidacyOutcome.NAME_DIFFERS,
        referral=referral,
        **TYPED,
    )
    return after_step(referral, people)


def guidance_note(referral: Referral, people: dict) -> dict:
    note = GuidanceNote.objects.create(
        referral=referral,
        author=people["counsellor"],
        topic=GuidanceTopic.DROPOUT_RISK,
        note=NOTE,
        written_on=referral.start_date,
    )
    return {"note": note, "actor": note.author}


def consent_withdrawn(referral: Referral, people: dict) -> dict:
    """The client withdrew their consent, as `services.consent_withdraw` records it."""
    consent = services.consent_withdraw(
        client=referral.client,
        user=people["caseworker"],
        withdrawn_on=referral.client.consent_date + datetime.timedelta(days=1),
    )
    return {"consent": consent, "actor": consent.withdrawn_by}


def vdab_registered(referral: Referral, people: dict) -> dict:
    """VDAB recorded the client's registration, as `services.vdab` records it."""
    event = services.referral_record_vdab_registration(
        referral=referral,
        user=people["counsellor"],
        registered_job_seeker=True,
        vdab_client_number="73524991",
    )
    return {"event": event, "actor": event.actor}


def school_year_recorded(referral: Referral, people: dict) -> dict:
    """VDAB recorded that the trainee repeats the year, as `services.school_year_record`
    records it and `outbox` tells it."""
    services.school_year_record(
        referral=referral,
        user=people["counsellor"],
        year=school_year_of(referral.start_date),
        result=SchoolYearResult.REPEATS,
    )
    event = referral.events.last()
    return {"event": event, "actor": event.actor, **outbox.school_year_context(event)}


def handover_recorded(referral: Referral, people: dict) -> dict:
    """The caseworker recorded the warm handover after the agreement, with the counsellor."""
    services.referral_record_handover(
        referral=referral,
        user=people["caseworker"],
        handover_how=HandoverHow.MEETING,
        handover_at=timezone.now(),
        handover_counsellor=people["counsellor"],
    )
    return after_step(referral, people)


def document_added(referral: Referral, people: dict) -> dict:
    """A document whose name and description hold the client's, as the counsellor added it
    through `services.document_add`."""
    services.document_add(
        referral=referral,
        user=people["counsellor"],
        kind=DocumentKind.ATTENDANCE,
        file=ContentFile(PDF, name=f"attest {CLIENT['first_name']} {CLIENT['last_name']}.pdf"),
        description=NOTE,
    )
    return after_step(referral, people)


def interrupted(referral: Referral, people: dict) -> dict:
    """The counsellor records that the training is interrupted, as `outbox` tells it."""
    services.interruption_record(
        referral=referral,
        user=people["counsellor"],
        reason=InterruptionReason.MATERNITY,
        from_date=referral.start_date,
        note=INTERRUPTION_NOTE,
    )
    event = referral.events.last()
    return {"event": event, "actor": event.actor, **outbox.interruption_context(event)}


def reminder(**context) -> Callable[[Referral, dict], dict]:
    """What `reminders` passes."""
    return lambda referral, people: context


@dataclass(frozen=True)
class Scene:
    """How the app writes a kind: the state of its referral (`via` the state a withdrawal
    left, step arguments for `referral_in_state`) and what the outbox passes besides."""

    state: str
    context: Callable[[Referral, dict], dict] = after_step
    via: str | None = None
    steps: dict = field(default_factory=dict)


def made_responsible(referral: Referral, people: dict) -> dict:
    """A colleague made the caseworker responsible, as `services.referral_set_responsible`
    records it and `outbox` tells it."""
    colleague = CaseworkerFactory(organisation=people["caseworker"].organisation)
    services.referral_set_responsible(
        referral=referral, user=colleague, side="caseworker", person=colleague
    )
    event = services.referral_set_responsible(
        referral=referral, user=colleague, side="caseworker", person=people["caseworker"]
    )
    return {"event": event, "actor": event.actor, "responsible_side": "caseworker"}


SCENES = {
    Kind.CANDIDACY_REGISTERED: Scene(State.CANDIDATE, registered_by_vdab),
    Kind.WARM_HANDOVER: Scene(State.AGREED),
    Kind.CALL_COUNSELLOR: Scene(State.AGREED),
    Kind.DECLINED: Scene(State.DECLINED),
    Kind.WITHDRAWN: Scene(State.WITHDRAWN, via=State.ADMITTED),
    Kind.INTAKE_PLANNED: Scene(State.INTAKE_PLANNED),
    Kind.ADMITTED: Scene(State.ADMITTED),
    Kind.NOT_ADMITTED: Scene(State.NOT_ADMITTED),
    Kind.STARTED: Scene(State.IN_TRAINING),
    Kind.ENDED: Scene(State.ENDED),
    Kind.CONTINUED_GUIDANCE: Scene(State.ENDED),
    Kind.GUIDANCE_NOTE: Scene(State.IN_TRAINING, guidance_note),
    Kind.CONSENT_WITHDRAWN: Scene(State.IN_TRAINING, consent_withdrawn),
    Kind.VDAB_REGISTERED: Scene(State.IN_TRAINING, vdab_registered),
    Kind.SCHOOL_YEAR_RECORDED: Scene(State.IN_TRAINING, school_year_recorded),
    Kind.HANDOVER_RECORDED: Scene(
        State.AGREED, handover_recorded, steps={"agree__handover_at": None}
    ),
    Kind.DOCUMENT_ADDED: Scene(State.IN_TRAINING, document_added),
    Kind.MADE_RESPONSIBLE: Scene(State.IN_TRAINING, made_responsible),
    Kind.REMINDER_NO_INTAKE: Scene(State.AGREED, reminder(working_days=12)),
    Kind.REMINDER_NO_START: Scene(State.ADMITTED, reminder(days=9)),
    Kind.REMINDER_NO_HANDOVER: Scene(
        State.INTAKE_PLANNED, reminder(working_days=6), steps={"agree__handover_at": None}
    ),
    Kind.INTERRUPTION: Scene(State.IN_TRAINING, interrupted),
    Kind.REMINDER_END_EXPECTED: Scene(State.IN_TRAINING, reminder(days=20)),
    Kind.REMINDER_OUTCOME_DUE: Scene(
        State.ENDED,
        reminder(months=3, due_on=datetime.date(2026, 4, 15)),
        steps={"end__result": EndResult.STOPPED_EMPLOYMENT, "end__stop_reason": ""},
    ),
}


# --- the people and the referral ----------------------------------------------------------


@pytest.fixture
def people(counsellor) -> dict:
    """A caseworker of the client's OCMW and the cast's counsellor of the training's region."""
    ocmw = OcmwFactory(municipality=MUNICIPALITY)
    return {"caseworker": CaseworkerFactory(organisation=ocmw), "counsellor": counsellor}


@pytest.fixture
def person(people):
    return ClientFactory(ocmw=people["caseworker"].organisation, **CLIENT)


@pytest.fixture
def walk(people, person, training):
    """`walk(state)`: the client's referral walked to `state`, every free text filled in."""

    def walk_to(state, *, via=None, training=training, **steps):
        return referral_in_state(
            state,
            client=person,
            training=training,
            via=via,
            caseworker=people["caseworker"],
            counsellor=people["counsellor"],
            **{**STEPS, "admit__screening": SCREENING, "reject__screening": SCREENING, **steps},
        )

    return walk_to


def speaking(people: dict, language: str) -> list:
    for person in people.values():
        person.language = language
        person.save(update_fields=["language"])
    return list(people.values())


# --- every kind ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(Kind))
def test_an_e_mail_says_what_happened_and_nothing_of_the_client(
    walk, people, kind, language, settings
):
    assert kind in SCENES, f"Add how the app writes {kind!r} to SCENES in {__name__}."
    settings.SITE_URL = "https://okot.example.org"
    scene = SCENES[kind]
    referral = walk(scene.state, via=scene.via, **scene.steps)
    Notification.objects.all().delete()

    written = outbox.write(
        kind=kind,
        recipients=speaking(people, language),
        referral=referral,
        source="test",
        context=scene.context(referral, people),
    )

    emails = [message for message in written if message.channel == EMAIL]
    assert len(emails) == 2  # one to each side
    with translation.override(language):
        what = str(Kind(kind).label)
    word = {"nl-be": "toeleiding", "en": "referral"}[language]
    link = f"https://okot.example.org/referrals/{referral.pk}/"
    for email in emails:
        assert leaks(email, referral) == []
        assert email.subject == f"OKOT: {what} – {word} #{referral.pk} (Verpleegkunde HBO5)"
        assert link in email.body
        assert f">{what}</h1>" in email.body_html
        assert f'href="{link}"' in email.body_html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [kind for kind in Kind if kind not in AT_ONCE])
def test_a_daily_digest_says_what_happened_and_nothing_of_the_client(
    walk, people, kind, language, settings
):
    """The digest lists what the e-mails per message would have said, and no more."""
    settings.SITE_URL = "https://okot.example.org"
    scene = SCENES[kind]
    referral = walk(scene.state, via=scene.via, **scene.steps)
    Notification.objects.all().delete()
    readers = speaking(people, language)
    for reader in readers:
        EmailPreference.objects.create(user=reader, frequency=EmailFrequency.DAILY)

    outbox.write(
        kind=kind,
        recipients=readers,
        referral=referral,
        source="test",
        context=scene.context(referral, people),
    )

    assert not Notification.objects.filter(channel=EMAIL).exists()
    with translation.override(language):
        what = str(Kind(kind).label)
    link = f"https://okot.example.org/referrals/{referral.pk}/"
    # VDAB's digest leaves out a referral it does not see (before the formal agreement).
    digests = [
        row for reader in readers for row in digest.write_digest(reader, timezone.localdate())
    ]
    assert digests
    for email in digests:
        assert leaks(email, referral) == []
        assert f"{what} – " in email.body
        assert f"#{referral.pk} (Verpleegkunde HBO5)" in email.body
        assert link in email.body
        assert f'href="{link}"' in email.body_html


def test_the_in_app_message_still_shows_what_its_reader_may_see(walk, people):
    referral = walk(State.AGREED)
    Notification.objects.all().delete()

    outbox.write(
        kind=Kind.WARM_HANDOVER,
        recipients=[people["counsellor"]],
        referral=referral,
        source="test",
        context=after_step(referral, people),
    )

    in_app = Notification.objects.get(channel=IN_APP)
    email = Notification.objects.get(channel=EMAIL)
    for value in ("Zenobia Quattlebaum", mask_insz(CLIENT["insz"]), STEPS["agree__handover_notes"]):
        assert value in in_app.subject + in_app.body
        assert value not in email.subject + email.body + email.body_html
    # The national number masked, as in every list: the inbox lists the messages.
    assert CLIENT["insz"] not in in_app.body


# --- the whole flow through the services --------------------------------------------------------


def test_no_e_mail_the_flow_writes_carries_personal_data(walk, people, training):
    """Every step, notes from both sides, a withdrawal after the admission and a decline:
    every e-mail written, whichever way it was written."""
    referral = walk(State.IN_TRAINING)
    for author in people.values():
        services.guidance_note_add(
            referral=referral,
            user=author,
            topic=GuidanceTopic.DROPOUT_RISK,
            note=NOTE,
            written_on=referral.start_date,
        )
    services.referral_end(
        referral=referral,
        user=people["counsellor"],
        end_date=referral.start_date + datetime.timedelta(days=30),
        result=EndResult.STOPPED_EARLY,
        stop_reason=StopReason.ILLNESS,
    )
    for state, via in [(State.WITHDRAWN, State.ADMITTED), (State.NOT_ADMITTED, None)]:
        walk(state, via=via, training=TrainingFactory(province=training.province))
    walk(State.DECLINED, training=TrainingFactory(province=training.province))

    emails = Notification.objects.filter(channel=EMAIL)
    assert len({email.kind for email in emails}) >= 9
    for email in emails:
        assert leaks(email, email.referral) == [], email.kind
