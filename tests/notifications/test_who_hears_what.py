"""Who hears what (DOMAIN.md): every step walked through the real services reaches the
people of the table, in the app and by e-mail, and tells the one who acted only what to do
next; a contact counsellor hears instead of the region, inactive people and other regions
hear nothing; a candidacy VDAB registers reaches the OCMW, a guidance note the other side;
and the warm handover tells the counsellor whom to call and what matters."""

import datetime

import pytest

from accounts.models import Province
from notifications import outbox
from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import GuidanceTopic, State
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory
from tests.notifications.who_hears import EMAIL, IN_APP, STEP_IDS, WHO_HEARS_WHAT, heard
from tests.referrals.factories import TrainingFactory, make_insz, take_step

pytestmark = pytest.mark.django_db


# --- the table: who hears what ----------------------------------------------------------------


@pytest.mark.parametrize(("step", "state", "actor", "expected"), WHO_HEARS_WHAT, ids=STEP_IDS)
def test_each_step_reaches_the_people_of_the_table(walk, people, step, state, actor, expected):
    referral = walk(state)

    take_step(step, referral, people[actor])

    assert heard(people) == expected
    assert heard(people, EMAIL) == expected


# Prompts ask the one who acted to do something next; everything else is news for others.
@pytest.mark.parametrize(("step", "state", "actor", "expected"), WHO_HEARS_WHAT, ids=STEP_IDS)
def test_the_actor_is_told_only_what_to_do_next(walk, people, step, state, actor, expected):
    referral = walk(state)

    take_step(step, referral, people[actor])

    told = {kind for who, kind in heard(people) if who == actor}
    assert told <= outbox.PROMPTS


def test_a_contact_counsellor_hears_instead_of_the_region(walk, people, training):
    contact = CounsellorFactory(organisation=people["counsellor_elsewhere"].organisation)
    training.contact_counsellor = contact
    training.save()
    people["contact"] = contact
    referral = walk(State.AGREED, counsellor=contact)
    Notification.objects.all().delete()

    take_step("withdraw", referral, people["caseworker"])

    assert heard(people) == {("contact", Kind.WITHDRAWN)}


def test_inactive_counsellors_and_other_regions_hear_nothing(walk, people):
    people["colleague"].is_active = False
    people["colleague"].save()
    referral = walk(State.AGREED)
    Notification.objects.all().delete()

    take_step("withdraw", referral, people["caseworker"])

    assert heard(people) == {("counsellor", Kind.WITHDRAWN)}


def test_a_candidacy_registered_by_vdab_reaches_every_active_caseworker_of_the_ocmw(people):
    ocmw = people["caseworker"].organisation
    people["second_caseworker"] = CaseworkerFactory(organisation=ocmw)
    people["former_caseworker"] = CaseworkerFactory(organisation=ocmw, is_active=False)

    services.referral_register_candidacy(
        user=people["counsellor"],
        ocmw=ocmw,
        insz=make_insz(datetime.date(1990, 5, 17), 41),
        first_name="Amina",
        last_name="Bakkali",
        training=TrainingFactory(province=Province.OOST_VLAANDEREN),
    )

    assert heard(people) == {
        ("caseworker", Kind.CANDIDACY_REGISTERED),
        ("second_caseworker", Kind.CANDIDACY_REGISTERED),
    }


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        # The counsellor who acted on the referral is its VDAB side.
        ("caseworker", {("counsellor", Kind.GUIDANCE_NOTE)}),
        ("counsellor", {("caseworker", Kind.GUIDANCE_NOTE)}),
    ],
)
def test_a_guidance_note_reaches_the_other_side(walk, people, author, expected):
    referral = walk(State.IN_TRAINING)

    services.guidance_note_add(
        referral=referral,
        user=people[author],
        topic=GuidanceTopic.DROPOUT_RISK,
        note="Drie dagen afwezig zonder bericht; graag samen bellen.",
        written_on=referral.start_date,
    )

    assert heard(people) == expected
    bodies = dict(Notification.objects.values_list("channel", "body"))
    assert "Drie dagen afwezig zonder bericht" in bodies[IN_APP]
    assert "Drie dagen afwezig zonder bericht" not in bodies[EMAIL]


# --- what the warm handover says --------------------------------------------------------------


def test_the_warm_handover_tells_the_counsellor_whom_to_call_and_what_matters(walk, people):
    referral = walk(State.CANDIDATE)

    take_step(
        "agree",
        referral,
        people["caseworker"],
        caseworker_phone="09 266 99 00",
        handover_notes="Gemotiveerd; kinderopvang op woensdag nog te regelen.",
    )

    message = Notification.objects.get(
        recipient=people["counsellor"], kind=Kind.WARM_HANDOVER, channel=IN_APP
    )
    assert "Sofie Claes" in message.body
    assert "09 266 99 00" in message.body
    assert "Gemotiveerd; kinderopvang op woensdag nog te regelen." in message.body
    assert "Verpleegkunde HBO5" in message.body
    assert str(referral.client) in message.subject
    # The e-mail only says what happened and where: the rest is in the app.
    email = Notification.objects.get(
        recipient=people["counsellor"], kind=Kind.WARM_HANDOVER, channel=EMAIL
    )
    assert "Verpleegkunde HBO5" in email.subject
    assert f"/referrals/{referral.pk}/" in email.body_html
    assert str(referral.client) not in email.subject + email.body + email.body_html
    assert "Gemotiveerd" not in email.body


def test_the_caseworker_is_prompted_to_call_the_contact_counsellor(walk, people, training):
    training.contact_counsellor = people["counsellor"]
    training.save()
    people["counsellor"].work_phone = "09 333 44 55"
    people["counsellor"].save()
    referral = walk(State.CANDIDATE)

    take_step("agree", referral, people["caseworker"])

    prompt = Notification.objects.get(channel=IN_APP, kind=Kind.CALL_COUNSELLOR)
    assert prompt.recipient == people["caseworker"]
    assert "Jan Peeters" in prompt.body
    assert "09 333 44 55" in prompt.body
