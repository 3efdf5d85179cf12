"""Messages speak the recipient's language and show a VDAB user only what VDAB may see of
the client; an in-app message comes as a one-line subject and a text, an e-mail also with an
escaped HTML alternative. What an e-mail may carry at all: test_email_privacy.py."""

import datetime
import re

import pytest
from django.utils import translation

from accounts.models import Province
from audit.trail import mask_insz
from notifications.models import Kind, Notification
from notifications.rendering import render_email, render_message
from referrals import services
from referrals.enums import EndResult, GuidanceTopic, State, StopReason
from referrals.models import Client, GuidanceNote
from tests.accounts.factories import (
    CounsellorFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import (
    ClientFactory,
    TrainingFactory,
    applicable_conditions,
    make_insz,
    referral_in_state,
)

pytestmark = pytest.mark.django_db

# The messages of the workflow's events; the reminders have their own tests.
EVENT_KINDS = [kind for kind in Kind if not kind.startswith("reminder_")]

INSZ = make_insz(datetime.date(1988, 2, 14), 62)
OCMW_ONLY = {
    "street": "Kortrijksesteenweg 412",
    "notes": "Budgetbegeleiding loopt sinds maart wegens schulden bij de energieleverancier",
    "gpmi": True,
    "gpmi_date": datetime.date(2024, 3, 11),
}
OCMW_ONLY_FIELDS = ["street", "postal_code", "notes", "gpmi", "gpmi_date", "consent_date"]
# The labels of what needs consent are common words ("phone", "e-mail") that messages use
# for other things; these two are not.
NEEDS_CONSENT_LABELS = ["insz", "vdab_client_number"]


# The people and the training are the cast of tests/conftest.py.


@pytest.fixture
def person(ocmw_gent) -> Client:
    """A client of OCMW Gent with every field filled in, OCMW-only data included."""
    return ClientFactory(
        ocmw=ocmw_gent,
        first_name="Fatima",
        last_name="Elouardi",
        insz=INSZ,
        phone="0470 12 34 56",
        email="fatima.elouardi@example.com",
        postal_code="9000",
        municipality="Gent",
        vdab_client_number="VD7788123",
        **OCMW_ONLY,
    )


@pytest.fixture
def walk(person, training, caseworker, counsellor):
    def walk_to(state, **overrides):
        overrides.setdefault("client", person)
        overrides.setdefault("training", training)
        return referral_in_state(state, caseworker=caseworker, counsellor=counsellor, **overrides)

    return walk_to


def context_for(referral, actor) -> dict:
    """What the outbox passes to the templates: the event (or note) and who acted."""
    note = GuidanceNote.objects.create(
        referral=referral,
        author=actor,
        topic=GuidanceTopic.PROGRESS,
        note="Goede vooruitgang in de praktijklessen.",
        written_on=referral.start_date or datetime.date.today(),
    )
    return {"event": referral.events.last(), "actor": actor, "note": note}


def withdraw_consent(client: Client) -> None:
    client.consent_vdab = False
    client.consent_date = None
    client.save()


def needs_consent_values(client: Client) -> list[str]:
    return [client.insz, client.phone, client.email, client.vdab_client_number]


def labels(names: list[str], language: str) -> list[str]:
    with translation.override(language):
        return [str(Client._meta.get_field(name).verbose_name) for name in names]


def visible_text(*parts: str) -> str:
    return "\n".join(parts)


# --- language -------------------------------------------------------------------------------


def test_each_recipient_reads_the_warm_handover_in_their_own_language(walk, caseworker):
    english = CounsellorFactory(organisation=VdabOrganisationFactory(), language="en")
    dutch = CounsellorFactory(organisation=english.organisation, language="nl-be")
    referral = walk(State.CANDIDATE)

    services.referral_agree(
        referral=referral,
        user=caseworker,
        agreed_on=datetime.date.today(),
        checked_conditions=applicable_conditions(referral.training),
        caseworker_phone="09 266 99 00",
    )

    def handover(user, channel=Notification.Channel.IN_APP):
        return Notification.objects.get(recipient=user, kind=Kind.WARM_HANDOVER, channel=channel)

    # "Client" and "Training" have a Dutch translation already; the facts' labels too.
    assert "\nCliënt:\n" in handover(dutch).body
    assert "\nOpleiding: " in handover(dutch).body
    assert "- Voornaam: Fatima" in handover(dutch).body
    assert "\nClient:\n" in handover(english).body
    assert "\nTraining: " in handover(english).body
    assert "- First name: Fatima" in handover(english).body
    dutch_email = handover(dutch, Notification.Channel.EMAIL)
    english_email = handover(english, Notification.Channel.EMAIL)
    assert dutch_email.subject.startswith("OKOT: Warme overdracht na het formeel akkoord – ")
    assert "Kies welke e-mails u ontvangt: " in dutch_email.body
    assert '<html lang="nl">' in dutch_email.body_html
    assert english_email.subject.startswith("OKOT: Warm handover after the formal agreement – ")
    assert "Choose which e-mails you receive: " in english_email.body
    assert '<html lang="en">' in english_email.body_html


@pytest.mark.parametrize("language", ["en", "nl-be"])
def test_rendering_leaves_the_current_language_alone(walk, counsellor, caseworker, language):
    referral = walk(State.AGREED)
    counsellor.language = language
    with translation.override("nl-be" if language == "en" else "en"):
        before = translation.get_language()
        render_message(Kind.WARM_HANDOVER, counsellor, referral, context_for(referral, caseworker))
        assert translation.get_language() == before


def test_a_recipient_without_a_language_reads_the_site_language(walk, counsellor, caseworker):
    referral = walk(State.AGREED)
    counsellor.language = ""

    _subject, body = render_message(
        Kind.WARM_HANDOVER, counsellor, referral, context_for(referral, caseworker)
    )
    email_subject, _text, _html = render_email(Kind.WARM_HANDOVER, counsellor.language, referral)

    assert "\nCliënt:\n" in body
    assert email_subject.startswith("OKOT: Warme overdracht")


# --- privacy --------------------------------------------------------------------------------


def test_with_consent_the_warm_handover_gives_vdab_what_it_needs(walk, counsellor, caseworker):
    referral = walk(State.AGREED)
    client = referral.client

    _subject, body = render_message(
        Kind.WARM_HANDOVER, counsellor, referral, context_for(referral, caseworker)
    )

    # The national number masked, as in every list (the inbox lists the messages); the
    # referral page shows it whole.
    for value in [mask_insz(client.insz), client.phone, client.email, client.vdab_client_number]:
        assert value in body
    assert client.insz not in body


def test_without_consent_the_warm_handover_shows_only_the_name(walk, counsellor, caseworker):
    referral = walk(State.AGREED)
    withdraw_consent(referral.client)

    _subject, body = render_message(
        Kind.WARM_HANDOVER, counsellor, referral, context_for(referral, caseworker)
    )

    facts = re.findall(r"^- (.+?): (.*)$", body, flags=re.MULTILINE)
    assert facts == [("Voornaam", "Fatima"), ("Familienaam", "Elouardi")]
    for value in needs_consent_values(referral.client):
        assert value not in body


@pytest.mark.parametrize("kind", EVENT_KINDS)
@pytest.mark.parametrize("consent", [True, False], ids=["consent", "no-consent"])
@pytest.mark.parametrize("language", ["nl-be", "en"])
def test_no_message_to_vdab_shows_what_the_ocmw_keeps(
    walk, counsellor, caseworker, kind, consent, language
):
    referral = walk(State.ENDED, end__result=EndResult.STOPPED_EARLY, end__stop_reason="illness")
    if not consent:
        withdraw_consent(referral.client)
    counsellor.language = language
    client = referral.client
    hidden = [OCMW_ONLY["street"], OCMW_ONLY["notes"], "GPMI", *labels(OCMW_ONLY_FIELDS, language)]
    if not consent:
        hidden += needs_consent_values(client) + labels(NEEDS_CONSENT_LABELS, language)

    text = visible_text(
        *render_message(kind, counsellor, referral, context_for(referral, caseworker))
    )

    assert [value for value in hidden if value.lower() in text.lower()] == []
    # The message names the referral: by its client, or (a withdrawn consent) by number.
    assert str(client) in text or f"#{referral.pk}" in text


def test_no_message_the_flow_sends_to_vdab_shows_what_the_ocmw_keeps(
    walk, counsellor, caseworker, training
):
    """The whole flow through the services, both sides writing notes, then a withdrawal
    after the agreement on one more referral: every message any VDAB user got."""
    colleague = CounsellorFactory(organisation=counsellor.organisation, language="en")
    referral = walk(State.IN_TRAINING)
    for author in (caseworker, counsellor):
        services.guidance_note_add(
            referral=referral,
            user=author,
            topic=GuidanceTopic.SUPPORT,
            note="Zoekt nog kinderopvang voor de woensdag.",
            written_on=referral.start_date,
        )
    services.referral_end(
        referral=referral,
        user=counsellor,
        end_date=referral.start_date + datetime.timedelta(days=30),
        result=EndResult.STOPPED_EARLY,
        stop_reason=StopReason.values[0],
    )
    # A withdrawal after the agreement (VDAB hears of no decline or withdrawal before it).
    other = ClientFactory(ocmw=caseworker.organisation, **OCMW_ONLY)
    walk(State.WITHDRAWN, client=other, via=State.AGREED)

    to_vdab = Notification.objects.filter(recipient__in=[counsellor, colleague])
    kinds = set(to_vdab.values_list("kind", flat=True))
    assert kinds >= {
        Kind.WARM_HANDOVER,
        Kind.GUIDANCE_NOTE,
        Kind.CONTINUED_GUIDANCE,
        Kind.WITHDRAWN,
    }
    hidden = [OCMW_ONLY["street"], OCMW_ONLY["notes"], "GPMI"]
    hidden += labels(OCMW_ONLY_FIELDS, "nl-be") + labels(OCMW_ONLY_FIELDS, "en")
    for message in to_vdab:
        text = visible_text(message.subject, message.body, message.body_html).lower()
        assert [value for value in hidden if value.lower() in text] == [], message.kind


# --- the message itself ---------------------------------------------------------------------


def test_names_are_literal_in_the_message_and_the_training_escaped_in_the_e_mails_html(
    walk, counsellor, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    person = ClientFactory(ocmw=caseworker.organisation, first_name="<b>X</b>", last_name="Y&Z")
    training = TrainingFactory(title="Zorg & <i>welzijn</i>", province=Province.OOST_VLAANDEREN)
    referral = walk(State.CANDIDATE, client=person, training=training)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_agree(
            referral=referral,
            user=caseworker,
            agreed_on=datetime.date.today(),
            checked_conditions=applicable_conditions(referral.training),
            caseworker_phone="09 266 99 00",
            handover_notes='Zegt: "<script>alert(1)</script>"',
        )

    def handover(channel):
        return Notification.objects.get(
            recipient=counsellor, kind=Kind.WARM_HANDOVER, channel=channel
        )

    message = handover(Notification.Channel.IN_APP)
    assert "<b>X</b> Y&Z" in message.subject
    assert ": <b>X</b>\n" in message.body  # among the client's facts
    assert ": Y&Z\n" in message.body
    assert "<script>alert(1)</script>" in message.body
    email = handover(Notification.Channel.EMAIL)
    assert "(Zorg & <i>welzijn</i>)" in email.subject
    assert "Zorg & <i>welzijn</i>." in email.body
    assert "Zorg &amp; &lt;i&gt;welzijn&lt;/i&gt;." in email.body_html
    assert "<i>" not in email.body_html

    (sent,) = [m for m in mailoutbox if m.to == [counsellor.email]]
    assert sent.subject == email.subject
    assert sent.body == email.body
    assert sent.alternatives[0][1] == "text/html"
    assert sent.alternatives[0][0] == email.body_html


def test_the_html_alternative_says_what_happened_and_links_to_the_referral(
    walk, counsellor, settings
):
    settings.SITE_URL = "https://okot.example/"
    referral = walk(State.AGREED)

    subject, text, html = render_email(Kind.WARM_HANDOVER, counsellor.language, referral)

    assert f'href="https://okot.example/referrals/{referral.pk}/"' in html
    assert f"<title>{subject}</title>" in html
    assert '<h1 style="font-size: 1.25rem;">Warme overdracht na het formeel akkoord</h1>' in html
    assert f"Toeleiding #{referral.pk}, opleiding: Verpleegkunde HBO5." in html
    assert f"Toeleiding #{referral.pk}, opleiding: Verpleegkunde HBO5." in text
    assert "09 266 99 00" not in html  # the caseworker's phone is in the app
    assert 'href="https://okot.example/notifications/preferences/"' in html


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_the_subject_is_one_line_even_with_a_line_break_in_a_name(
    walk, counsellor, caseworker, kind
):
    person = ClientFactory(
        ocmw=caseworker.organisation, first_name="Fatima\r\nBcc: x@example.org", last_name="E"
    )
    title = "T" * 180 + "\r\nBcc: y@example.org"
    referral = walk(
        State.ENDED,
        client=person,
        training=TrainingFactory(title=title, province=Province.OOST_VLAANDEREN),
    )

    in_app = render_message(kind, counsellor, referral, context_for(referral, caseworker))
    email = render_email(kind, counsellor.language, referral)[:2]

    for subject, body in [in_app, email]:
        assert subject
        assert "\n" not in subject
        assert "\r" not in subject
        assert len(subject) <= 300
        assert body and not body.startswith("\n")
